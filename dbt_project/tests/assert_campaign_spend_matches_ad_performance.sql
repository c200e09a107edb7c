{{ config(meta={'dagster': {'ref': {'name': 'fct_campaign_performance_daily'}}}) }}
{#- fct_campaign_performance_daily carries each campaign-day's spend once, equal to the sum over
    its ads in fct_ad_performance_daily; fails with the rows that differ. -#}
with ads as (

    select network, campaign_id, date_day, sum(spend) as spend
    from {{ ref('fct_ad_performance_daily') }}
    group by network, campaign_id, date_day
    having sum(spend) <> 0

),

campaigns as (

    select network, campaign_id, date_day, sum(spend) as spend, count(*) as row_count
    from {{ ref('fct_campaign_performance_daily') }}
    group by network, campaign_id, date_day
    having sum(spend) <> 0 or count(*) > 1

)

select
    coalesce(ads.network, campaigns.network) as network,
    coalesce(ads.campaign_id, campaigns.campaign_id) as campaign_id,
    coalesce(ads.date_day, campaigns.date_day) as date_day,
    ads.spend as ad_spend,
    campaigns.spend as campaign_spend,
    campaigns.row_count as campaign_rows
from ads
full outer join campaigns
    on ads.network = campaigns.network
    and ads.campaign_id = campaigns.campaign_id
    and ads.date_day = campaigns.date_day
where ads.spend is distinct from campaigns.spend
    or campaigns.row_count > 1
