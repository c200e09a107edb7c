{#-
    The value of query parameter `name` in the URL in `column`, or null when it is absent or
    empty. Values are returned as written (still URL-encoded); the parameters read here (ids,
    `hsa_net`, `kwd-<id>` targets) never need decoding.
-#}
{% macro url_parameter(column, name) -%}
    {%- set query = "'&' || " ~ dbt.split_part(column, "'?'", 2) -%}
    {%- set from_name = dbt.split_part(query, "'&" ~ name ~ "='", 2) -%}
    nullif({{ dbt.split_part(dbt.split_part(from_name, "'&'", 1), "'#'", 1) }}, '')
{%- endmacro %}
