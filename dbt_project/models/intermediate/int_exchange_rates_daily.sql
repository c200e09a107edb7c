{#-
    One row per currency and day: the rate converting one unit of `currency_code` into the
    company currency that is in effect on `date_day`, i.e. the rate with the latest effective
    date on or before that day (HubSpot's rule for converting past amounts). Days run from a
    currency's first effective date through tomorrow (or the last deal close or rate); before its
    first effective date a currency has no rate, and the facts fail rather than guess.
    The company currency itself converts at exactly 1.

    HubSpot's rates convert into the portal's own company currency. When the company currency
    is overridden with another of the portal's currencies (ADS_ANALYTICS_COMPANY_CURRENCY), each
    rate is taken through the portal's currency: rate(X -> company) = rate(X -> portal) /
    rate(company -> portal) on the same day, rounded to 8 decimals. An override the portal has
    no rates for fails here, naming the currencies it has.
-#}
{%- set company = company_currency() -%}
{%- set portal = portal_company_currency() -%}
{%- if execute and company != portal -%}
    {%- set known = run_query("select distinct from_currency_code from "
                              ~ ref('stg_hubspot__exchange_rates')
                              ~ " where to_currency_code = '" ~ portal ~ "'").columns[0].values() -%}
    {%- if company not in known -%}
        {{ exceptions.raise_compiler_error(
            "company currency " ~ company ~ " (ADS_ANALYTICS_COMPANY_CURRENCY) has no exchange "
            ~ "rates in the portal, whose company currency is " ~ portal ~ " and whose rates "
            ~ "cover " ~ ((known | sort | join(', ')) or 'no other currency') ~ ": add "
            ~ company ~ " in HubSpot's currency settings, or choose one of those") }}
    {%- endif -%}
{%- endif -%}
with rates as (

    select
        from_currency_code as currency_code,
        effective_date,
        conversion_rate,
        row_number() over (
            partition by from_currency_code, effective_date
            order by effective_at desc nulls last, updated_at desc nulls last,
                exchange_rate_id desc
        ) as rank_in_day
    from {{ ref('stg_hubspot__exchange_rates') }}
    where to_currency_code = '{{ portal }}'
        and from_currency_code <> '{{ portal }}'

),

periods as (

    select
        currency_code,
        effective_date as valid_from,
        lead(effective_date) over (
            partition by currency_code order by effective_date asc nulls last
        ) as valid_to,
        conversion_rate
    from rates
    where rank_in_day = 1

),

needed as (

    -- through tomorrow (an account's day can be ahead of UTC), or later if a deal or a rate is;
    -- the `rates_through` var pins the day (tests)
    {% if var('rates_through', none) %}
    select cast('{{ var("rates_through") }}' as date) as last_day
    {% else %}
    select cast({{ dbt.dateadd('day', 1, dbt.current_timestamp()) }} as date) as last_day
    {% endif %}
    union all
    select max(cast(closed_at as date)) as last_day from {{ ref('stg_hubspot__deals') }}
    union all
    select max(effective_date) as last_day from rates

),

bounds as (

    select
        min(periods.valid_from) as first_day,
        (select max(last_day) from needed) as last_day
    from periods

),

digits as (

    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

day_numbers as (

    select ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d as n
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands

),

days as (

    select cast({{ dbt.dateadd('day', 'day_numbers.n', 'bounds.first_day') }} as date) as date_day
    from day_numbers
    cross join bounds
    where day_numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}

),

portal_rates as (

    select
        periods.currency_code,
        days.date_day,
        periods.conversion_rate
    from periods
    inner join days
        on days.date_day >= periods.valid_from
        and (periods.valid_to is null or days.date_day < periods.valid_to)

){% if company != portal %},

through_portal as (

    select currency_code, date_day, conversion_rate from portal_rates
    union all
    -- the portal's own currency, at 1 to itself, on every day the company currency has a rate
    select '{{ portal }}' as currency_code, date_day, cast(1 as decimal(18, 8)) as conversion_rate
    from portal_rates
    where currency_code = '{{ company }}'

)

select
    amounts.currency_code,
    '{{ company }}' as company_currency_code,
    amounts.date_day,
    cast(amounts.conversion_rate / company.conversion_rate as decimal(18, 8)) as conversion_rate
from through_portal as amounts
inner join portal_rates as company
    on company.currency_code = '{{ company }}'
    and company.date_day = amounts.date_day
where amounts.currency_code <> '{{ company }}'
{% else %}

select
    currency_code,
    '{{ company }}' as company_currency_code,
    date_day,
    conversion_rate
from portal_rates
{% endif %}
