{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail',
    )
}}
{#-
    One row per session, from its first (landing) page view: the earliest, ties broken by page
    view id. A session that landed from an ad carries HubSpot's tracking parameters (hsa_*),
    which name the network, account, campaign, ad group, ad and, for Google search, the keyword
    (`hsa_tgt=kwd-<criterion id>`); the others have null ad columns. The session's day is its
    start in the portal time zone. `landing_page` is the landing URL without its query string,
    `referrer_host` the referrer's host (the full URLs, with click ids, stay on the page view:
    storing them again for every session costs more than anything else here).

    `channel` classifies the session from its landing URL and referrer, in this order (HubSpot's
    traffic-source rules, with its ad tracking first):
    1. HubSpot ad tracking (`hsa_net`): adwords/google/bing -> paid_search, any other network
       (facebook, linkedin, ...) -> paid_social;
    2. a Google click id (`gclid`) -> paid_search;
    3. paid UTM tags (medium containing paid/ppc/cpc, or a source naming adwords/ppc/cpc) ->
       paid_social when the source or referrer is a social network or the tag says paidsocial,
       else paid_search; a LinkedIn click id (`li_fat_id`) -> paid_social;
    4. UTM medium or source containing email -> email; medium containing social ->
       organic_social; any other UTM tag -> other_campaigns;
    5. the referrer: a social network -> organic_social, a mail client -> direct, a search
       engine -> organic_search, none or the site itself -> direct, anything else -> referral.
    The domain lists are vars (`social_domains`, `social_sources`, `search_engine_domains`,
    `mail_domains`).

    Incremental: a run re-derives only the sessions with page views loaded since the last build
    (all of each such session's views, so a late earlier view still moves its landing), reading
    only the page views from the earliest instant such a session can hold.
    `dlt_load_id` is the newest page-view load the build had seen: the next run's watermark, and
    how the facts see which sessions changed.
-#}
{%- set parameters = ['hsa_net', 'hsa_acc', 'hsa_cam', 'hsa_grp', 'hsa_ad', 'hsa_tgt',
                      'utm_source', 'utm_medium', 'utm_campaign', 'gclid', 'fbclid',
                      'li_fat_id'] -%}
{#- The page views are read through `ref` at each use, not through one CTE: DuckDB materializes a
    CTE used twice, which for millions of page views costs more than reading them again. -#}
{%- set built_through = incremental_watermark() %}
{#- On Spark, where this is a table rebuilt on every run (no incremental strategy there can
    replace sessions by id), each session carries the newest load of its own page views, so the
    facts still see which sessions changed since their last build. -#}
{%- set per_session_loads = target.type == 'spark' %}
with newest as (

    -- the newest load seen: the next run's watermark
    {{ newest_load_id([ref('stg_hubspot__page_views')], built_through) }}

),

{% if is_incremental() %}

changed as (

    select distinct session_id
    from {{ ref('stg_hubspot__page_views') }}
    where dlt_load_id > {{ built_through }}
        and session_id is not null

),

-- The landing view of each changed session. Every view of such a session is new (at or after
-- the earliest new view) or was seen at the last build (at or after the session's stored
-- start), so the views before `sessions_changed_since()` cannot matter: bounding by that constant
-- lets DuckDB skip most of the page views before the session ids are compared. The few views
-- left carry their URLs through the ranking.
landings as (

    select session_id, contact_id, started_at, landing_url, referrer_url
    from (
        select
            page_views.session_id,
            page_views.contact_id,
            page_views.occurred_at as started_at,
            page_views.page_url as landing_url,
            page_views.referrer_url,
            {{ session_landing_rank('page_views') }} as view_rank
        from {{ ref('stg_hubspot__page_views') }} as page_views
        where page_views.occurred_at >= {{ sessions_changed_since(built_through) }}
            and page_views.session_id in (select session_id from changed)
    ) as ranked
    where view_rank = 1

),

{% else %}

-- The landing view of each session, ranked on the narrow columns only (carrying the URLs
-- through the sort, or aggregating them with arg_min, costs several times more), then joined
-- back for its URLs.
first_views as (

    select page_view_id{{ ', session_load_id' if per_session_loads }}
    from (
        select
            page_views.page_view_id,
            {%- if per_session_loads %}
            max(page_views.dlt_load_id) over (partition by page_views.session_id)
                as session_load_id,
            {%- endif %}
            {{ session_landing_rank('page_views') }} as view_rank
        from {{ ref('stg_hubspot__page_views') }} as page_views
        where page_views.session_id is not null
    ) as ranked
    where view_rank = 1

),

landings as (

    select
        page_views.session_id,
        page_views.contact_id,
        page_views.occurred_at as started_at,
        page_views.page_url as landing_url,
        page_views.referrer_url
        {{- ',\n        first_views.session_load_id' if per_session_loads }}
    from {{ ref('stg_hubspot__page_views') }} as page_views
    inner join first_views
        on page_views.page_view_id = first_views.page_view_id

),

{% endif %}

starts as (

    select
        landings.*,
        {%- for name in parameters %}
        {{ url_parameter_start('landing_url', name) }} as start__{{ name }},
        {%- endfor %}
        {{ url_after_scheme('landing_url') }} as landing_rest,
        {{ url_after_scheme('referrer_url') }} as referrer_rest
    from landings

),

tails as (

    select
        starts.*,
        {{ url_host_part('landing_rest') }} as landing_host_part,
        {{ url_host_part('referrer_rest') }} as referrer_host_part,
        {%- for name in parameters %}
        {{ url_parameter_tail('landing_url', 'start__' ~ name, name) }} as tail__{{ name }}
            {{- ',' if not loop.last }}
        {%- endfor %}
    from starts

),

parsed as (

    select
        session_id,
        contact_id,
        started_at,
        landing_url,
        {{- '\n        session_load_id,' if per_session_loads }}
        {{ without_www('landing_host_part') }} as landing_host,
        {{ without_www('referrer_host_part') }} as referrer_host,
        {%- for name in parameters %}
        {%- if name.startswith('utm_') %}
        lower({{ url_parameter_value('tail__' ~ name) }}) as {{ name }}
        {%- else %}
        {{ url_parameter_value('tail__' ~ name) }} as {{ name }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from tails

),

classified as (

    select
        parsed.*,
        case
            when hsa_net in ('adwords', 'google', 'bing', 'microsoft') then 'paid_search'
            when hsa_net is not null then 'paid_social'
            when gclid is not null then 'paid_search'
            when utm_medium like '%paid%' or utm_medium like '%ppc%' or utm_medium like '%cpc%'
                or utm_source like '%adword%' or utm_source like '%ppc%'
                or utm_source like '%cpc%'
                then case
                    when utm_medium like '%paidsocial%' or utm_source like '%paidsocial%'
                        or utm_source in ({{ quoted_list(var('social_sources')) }})
                        or {{ host_in('referrer_host', var('social_domains')) }}
                        then 'paid_social'
                    else 'paid_search'
                end
            when li_fat_id is not null then 'paid_social'
            when utm_medium like '%email%' or utm_source like '%email%' then 'email'
            when utm_medium like '%social%' then 'organic_social'
            when utm_source is not null or utm_medium is not null or utm_campaign is not null
                then 'other_campaigns'
            when {{ host_in('referrer_host', var('social_domains')) }} then 'organic_social'
            when {{ host_in('referrer_host', var('mail_domains')) }} then 'direct'
            when {{ host_in('referrer_host', var('search_engine_domains')) }}
                then 'organic_search'
            when referrer_host is null or referrer_host = landing_host then 'direct'
            else 'referral'
        end as channel
    from parsed

)

select
    session_id,
    contact_id,
    started_at,
    {{ local_date('started_at', "'" ~ portal_time_zone() ~ "'") }} as session_date,
    channel,
    -- the landing URL up to its query string or fragment
    substr(landing_url, 1, coalesce(least(
        nullif({{ dbt.position("'?'", 'landing_url') }}, 0),
        nullif({{ dbt.position("'#'", 'landing_url') }}, 0)
    ), {{ dbt.length('landing_url') }} + 1) - 1) as landing_page,
    referrer_host,
    utm_source,
    utm_medium,
    utm_campaign,
    gclid,
    fbclid,
    li_fat_id,
    case hsa_net
        when 'facebook' then 'facebook'
        when 'adwords' then 'google'
        when 'google' then 'google'
        when 'linkedin' then 'linkedin'
    end as network,
    hsa_acc as ad_account_id,
    hsa_cam as campaign_id,
    hsa_grp as ad_group_id,
    hsa_ad as ad_id,
    -- a target id may combine targets (`aud-1:kwd-2`); the keyword is the `kwd-` one
    case
        when {{ dbt.position("'kwd-'", 'hsa_tgt') }} > 0
            then {{ dbt.split_part(dbt.split_part('hsa_tgt', "'kwd-'", 2), "':'", 1) }}
    end as keyword_id,
    {{ 'session_load_id' if per_session_loads else '(select load_id from newest)' }}
        as dlt_load_id
from classified
