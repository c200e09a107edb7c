{#-
    `column`, which every row of raw table `table` (`schema.table`) must carry (an id that places
    the row in the hierarchy, a date, the currency money is in): a row without it fails the query
    with a message naming the table, the row (its primary key, as the sources file declares it)
    and the field, rather than landing in no campaign, day or currency. Fields a vendor documents
    as optional are coalesced instead (see each source's README).
-#}
{% macro required(column, table, field=none) -%}
    {%- set row = row_key_text(table) -%}
    {%- set which = ("the row ' || " ~ row ~ " || '") if row else "a row" -%}
    case
        when {{ column }} is null
            then {{ raise_error("'" ~ table ~ ": " ~ which ~ " has no " ~ (field or column)
                                ~ ", which every row must carry'") }}
        else {{ column }}
    end
{%- endmacro %}

{#- A SQL text expression naming a row of raw `table` by its primary key (`id=123` or
    `account_id=1, ad_id=2, date_start=2026-10-01`), from the sources file's
    `config.meta.primary_key`; none where the graph has no sources (unit tests). -#}
{% macro row_key_text(table) -%}
    {%- set schema, name = table.split('.') -%}
    {%- set source = (graph.get('sources') or {}).get(
            'source.ads_analytics.' ~ schema ~ '.' ~ name) -%}
    {%- if source is none -%}{{ return(none) }}{%- endif -%}
    {%- set keys = source.config.meta.get('primary_key') or source.meta.get('primary_key') -%}
    {%- set parts = [] -%}
    {%- for key in keys -%}
        {%- do parts.append("'" ~ ('' if loop.first else ', ') ~ key ~ "='") -%}
        {%- do parts.append("coalesce(cast(" ~ adapter.quote(key) ~ " as "
                            ~ dbt.type_string() ~ "), 'null')") -%}
    {%- endfor -%}
    {{ return(dbt.concat(parts)) }}
{%- endmacro %}
