{#- An instant (ISO 8601 text with its offset) as a SQL timestamp literal that compares with the
    warehouse's instants: a timestamp with time zone, which Spark's timestamp is. -#}
{% macro instant_literal(iso_text) -%}
    {{ return(adapter.dispatch('instant_literal', 'ads_analytics')(iso_text)) }}
{%- endmacro %}

{% macro default__instant_literal(iso_text) -%}
    cast('{{ iso_text }}' as timestamp with time zone)
{%- endmacro %}

{% macro spark__instant_literal(iso_text) -%}
    cast('{{ iso_text }}' as timestamp)
{%- endmacro %}
