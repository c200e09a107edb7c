{#-
    `numerator / denominator` as a decimal with `scale` places, rounded half up from the exact
    quotient, the same on every engine: `numerator` is a non-negative decimal with at most
    `numerator_scale` places, `denominator` a positive integer. DuckDB divides decimals through
    a double (a quotient such as 0.0628125 may come out 0.062812), Spark exactly; this divides
    integers instead: round(n / d) = floor((2n + d) / 2d), with n the numerator in units of the
    result's last place.
-#}
{% macro decimal_ratio(numerator, numerator_scale, denominator, scale) -%}
    {%- set units = 'cast(' ~ numerator ~ ' * ' ~ 10 ** numerator_scale ~ ' as bigint) * '
                    ~ 10 ** (scale - numerator_scale) -%}
    cast(
        cast({{ integer_divide('2 * ' ~ units ~ ' + ' ~ denominator, '2 * ' ~ denominator) }}
             as decimal(18, 0))
        * cast('{{ '%.*f' | format(scale, 10 ** -scale) }}' as decimal(18, {{ scale }}))
        as decimal(18, {{ scale }}))
{%- endmacro %}

{#- Integer division, the quotient's floor for non-negative operands. -#}
{% macro integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_divide', 'ads_analytics')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}
