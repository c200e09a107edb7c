{#- The first capture group of `pattern` in `column`, or null when it does not match. -#}
{% macro regexp_group(column, pattern) -%}
    {{ return(adapter.dispatch('regexp_group', 'ads_analytics')(column, pattern)) }}
{%- endmacro %}

{% macro default__regexp_group(column, pattern) -%}
    nullif(regexp_extract({{ column }}, '{{ pattern }}', 1), '')
{%- endmacro %}
