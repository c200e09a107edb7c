{#-
    One row per network + campaign + date_day (the ad account's day): the campaign's network
    metrics and sessions, summed over its ads. No attribution model: every column adds up as it
    is, over any range and any grouping (spend within one currency_code; spend_company_currency
    everywhere). The credited contacts and deals of each attribution model are in
    fct_campaign_credit_by_model_daily.
    `sessions` is a CRM metric: null, not 0, for campaigns HubSpot does not track.
-#}
with performance as (

    select
        network,
        ad_account_id,
        campaign_id,
        date_day,
        max(currency_code) as currency_code,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
        sum(spend_company_currency) as spend_company_currency,
        sum(engagements) as engagements,
        sum(likes) as likes,
        sum(network_conversions) as network_conversions,
        sum(sessions) as sessions
    from {{ ref('fct_ad_performance_daily') }}
    group by network, ad_account_id, campaign_id, date_day

)

select
    performance.network,
    performance.ad_account_id,
    performance.campaign_id,
    performance.date_day,
    performance.currency_code,
    cast(coalesce(performance.impressions, 0) as bigint) as impressions,
    cast(coalesce(performance.clicks, 0) as bigint) as clicks,
    cast(coalesce(performance.spend, 0) as decimal(18, 6)) as spend,
    cast(coalesce(performance.spend_company_currency, 0) as decimal(18, 6)) as spend_company_currency,
    cast(performance.engagements as bigint) as engagements,
    cast(performance.likes as bigint) as likes,
    cast(performance.network_conversions as decimal(18, 4)) as network_conversions,
    case
        when campaigns.is_tracked then cast(coalesce(performance.sessions, 0) as bigint)
    end as sessions
from performance
left join {{ ref('dim_campaigns') }} as campaigns
    on performance.network = campaigns.network
    and performance.campaign_id = campaigns.campaign_id
{{ storage_order(['performance.date_day']) }}
