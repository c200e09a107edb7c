{#-
    Raw data kept as Parquet (the Spark engine's raw layer, `ADS_ANALYTICS_RAW_PARQUET`) as the
    relations the sources name, so one sources file serves both engines:

        dbt run-operation register_raw_parquet [--args '{tables: [raw_hubspot.contacts, ...]}']

    For each source table whose folder `<root>/<schema>/<table>/` dlt's filesystem destination
    wrote:
    - `<schema>.<table>__loads`: every row of every load, over the files themselves (an external
      table on Spark, a view on DuckDB), the columns of all loads merged by name;
    - `<schema>.<table>`: the newest row of each primary key (`config.meta.primary_key` in the
      sources file): plain Parquet has no merge, so the loads append and the newest load wins
      here, as dlt's merge does in a DuckDB warehouse.
    `tables` limits it to some tables (the orchestration passes those with files; a table with
    none cannot be read on either engine). Run again after a load adds columns.
-#}
{% macro register_raw_parquet(tables=none) %}
    {%- set root = env_var('ADS_ANALYTICS_RAW_PARQUET', '') -%}
    {%- if not root -%}
        {{ exceptions.raise_compiler_error(
            "register_raw_parquet: set ADS_ANALYTICS_RAW_PARQUET to the raw Parquet folder") }}
    {%- endif -%}
    {%- set registered = [] -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- set name = source.schema ~ '.' ~ source.identifier -%}
        {%- if tables is none or name in tables -%}
            {%- set keys = source.config.meta.get('primary_key') or source.meta.get('primary_key') -%}
            {%- if not keys -%}
                {{ exceptions.raise_compiler_error(
                    "source " ~ name ~ " has no config.meta.primary_key in its sources file") }}
            {%- endif -%}
            {#- quotes doubled: the folder goes into a SQL string -#}
            {%- set folder = (root.rstrip('/') ~ '/' ~ source.schema ~ '/' ~ source.identifier)
                             | replace("'", "''") -%}
            {%- do adapter.dispatch('register_parquet_table', 'ads_analytics')(
                    source.schema, source.identifier, folder, keys) -%}
            {%- do registered.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do log("registered " ~ registered | length ~ " raw Parquet tables", info=true) -%}
{% endmacro %}

{#- The newest row of each key, from the relation of all loads. -#}
{% macro newest_rows_view(schema, identifier, keys) -%}
    {%- set loads = api.Relation.create(schema=schema, identifier=identifier ~ '__loads') -%}
    {%- set columns = adapter.get_columns_in_relation(loads) | map(attribute='name') | list -%}
    {%- set quoted = [] -%}
    {%- for column in columns -%}{%- do quoted.append(adapter.quote(column)) -%}{%- endfor -%}
    create or replace view {{ schema }}.{{ identifier }} as
    select {{ quoted | join(', ') }}
    from (
        select
            loads.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by _dlt_load_id desc nulls last
            ) as newest_first
        from {{ loads }} as loads
    ) as ranked
    where newest_first = 1
{%- endmacro %}

{% macro default__register_parquet_table(schema, identifier, folder, keys) %}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- do run_query("create or replace view " ~ schema ~ "." ~ identifier ~ "__loads as "
                     ~ "select * from read_parquet('" ~ folder ~ "/*.parquet', "
                     ~ "union_by_name = true)") -%}
    {#- reading the columns opens a transaction, which a run-operation does not commit -#}
    {%- set newest = newest_rows_view(schema, identifier, keys) -%}
    {%- call statement('newest_rows', auto_begin=true) -%}{{ newest }}{%- endcall -%}
    {%- do adapter.commit() -%}
{% endmacro %}

{% macro spark__register_parquet_table(schema, identifier, folder, keys) %}
    {%- do run_query('create database if not exists ' ~ schema) -%}
    {#- external (a path of its own): dropping it leaves the files -#}
    {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ identifier ~ '__loads') -%}
    {%- do run_query("create table " ~ schema ~ "." ~ identifier ~ "__loads using parquet "
                     ~ "options (path '" ~ folder ~ "', mergeSchema 'true')") -%}
    {%- do run_query(newest_rows_view(schema, identifier, keys)) -%}
{% endmacro %}
