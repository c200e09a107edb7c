{#-
    One row per network + campaign (Facebook campaign, Google campaign, LinkedIn campaign group).
    `campaign_type` is the network's own: Facebook objective, Google advertising channel type,
    LinkedIn campaign type (of the group's campaigns; a group has none of its own). Tracked when
    any of its ads is.
-#}
with facebook as (

    select
        'facebook' as network, ad_account_id, campaign_id, campaign_name,
        objective as campaign_type, status, raw_status
    from {{ ref('stg_facebook_ads__campaigns') }}

),

google as (

    select
        'google' as network, ad_account_id, campaign_id, campaign_name, campaign_type,
        status, raw_status
    from {{ ref('stg_google_ads__campaigns') }}

),

linkedin_types as (

    select campaign_id, min(campaign_type) as campaign_type
    from {{ ref('stg_linkedin_ads__campaigns') }}
    group by campaign_id

),

linkedin as (

    select
        'linkedin' as network, groups.ad_account_id, groups.campaign_id, groups.campaign_name,
        linkedin_types.campaign_type, groups.status, groups.raw_status
    from {{ ref('stg_linkedin_ads__campaign_groups') }} as groups
    left join linkedin_types
        on groups.campaign_id = linkedin_types.campaign_id

),

campaigns as (

    select * from facebook
    union all
    select * from google
    union all
    select * from linkedin

),

tracked as (

    select network, campaign_id, max(case when is_tracked then 1 else 0 end) = 1 as is_tracked
    from {{ ref('int_ads_unioned') }}
    group by network, campaign_id

)

select
    campaigns.*,
    coalesce(tracked.is_tracked, false) as is_tracked
from campaigns
left join tracked
    on campaigns.network = tracked.network
    and campaigns.campaign_id = tracked.campaign_id
