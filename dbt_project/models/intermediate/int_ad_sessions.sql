{{ config(materialized='table') }}
{#-
    One row per session that landed from an ad: the session's first page view carries HubSpot's
    tracking parameters (hsa_*), which name the network, account, campaign, ad group, ad and, for
    Google search, the keyword (`hsa_tgt=kwd-<criterion id>`). The session's day is its start in
    the portal time zone.
-#}
with page_views as (

    select * from {{ ref('stg_hubspot__page_views') }}

),

ranked as (

    select
        page_views.*,
        row_number() over (
            partition by session_id
            order by occurred_at asc nulls last, page_view_id asc nulls last
        ) as view_rank
    from page_views
    where session_id is not null

),

landings as (

    select
        session_id,
        contact_id,
        occurred_at as started_at,
        page_url as landing_url,
        referrer_url,
        {{ url_parameter('page_url', 'hsa_net') }} as hsa_net,
        {{ url_parameter('page_url', 'hsa_acc') }} as hsa_acc,
        {{ url_parameter('page_url', 'hsa_cam') }} as hsa_cam,
        {{ url_parameter('page_url', 'hsa_grp') }} as hsa_grp,
        {{ url_parameter('page_url', 'hsa_ad') }} as hsa_ad,
        {{ url_parameter('page_url', 'hsa_tgt') }} as hsa_tgt,
        dlt_load_id
    from ranked
    where view_rank = 1

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
    dlt_load_id
from landings
where hsa_net is not null
