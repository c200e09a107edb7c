{#- The calendar day an instant (timestamp with time zone, or naive UTC) falls on in IANA zone `time_zone`. -#}
{% macro local_date(column, time_zone) -%}
    {{ return(adapter.dispatch('local_date', 'ads_analytics')(column, time_zone)) }}
{%- endmacro %}

{% macro default__local_date(column, time_zone) -%}
    cast(timezone({{ time_zone }}, {{ column }}) as date)
{%- endmacro %}

{% macro spark__local_date(column, time_zone) -%}
    cast(from_utc_timestamp({{ column }}, {{ time_zone }}) as date)
{%- endmacro %}
