{#-
    `amount` (in `currency`) in the company currency, given the effective `rate` joined for its
    day. The company currency converts as itself; a row without its currency or its rate fails the
    query with a message naming the currency, the day and `context` (a SQL string expression
    saying whose amount it is) — never a silent null or 1.0.
-#}
{% macro to_company_currency(amount, currency, rate, day, context) -%}
    {%- set company = company_currency() -%}
    {%- set day_text = 'cast(' ~ day ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    case
        when {{ currency }} is null
            then {{ raise_error("'no currency for ' || " ~ context ~ " || ' on ' || " ~ day_text) }}
        when {{ currency }} = '{{ company }}'
            then cast({{ amount }} as decimal(18, 6))
        when {{ rate }} is null
            then {{ raise_error("'missing exchange rate: ' || " ~ currency ~ " || ' to " ~ company ~ " on ' || " ~ day_text ~ " || ' (' || " ~ context ~ " || ')'") }}
        else cast({{ amount }} * {{ rate }} as decimal(18, 6))
    end
{%- endmacro %}


{#- The rate an amount in `currency` converts at, given the joined effective `rate`: exactly 1
    for the company currency. The facts store it, and an incremental run compares it with the
    rate now in effect. -#}
{% macro rate_in_effect(currency, rate) -%}
    case when {{ currency }} = '{{ company_currency() }}' then 1 else {{ rate }} end
{%- endmacro %}


{#- The account-days of the incremental fact `this` (keyed by `account_columns` + date_day)
    whose account currency, or the rate in effect that day, is no longer the one stored with
    them: HubSpot reloads every rate on every run, so rates are compared by value. Checked once
    per account-day, on the built table's distinct settings. Expects the model's `accounts`
    (account_columns, currency_code) and `rates` (currency_code, date_day, conversion_rate). -#}
{% macro stale_conversion_days(account_columns) -%}
    select {% for c in account_columns %}settings.{{ c }}, {% endfor %}settings.date_day
    from (
        select distinct {{ account_columns | join(', ') }}, date_day, currency_code, exchange_rate
        from {{ this }}
    ) as settings
    left join accounts
        on {% for c in account_columns %}settings.{{ c }} = accounts.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
    left join rates
        on settings.currency_code = rates.currency_code
        and settings.date_day = rates.date_day
    where settings.currency_code is distinct from accounts.currency_code
        or settings.exchange_rate
            is distinct from {{ rate_in_effect('settings.currency_code', 'rates.conversion_rate') }}
{%- endmacro %}
