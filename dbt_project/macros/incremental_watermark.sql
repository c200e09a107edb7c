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


{#- A query for the newest `dlt_load_id` in `relations` (refs), the watermark an incremental
    model stores: at least `built_through` (its last one), and only loads after that are read,
    so the comparison is pushed down like the model's own. -#}
{% macro newest_load_id(relations, built_through) -%}
    select max(load_id) as load_id
    from (
        select {{ built_through }} as load_id
        {%- for relation in relations %}
        union all
        select max(dlt_load_id) as load_id from {{ relation }}
        where dlt_load_id > {{ built_through }}
        {%- endfor %}
    ) as loads
{%- endmacro %}
