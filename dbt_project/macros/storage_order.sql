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
