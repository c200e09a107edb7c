{#- The type of an instant: DuckDB's `timestamp with time zone`; Spark's `timestamp`, which is
    one (TIMESTAMP_LTZ: a point in time, shown in the session's zone, UTC here). -#}
{% macro type_instant() -%}
    {{ return(adapter.dispatch('type_instant', 'ads_analytics')()) }}
{%- endmacro %}

{% macro default__type_instant() -%}
    timestamp with time zone
{%- endmacro %}

{% macro spark__type_instant() -%}
    timestamp
{%- endmacro %}
