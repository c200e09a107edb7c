{#-
    One row per network + ad, every network in one shape (the common hierarchy of docs/data-contract.md: Facebook ad, Google ad group
    ad, LinkedIn creative). `is_tracked`: HubSpot tracks the ad's campaign. The evidence is an ad
    of the campaign whose URL settings carry HubSpot's tracking parameters (its own, or Google's
    campaign-level suffix or template), or sessions that landed with an ad's `hsa_ad` (LinkedIn
    sponsored content shows no destination URL, so what was observed is the evidence there), or
    lead-ad leads on an ad of the campaign (HubSpot's lead sync attributes those without a URL).
-#}
with facebook as (

    select
        'facebook' as network, ad_account_id, campaign_id, ad_group_id, ad_id, ad_name,
        status, raw_status, is_tracked as is_url_tracked
    from {{ ref('stg_facebook_ads__ads') }}

),

google as (

    select
        'google' as network, ads.ad_account_id, ads.campaign_id, ads.ad_group_id, ads.ad_id,
        ads.ad_name, ads.status, ads.raw_status,
        ads.is_tracked or coalesce(campaigns.is_tracked, false) as is_url_tracked
    from {{ ref('stg_google_ads__ads') }} as ads
    left join {{ ref('stg_google_ads__campaigns') }} as campaigns
        on ads.campaign_id = campaigns.campaign_id

),

linkedin as (

    select
        'linkedin' as network, creatives.ad_account_id, campaigns.campaign_id,
        creatives.ad_group_id, creatives.ad_id, creatives.ad_name, creatives.status,
        creatives.raw_status, creatives.is_tracked as is_url_tracked
    from {{ ref('stg_linkedin_ads__creatives') }} as creatives
    left join {{ ref('stg_linkedin_ads__campaigns') }} as campaigns
        on creatives.ad_group_id = campaigns.ad_group_id

),

ads as (

    select * from facebook
    union all
    select * from google
    union all
    select * from linkedin

),

observed as (

    select network, ad_id
    from {{ ref('int_sessions') }}
    where ad_id is not null

    union

    -- an ad that collected leads through its lead form: HubSpot's lead sync attributes them
    select network, ad_id
    from {{ ref('int_leads_unioned') }}
    where ad_id is not null

),

evidence as (

    select
        ads.*,
        ads.is_url_tracked or observed.ad_id is not null as has_tracking_evidence
    from ads
    left join observed
        on ads.network = observed.network
        and ads.ad_id = observed.ad_id

)

select
    network,
    ad_account_id,
    campaign_id,
    ad_group_id,
    ad_id,
    ad_name,
    status,
    raw_status,
    -- HubSpot turns tracking on for a campaign's ads together: evidence on any ad of the
    -- campaign (a URL with hsa_*, or a session landed from it) marks all of them
    max(case when has_tracking_evidence then 1 else 0 end) over (
        partition by network, campaign_id
    ) = 1 as is_tracked
from evidence
