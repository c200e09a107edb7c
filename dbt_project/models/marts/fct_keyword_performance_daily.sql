{{ config(materialized='view') }}
{#-
    One row per Google keyword + date_day (the customer's day): int_keyword_performance_daily,
    the incremental table that builds it, without its build bookkeeping (the load watermark). A
    view: nothing is copied.
-#}
select
    network,
    ad_account_id,
    campaign_id,
    ad_group_id,
    keyword_id,
    date_day,
    impressions,
    clicks,
    spend,
    currency_code,
    spend_company_currency,
    exchange_rate,
    conversions,
    interactions,
    conversion_rate,
    max_cpc,
    first_page_cpc,
    top_of_page_cpc,
    search_top_impression_share,
    search_absolute_top_impression_share
from {{ ref('int_keyword_performance_daily') }}
