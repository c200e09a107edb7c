{#-
    The order a table's rows are written in, for the columns reports filter on: DuckDB keeps
    each row group's min and max per column and skips the row groups a filter rules out, so
    rows written in model and day order let one model's 90 days read a few row groups instead
    of nearly all of them. Nothing on Spark, whose big facts are partitioned by day instead.
    An incremental model's runs insert the rows they rebuild in this order too, after the rows
    they keep.
-#}
{% macro storage_order(columns) -%}
{%- if target.type == 'duckdb' -%}
order by {{ columns | join(', ') }}
{%- endif -%}
{%- endmacro %}

{#-
    `as {{ sorted_input() }} (`: the CTE a `storage_order` select sorts, computed whole before
    the sort starts (DuckDB's `materialized`). Sorting straight out of the joins, windows and
    aggregates that make the rows, the sort has to share the memory they still hold:
    fct_contact_attribution at size L (31.7M rows) ran out of its 4 GB that way, and sorts in
    it this way (benchmarks/results/attribution.md). Nothing on Spark, which writes unsorted.
-#}
{% macro sorted_input() -%}
{%- if target.type == 'duckdb' -%}materialized{%- endif -%}
{%- endmacro %}
