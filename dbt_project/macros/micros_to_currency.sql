{#- Google money: an int64 string of micros of the account currency, to currency units. -#}
{% macro micros_to_currency(column) -%}
    cast(cast({{ column }} as decimal(24, 0)) / 1000000 as decimal(18, 6))
{%- endmacro %}
