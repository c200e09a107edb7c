{#-
    Google money: an int64 string of micros of the account currency, to currency units, exactly.
    A multiplication by 0.000001 rather than a division: engines divide decimals through a double
    (DuckDB does), which loses digits past 2^53 micros.
-#}
{% macro micros_to_currency(column) -%}
    cast(cast({{ column }} as decimal(24, 0)) * cast(0.000001 as decimal(7, 6)) as decimal(18, 6))
{%- endmacro %}
