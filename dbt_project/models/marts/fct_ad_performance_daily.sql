{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['network', 'ad_account_id', 'date_day'],
        on_schema_change='fail',
    )
}}
{#-
    One row per network + ad + date_day (the ad account's day).

    Incremental: a run rebuilds whole account-days, and only those whose inputs changed since the
    last build: ad metrics loaded since (a restated look-back window, a backfill, a new account),
    exchange rates loaded since (every later day of that currency), sessions loaded since.
    `dlt_load_id` records the newest load the build had seen, and is the next run's watermark.
    `--full-refresh` rebuilds everything; both give the same table.
-#}
with performance as (

    select * from {{ ref('int_ad_performance_unioned') }}

),

accounts as (

    select network, ad_account_id, currency_code
    from {{ ref('int_ad_accounts_unioned') }}

),

ads as (

    select network, ad_id, is_tracked
    from {{ ref('int_ads_unioned') }}

),

rates as (

    select currency_code, date_day, conversion_rate
    from {{ ref('int_exchange_rates_daily') }}

),

ad_sessions as (

    select * from {{ ref('int_sessions') }}
    where ad_id is not null

),

watermark as (

    select max(load_id) as load_id
    from (
        select max(dlt_load_id) as load_id from performance
        union all
        select max(dlt_load_id) as load_id from {{ ref('stg_hubspot__exchange_rates') }}
        union all
        select max(dlt_load_id) as load_id from ad_sessions
    ) as loads

),

{% if is_incremental() %}

previous as (

    select coalesce(max(dlt_load_id), '') as load_id from {{ this }}

),

changed_rates as (

    select from_currency_code as currency_code, min(effective_date) as first_day
    from {{ ref('stg_hubspot__exchange_rates') }}
    where dlt_load_id > (select load_id from previous)
    group by from_currency_code

),

changed as (

    select network, ad_account_id, date_day
    from performance
    where dlt_load_id > (select load_id from previous)

    union

    select performance.network, performance.ad_account_id, performance.date_day
    from performance
    inner join accounts
        on performance.network = accounts.network
        and performance.ad_account_id = accounts.ad_account_id
    inner join changed_rates
        on accounts.currency_code = changed_rates.currency_code
        and performance.date_day >= changed_rates.first_day

    union

    select performance.network, performance.ad_account_id, performance.date_day
    from performance
    inner join ad_sessions
        on performance.network = ad_sessions.network
        and performance.ad_id = ad_sessions.ad_id
        and performance.date_day = ad_sessions.session_date
    where ad_sessions.dlt_load_id > (select load_id from previous)

),

selected as (

    select performance.*
    from performance
    inner join changed
        on performance.network = changed.network
        and performance.ad_account_id = changed.ad_account_id
        and performance.date_day = changed.date_day

),

{% else %}

selected as (

    select * from performance

),

{% endif %}

sessions_per_ad_day as (

    select network, ad_id, session_date, count(*) as sessions
    from ad_sessions
    group by network, ad_id, session_date

),

joined as (

    select
        selected.network,
        selected.ad_account_id,
        selected.campaign_id,
        selected.ad_group_id,
        selected.ad_id,
        selected.date_day,
        selected.impressions,
        selected.clicks,
        cast(selected.spend as decimal(18, 6)) as spend,
        accounts.currency_code,
        {{ to_company_currency(
            'selected.spend', 'accounts.currency_code', 'rates.conversion_rate',
            'selected.date_day',
            "'ad account ' || selected.network || ' ' || selected.ad_account_id") }}
            as spend_company_currency,
        selected.engagements,
        selected.likes,
        cast(selected.network_conversions as decimal(18, 4)) as network_conversions,
        -- a CRM metric: null, not 0, for ads HubSpot does not track
        case
            when ads.is_tracked then cast(coalesce(sessions_per_ad_day.sessions, 0) as bigint)
        end as sessions,
        (select load_id from watermark) as dlt_load_id
    from selected
    left join accounts
        on selected.network = accounts.network
        and selected.ad_account_id = accounts.ad_account_id
    left join rates
        on accounts.currency_code = rates.currency_code
        and selected.date_day = rates.date_day
    left join ads
        on selected.network = ads.network
        and selected.ad_id = ads.ad_id
    left join sessions_per_ad_day
        on selected.network = sessions_per_ad_day.network
        and selected.ad_id = sessions_per_ad_day.ad_id
        and selected.date_day = sessions_per_ad_day.session_date

)

select * from joined
