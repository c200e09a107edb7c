{#- One row per network + ad + day: the three networks' daily ad metrics in one shape. -#}
with facebook as (

    select
        'facebook' as network, ad_account_id, campaign_id, ad_group_id, ad_id, date_day,
        impressions, clicks, spend, engagements, likes, network_conversions, dlt_load_id
    from {{ ref('stg_facebook_ads__ad_insights') }}

),

google as (

    select
        'google' as network, ad_account_id, campaign_id, ad_group_id, ad_id, date_day,
        impressions, clicks, spend,
        -- Google reports interactions, not engagements or likes
        cast(null as bigint) as engagements,
        cast(null as bigint) as likes,
        network_conversions, dlt_load_id
    from {{ ref('stg_google_ads__ad_performance_daily') }}

),

linkedin_creatives as (

    select
        creatives.ad_id,
        creatives.ad_group_id,
        campaigns.campaign_id
    from {{ ref('stg_linkedin_ads__creatives') }} as creatives
    left join {{ ref('stg_linkedin_ads__campaigns') }} as campaigns
        on creatives.ad_group_id = campaigns.ad_group_id

),

linkedin as (

    select
        'linkedin' as network,
        analytics.ad_account_id,
        linkedin_creatives.campaign_id,
        linkedin_creatives.ad_group_id,
        analytics.ad_id,
        analytics.date_day,
        analytics.impressions,
        analytics.clicks,
        analytics.spend,
        analytics.engagements,
        analytics.likes,
        analytics.network_conversions,
        analytics.dlt_load_id
    from {{ ref('stg_linkedin_ads__ad_analytics_daily') }} as analytics
    left join linkedin_creatives
        on analytics.ad_id = linkedin_creatives.ad_id

)

select * from facebook
union all
select * from google
union all
select * from linkedin
