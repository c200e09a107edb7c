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


{#- For `int_sessions`: the earliest instant a page view of a session changed since
    `built_through` can hold, as a timestamp literal: the earliest of the views loaded since,
    and of the stored starts of the sessions they belong to (a session's views all fall at or
    after its landing, the earliest view). Read when the model runs, like the watermark, so the
    bound is pushed down to the page views' scan. A far-future instant when nothing changed. -#}
{% macro sessions_changed_since(built_through) -%}
    {%- if execute and is_incremental() -%}
        {%- set query -%}
            with new_views as (
                select session_id, occurred_at
                from {{ ref('stg_hubspot__page_views') }}
                where dlt_load_id > {{ built_through }}
            )
            select least(
                (select min(occurred_at) from new_views),
                (select min(started_at) from {{ this }}
                 where session_id in (select session_id from new_views))
            )
        {%- endset -%}
        {%- set since = run_query(query).columns[0].values()[0] -%}
        {{- instant_literal('9999-12-31T00:00:00+00:00' if since is none else since.isoformat()) -}}
    {%- else -%}
        {{- instant_literal('1900-01-01T00:00:00+00:00') -}}
    {%- endif -%}
{%- endmacro %}


{#- The account-days an incremental fact rebuilds, read before the model runs so the model gets
    them as constants: `changed_days` is the query that finds them (its rows are
    `account_columns`, then date_day; `inputs` are CTE definitions it uses). Returns
    - `first_day`: a date literal no later than any of them (a far-future day when nothing
      changed, the first possible day on a full build), so the model filters its big inputs on
      the day before computing anything on their rows;
    - `listed`: the account-days as a VALUES query when there are at most `max_listed` of them
      (a daily run), so the model does not search for them a second time; none otherwise. -#}
{% macro account_days_to_rebuild(inputs, changed_days, account_columns, max_listed=5000) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return({'first_day': date_literal('1900-01-01'), 'listed': none}) }}
    {%- endif -%}
    {%- set columns = account_columns + ['date_day'] -%}
    {%- set query -%}
        with {{ inputs }},
        changed as (
            {{ changed_days }}
        )
        select {{ columns | join(', ') }} from changed
        order by date_day, {{ account_columns | join(', ') }}
        limit {{ max_listed + 1 }}
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- if rows | length == 0 -%}
        {%- set nothing -%}
            select
                {%- for column in account_columns %}
                cast(null as {{ dbt.type_string() }}) as {{ column }},
                {%- endfor %}
                cast(null as date) as date_day
            where 1 = 0
        {%- endset -%}
        {{ return({'first_day': date_literal('9999-12-31'), 'listed': nothing}) }}
    {%- endif -%}
    {%- set first_day = date_literal(rows[0][-1]) -%}
    {%- if rows | length > max_listed -%}
        {{ return({'first_day': first_day, 'listed': none}) }}
    {%- endif -%}
    {%- set values = [] -%}
    {%- for row in rows -%}
        {%- do values.append("(" ~ quoted_list(row[:-1]) ~ ", " ~ date_literal(row[-1]) ~ ")") -%}
    {%- endfor -%}
    {%- set listed -%}
        select {{ columns | join(', ') }}
        from (values {{ values | join(', ') }}) as listed ({{ columns | join(', ') }})
    {%- endset -%}
    {{ return({'first_day': first_day, 'listed': listed}) }}
{%- endmacro %}


{#- A day (a date, or ISO text) as a date literal. -#}
{% macro date_literal(day) -%}
    cast('{{ (day.isoformat() if day is not string else day)[:10] }}' as date)
{%- endmacro %}


{#- The account-days an incremental fact writes, from those that changed (`account_days`, a
    query of `account_columns` and date_day). DuckDB replaces exactly those (delete+insert on
    the account and day). Spark's Parquet tables can only overwrite whole partitions (days), so
    there every account of each changed day is rebuilt: the `accounts` CTE of the model's
    inputs lists them. -#}
{% macro rebuilt_days(account_days, account_columns) -%}
    {{ return(adapter.dispatch('rebuilt_days', 'ads_analytics')(account_days, account_columns)) }}
{%- endmacro %}

{% macro default__rebuilt_days(account_days, account_columns) -%}
    {{ account_days }}
{%- endmacro %}

{% macro spark__rebuilt_days(account_days, account_columns) -%}
    select
        {%- for column in account_columns %}
        all_accounts.{{ column }},
        {%- endfor %}
        days.date_day
    from (
        select distinct date_day from ({{ account_days }}) as account_days
    ) as days
    cross join (
        select distinct {{ account_columns | join(', ') }} from accounts
    ) as all_accounts
{%- endmacro %}


{#- The incremental config of a daily fact on each engine: delete+insert of the rebuilt
    account-days on DuckDB; on Spark (Parquet, no merge) an overwrite of the rebuilt days'
    partitions. -#}
{% macro daily_fact_strategy() -%}
    {{ return('insert_overwrite' if target.type == 'spark' else 'delete+insert') }}
{%- endmacro %}
