{#-
    An expression that fails the query with `message` (a SQL string expression) when it is
    evaluated: used inside a CASE so that only offending rows raise, and the error names them.
-#}
{% macro raise_error(message) -%}
    {{ return(adapter.dispatch('raise_error', 'ads_analytics')(message)) }}
{%- endmacro %}

{% macro default__raise_error(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}
