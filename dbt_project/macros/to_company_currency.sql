{#-
    `amount` (in `currency`) in the company currency, given the effective `rate` joined for its
    day. The company currency converts as itself; a row without its currency or its rate fails the
    query with a message naming the currency, the day and `context` (a SQL string expression
    saying whose amount it is) — never a silent null or 1.0.
-#}
{% macro to_company_currency(amount, currency, rate, day, context) -%}
    {%- set company = var('company_currency') -%}
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
    case when {{ currency }} = '{{ var("company_currency") }}' then 1 else {{ rate }} end
{%- endmacro %}
