{#-
    The text at JSON `path` (`'$[0].website_url'`, `'$[0]'`) in `column`, JSON text that the
    sources keep whole (lists, such as a creative's asset-feed links or a user's role ids); null
    when the path is not there.
-#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'ads_analytics')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    json_extract_string({{ column }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_text(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}
