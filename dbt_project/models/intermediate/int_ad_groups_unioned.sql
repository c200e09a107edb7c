{#- One row per network + ad group (Facebook ad set, Google ad group, LinkedIn campaign); tracked when any of its ads is. -#}
with facebook as (

    select
        'facebook' as network, ad_account_id, campaign_id, ad_group_id, ad_group_name,
        status, raw_status
    from {{ ref('stg_facebook_ads__ad_sets') }}

),

google as (

    select
        'google' as network, ad_account_id, campaign_id, ad_group_id, ad_group_name,
        status, raw_status
    from {{ ref('stg_google_ads__ad_groups') }}

),

linkedin as (

    select
        'linkedin' as network, ad_account_id, campaign_id, ad_group_id, ad_group_name,
        status, raw_status
    from {{ ref('stg_linkedin_ads__campaigns') }}

),

ad_groups as (

    select * from facebook
    union all
    select * from google
    union all
    select * from linkedin

),

tracked as (

    select network, ad_group_id, max(case when is_tracked then 1 else 0 end) = 1 as is_tracked
    from {{ ref('int_ads_unioned') }}
    group by network, ad_group_id

)

select
    ad_groups.*,
    coalesce(tracked.is_tracked, false) as is_tracked
from ad_groups
left join tracked
    on ad_groups.network = tracked.network
    and ad_groups.ad_group_id = tracked.ad_group_id
