{{
    config(
        materialized='incremental',
        incremental_strategy=daily_fact_strategy(),
        partition_by=(['date_day'] if target.type == 'spark' else none),
        unique_key=['network', 'ad_account_id', 'date_day'],
        on_schema_change='fail',
    )
}}
{#-
    One row per network + ad + date_day (the ad account's day): the incremental table behind the
    mart fct_ad_performance_daily, which shows it without `dlt_load_id`.

    Incremental: a run rebuilds whole account-days, and only those whose inputs changed since the
    last build:
    - ad metrics loaded since whose values differ from the built rows (a restated day, a
      backfill, a new account; the days a look-back window reloads unchanged are left alone);
    - an ad whose tracking changed;
    - a different exchange rate in effect, or a different account currency, than the one the row
      was converted with (`exchange_rate` keeps it; HubSpot's rates are reloaded on every run, so
      compared by value, not by load);
    - sessions loaded since for the row's ad and day.
    `dlt_load_id` is the newest ad-metrics or page-view load the build had seen: the next run's
    watermark. `--full-refresh` rebuilds everything; both give the same table.
    The big inputs are read through `ref` at each use rather than through shared CTEs: DuckDB
    materializes a CTE used twice, which for millions of rows costs more than reading again.
-#}
{%- set built_through = incremental_watermark() %}
{%- set inputs %}
accounts as (

    select network, ad_account_id, currency_code
    from {{ ref('int_ad_accounts_unioned') }}

),

rates as (

    select currency_code, date_day, conversion_rate
    from {{ ref('int_exchange_rates_daily') }}

)
{%- endset %}
{%- set changed_days %}
    -- metrics loaded since whose values differ from the built row (or that have none): a
    -- look-back reload repeats weeks of days, nearly all of them unchanged
    select fresh.network, fresh.ad_account_id, fresh.date_day
    from {{ ref('int_ad_performance_unioned') }} as fresh
    left join {{ this }} as built
        on fresh.network = built.network
        and fresh.ad_id = built.ad_id
        and fresh.date_day = built.date_day
    where fresh.dlt_load_id > {{ built_through }}
        and (
            built.ad_id is null
            or fresh.ad_account_id is distinct from built.ad_account_id
            or fresh.campaign_id is distinct from built.campaign_id
            or fresh.ad_group_id is distinct from built.ad_group_id
            or fresh.impressions is distinct from built.impressions
            or fresh.clicks is distinct from built.clicks
            or cast(fresh.spend as decimal(18, 6)) is distinct from built.spend
            or fresh.engagements is distinct from built.engagements
            or fresh.likes is distinct from built.likes
            or cast(fresh.network_conversions as decimal(18, 4))
                is distinct from built.network_conversions
        )

    union

    {{ stale_conversion_days(['network', 'ad_account_id']) }}

    union

    -- every day of an ad whose tracking changed (sessions are null exactly for untracked ads)
    select built.network, built.ad_account_id, built.date_day
    from {{ this }} as built
    inner join (
        select tracking.network, tracking.ad_id
        from (
            select distinct network, ad_id, sessions is not null as has_sessions
            from {{ this }}
        ) as tracking
        left join {{ ref('int_ads_unioned') }} as ads
            on tracking.network = ads.network
            and tracking.ad_id = ads.ad_id
        where tracking.has_sessions <> coalesce(ads.is_tracked, false)
    ) as retracked
        on built.network = retracked.network
        and built.ad_id = retracked.ad_id

    union

    -- sessions loaded since, on their ad's account and day
    select ads.network, ads.ad_account_id, sessions.session_date as date_day
    from {{ ref('int_sessions') }} as sessions
    inner join {{ ref('int_ads_unioned') }} as ads
        on sessions.network = ads.network
        and sessions.ad_id = ads.ad_id
    where sessions.dlt_load_id > {{ built_through }}

{%- endset %}
{#- The account-days to rebuild are found before the model runs and written in as constants: the
    big inputs are then filtered on their day before anything is computed on their rows (a join
    to a subquery would compute every row of history first). -#}
{%- set rebuild = account_days_to_rebuild(inputs, changed_days, ['network', 'ad_account_id']) %}
with {{ inputs }},

watermark as (

    -- the newest load seen: the next run's watermark
    {{ newest_load_id([ref('int_ad_performance_unioned'), ref('int_sessions')], built_through) }}

),

{% if is_incremental() %}

changed as (

{{ rebuilt_days(rebuild.listed or changed_days, ['network', 'ad_account_id']) }}

),

selected as (

    select performance.*
    from {{ ref('int_ad_performance_unioned') }} as performance
    inner join changed
        on performance.network = changed.network
        and performance.ad_account_id = changed.ad_account_id
        and performance.date_day = changed.date_day
    where performance.date_day >= {{ rebuild.first_day }}

),

{% else %}

selected as (

    select * from {{ ref('int_ad_performance_unioned') }}

),

{% endif %}

sessions_per_ad_day as (

    select network, ad_id, session_date, count(*) as sessions
    from {{ ref('int_sessions') }}
    where ad_id is not null
    {% if is_incremental() %}
        -- only the days being rebuilt (any account's day, hence the dates alone)
        and session_date >= {{ rebuild.first_day }}
        and session_date in (select distinct date_day from changed)
    {% endif %}
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
        -- the rate `spend_company_currency` was converted at (1 for the company currency)
        {{ rate_in_effect('accounts.currency_code', 'rates.conversion_rate') }} as exchange_rate,
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
    left join {{ ref('int_ads_unioned') }} as ads
        on selected.network = ads.network
        and selected.ad_id = ads.ad_id
    left join sessions_per_ad_day
        on selected.network = sessions_per_ad_day.network
        and selected.ad_id = sessions_per_ad_day.ad_id
        and selected.date_day = sessions_per_ad_day.session_date

)

select * from joined
{{ storage_order(['date_day']) }}
