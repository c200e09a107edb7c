{#- The numeric id at the end of a LinkedIn URN such as `urn:li:sponsoredCreative:123`. -#}
{% macro urn_id(column) -%}
    {{ return(adapter.dispatch('urn_id', 'ads_analytics')(column)) }}
{%- endmacro %}

{% macro default__urn_id(column) -%}
    {{ dbt.split_part(column, "':'", 4) }}
{%- endmacro %}
