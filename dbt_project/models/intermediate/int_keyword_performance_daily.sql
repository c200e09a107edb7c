{{
    config(
        materialized='incremental',
        incremental_strategy=daily_fact_strategy(),
        partition_by=(['date_day'] if target.type == 'spark' else none),
        unique_key=['ad_account_id', 'date_day'],
        on_schema_change='fail',
    )
}}
{#-
    One row per Google keyword + date_day (the customer's day): the incremental table behind the
    mart fct_keyword_performance_daily, which shows it without `dlt_load_id`. A criterion id is
    unique only within its ad group, so a keyword is (ad_group_id, keyword_id). Bids and
    position estimates are the keyword's current values (Google reports them as settings, not
    per day).
    Incremental like int_ad_performance_daily: whole customer-days with metrics loaded since the
    last build that differ from the built rows, whose exchange rate or currency is no longer
    the one they were converted with, or with a keyword whose bids or position estimates
    changed (the fact carries the keyword's current ones on every day); found before the model
    runs, so the metrics are filtered on the day first.
-#}
{%- set built_through = incremental_watermark() %}
{%- set inputs %}
keywords as (

    select * from {{ ref('stg_google_ads__keywords') }}

),

accounts as (

    select ad_account_id, currency_code
    from {{ ref('int_ad_accounts_unioned') }}
    where network = 'google'

),

rates as (

    select currency_code, date_day, conversion_rate
    from {{ ref('int_exchange_rates_daily') }}

)
{%- endset %}
{%- set changed_days %}
    -- metrics loaded since whose values differ from the built row (or that have none)
    select fresh.ad_account_id, fresh.date_day
    from {{ ref('stg_google_ads__keyword_performance_daily') }} as fresh
    left join {{ this }} as built
        on fresh.ad_group_id = built.ad_group_id
        and fresh.keyword_id = built.keyword_id
        and fresh.date_day = built.date_day
    where fresh.dlt_load_id > {{ built_through }}
        and (
            built.keyword_id is null
            or fresh.ad_account_id is distinct from built.ad_account_id
            or fresh.campaign_id is distinct from built.campaign_id
            or fresh.impressions is distinct from built.impressions
            or fresh.clicks is distinct from built.clicks
            or cast(fresh.spend as decimal(18, 6)) is distinct from built.spend
            or cast(fresh.network_conversions as decimal(18, 4)) is distinct from built.conversions
            or fresh.interactions is distinct from built.interactions
            or fresh.search_top_impression_share
                is distinct from built.search_top_impression_share
            or fresh.search_absolute_top_impression_share
                is distinct from built.search_absolute_top_impression_share
        )

    union

    {{ stale_conversion_days(['ad_account_id']) }}

    union

    -- every day of a keyword whose bids or position estimates changed: the fact carries the
    -- keyword's current ones, so a full refresh would show the new values on every day
    select built.ad_account_id, built.date_day
    from {{ this }} as built
    inner join (
        select settings.ad_group_id, settings.keyword_id
        from (
            select distinct ad_group_id, keyword_id, max_cpc, first_page_cpc, top_of_page_cpc
            from {{ this }}
        ) as settings
        left join keywords
            on settings.ad_group_id = keywords.ad_group_id
            and settings.keyword_id = keywords.keyword_id
        where settings.max_cpc
                is distinct from coalesce(keywords.effective_cpc_bid, keywords.cpc_bid)
            or settings.first_page_cpc is distinct from keywords.first_page_cpc
            or settings.top_of_page_cpc is distinct from keywords.top_of_page_cpc
    ) as rebid
        on built.ad_group_id = rebid.ad_group_id
        and built.keyword_id = rebid.keyword_id
{%- endset %}
{#- The customer-days to rebuild are found before the model runs and written in as constants,
    as in int_ad_performance_daily. -#}
{%- set rebuild = account_days_to_rebuild(inputs, changed_days, ['ad_account_id']) %}
with {{ inputs }},

watermark as (

    -- the newest load seen: the next run's watermark
    {{ newest_load_id([ref('stg_google_ads__keyword_performance_daily')], built_through) }}

),

{% if is_incremental() %}

changed as (

{{ rebuilt_days(rebuild.listed or changed_days, ['ad_account_id']) }}

),

selected as (

    select performance.*
    from {{ ref('stg_google_ads__keyword_performance_daily') }} as performance
    inner join changed
        on performance.ad_account_id = changed.ad_account_id
        and performance.date_day = changed.date_day
    where performance.date_day >= {{ rebuild.first_day }}

),

{% else %}

selected as (

    select * from {{ ref('stg_google_ads__keyword_performance_daily') }}

),

{% endif %}

joined as (

    select
        'google' as network,
        selected.ad_account_id,
        selected.campaign_id,
        selected.ad_group_id,
        selected.keyword_id,
        selected.date_day,
        selected.impressions,
        selected.clicks,
        cast(selected.spend as decimal(18, 6)) as spend,
        accounts.currency_code,
        {{ to_company_currency(
            'selected.spend', 'accounts.currency_code', 'rates.conversion_rate',
            'selected.date_day', "'google customer ' || selected.ad_account_id") }}
            as spend_company_currency,
        -- the rate `spend_company_currency` was converted at (1 for the company currency)
        {{ rate_in_effect('accounts.currency_code', 'rates.conversion_rate') }} as exchange_rate,
        cast(selected.network_conversions as decimal(18, 4)) as conversions,
        selected.interactions,
        -- conversions per interaction, Google's own definition of its conversion rate
        case
            when selected.interactions > 0
                then {{ decimal_ratio('selected.network_conversions', 4, 'selected.interactions', 6) }}
        end as conversion_rate,
        -- the bid in effect: the keyword's own, else inherited from its ad group
        coalesce(keywords.effective_cpc_bid, keywords.cpc_bid) as max_cpc,
        keywords.first_page_cpc,
        keywords.top_of_page_cpc,
        -- Google retired average position in 2019; these shares replace it
        selected.search_top_impression_share,
        selected.search_absolute_top_impression_share,
        (select load_id from watermark) as dlt_load_id
    from selected
    left join accounts
        on selected.ad_account_id = accounts.ad_account_id
    left join rates
        on accounts.currency_code = rates.currency_code
        and selected.date_day = rates.date_day
    left join keywords
        on selected.ad_group_id = keywords.ad_group_id
        and selected.keyword_id = keywords.keyword_id

)

select * from joined
{{ storage_order(['date_day']) }}
