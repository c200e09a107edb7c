{#- Epoch milliseconds (LinkedIn's audit stamps and schedules) as the UTC instant they name. -#}
{% macro epoch_ms_to_timestamp(column) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'ads_analytics')(column)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(column) -%}
    {{ dbt.dateadd('millisecond', column, "cast('1970-01-01 00:00:00+00:00' as timestamp with time zone)") }}
{%- endmacro %}

{#- `epoch_ms` is a naive UTC timestamp; `at time zone 'UTC'` keeps the instant whatever the session time zone. -#}
{% macro duckdb__epoch_ms_to_timestamp(column) -%}
    (epoch_ms({{ column }}) at time zone 'UTC')
{%- endmacro %}

{% macro spark__epoch_ms_to_timestamp(column) -%}
    timestamp_millis({{ column }})
{%- endmacro %}
