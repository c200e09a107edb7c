{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        on_schema_change='fail',
    )
}}
{#-
    One row per session, from its first (landing) page view. A session that landed from an ad
    carries HubSpot's tracking parameters (hsa_*), which name the network, account, campaign, ad
    group, ad and, for Google search, the keyword (`hsa_tgt=kwd-<criterion id>`); the others
    have null ad columns. The session's day is its start in the portal time zone.

    Incremental: a run re-derives only the sessions with page views loaded since the last build
    (all of each such session's views, so a late earlier view still moves its landing).
    `dlt_load_id` is the newest page-view load the build had seen: the next run's watermark, and
    how the facts see which sessions changed.
-#}
{#- The page views are read through `ref` at each use, not through one CTE: DuckDB materializes a
    CTE used twice, which for millions of page views costs more than reading them again. -#}
with newest as (

    select max(dlt_load_id) as load_id from {{ ref('stg_hubspot__page_views') }}

),

{% if is_incremental() %}

changed as (

    select distinct session_id
    from {{ ref('stg_hubspot__page_views') }}
    where dlt_load_id > (select coalesce(max(dlt_load_id), '') from {{ this }})
        and session_id is not null

),

{% endif %}

-- The landing view of each session, ranked on the narrow columns only: carrying the URLs
-- through the sort would cost several times more.
first_views as (

    select page_view_id
    from (
        select
            page_views.page_view_id,
            row_number() over (
                partition by page_views.session_id
                order by page_views.occurred_at asc nulls last,
                    page_views.page_view_id asc nulls last
            ) as view_rank
        from {{ ref('stg_hubspot__page_views') }} as page_views
        {% if is_incremental() %}
        inner join changed
            on page_views.session_id = changed.session_id
        {% endif %}
        where page_views.session_id is not null
    ) as ranked
    where view_rank = 1

),

ranked as (

    select page_views.*
    from {{ ref('stg_hubspot__page_views') }} as page_views
    inner join first_views
        on page_views.page_view_id = first_views.page_view_id

),

landings as (

    select
        session_id,
        contact_id,
        occurred_at as started_at,
        page_url as landing_url,
        referrer_url,
        {{ url_parameter('tracked_url', 'hsa_net') }} as hsa_net,
        {{ url_parameter('tracked_url', 'hsa_acc') }} as hsa_acc,
        {{ url_parameter('tracked_url', 'hsa_cam') }} as hsa_cam,
        {{ url_parameter('tracked_url', 'hsa_grp') }} as hsa_grp,
        {{ url_parameter('tracked_url', 'hsa_ad') }} as hsa_ad,
        {{ url_parameter('tracked_url', 'hsa_tgt') }} as hsa_tgt
    from (
        -- only URLs carrying HubSpot's parameters are searched for them
        select
            ranked.*,
            case when {{ dbt.position("'hsa_'", 'page_url') }} > 0 then page_url end as tracked_url
        from ranked
    ) as candidates

)

select
    session_id,
    contact_id,
    started_at,
    {{ local_date('started_at', "'" ~ var('portal_time_zone') ~ "'") }} as session_date,
    landing_url,
    referrer_url,
    case hsa_net
        when 'facebook' then 'facebook'
        when 'adwords' then 'google'
        when 'linkedin' then 'linkedin'
    end as network,
    hsa_net,
    hsa_acc as ad_account_id,
    hsa_cam as campaign_id,
    hsa_grp as ad_group_id,
    hsa_ad as ad_id,
    -- a target id may combine targets (`aud-1:kwd-2`); the keyword is the `kwd-` one
    case
        when {{ dbt.position("'kwd-'", 'hsa_tgt') }} > 0
            then {{ dbt.split_part(dbt.split_part('hsa_tgt', "'kwd-'", 2), "':'", 1) }}
    end as keyword_id,
    (select load_id from newest) as dlt_load_id
from landings
