{#-
    The newest `dlt_load_id` the incremental model `this` was built from, as a SQL string
    literal ('' when empty). Read when the model runs and written into its SQL as a constant:
    a constant comparison is pushed down to the raw tables' scans, where DuckDB skips every
    row group loaded before it, while a subquery is compared row by row after a full scan.
-#}
{% macro incremental_watermark() -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query("select coalesce(max(dlt_load_id), '') from " ~ this) -%}
        '{{ result.columns[0].values()[0] }}'
    {%- else -%}
        ''
    {%- endif -%}
{%- endmacro %}
