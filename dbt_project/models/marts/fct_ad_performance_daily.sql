{{ config(materialized='view') }}
{#-
    One row per network + ad + date_day (the ad account's day): int_ad_performance_daily, the
    incremental table that builds it, without its build bookkeeping (the load watermark). A
    view: nothing is copied.
-#}
select
    network,
    ad_account_id,
    campaign_id,
    ad_group_id,
    ad_id,
    date_day,
    impressions,
    clicks,
    spend,
    currency_code,
    spend_company_currency,
    exchange_rate,
    engagements,
    likes,
    network_conversions,
    sessions
from {{ ref('int_ad_performance_daily') }}
