{#-
    Views on DuckDB, re-created only when their SQL changed. A daily run re-creates every staging
    view although their SQL is the same as yesterday; each costs several statements and a commit,
    which at this project's size is a large share of an incremental run. The view keeps a
    fingerprint of its compiled SQL at the end of its comment; when the stored one matches, the
    view is left as it is. `--full-refresh` re-creates every view. With `persist_docs` (the
    marts) the comment starts with the model's description and every column gets its own; no
    grants are applied (this project configures none).
-#}
{%- materialization view, adapter='duckdb' -%}
    {%- set target = this.incorporate(type='view') -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set fingerprint = 'ads_analytics view sql md5 ' ~ local_md5(sql) -%}
    {%- set unchanged = existing is not none and existing.is_view and not should_full_refresh()
        and view_fingerprint(target).endswith(fingerprint) -%}
    {%- set described = config.persist_relation_docs() and model.description -%}
    {%- set comment = (model.description ~ '\n\n' ~ fingerprint) if described else fingerprint -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {%- if existing is not none and not existing.is_view %}
        {{ adapter.drop_relation(existing) }}
    {%- endif %}
    {% call statement('main') -%}
        {%- if unchanged -%}
            select 1 as unchanged
        {%- else -%}
            create or replace view {{ target }} as (
                {{ sql }}
            );
            comment on view {{ target }} is '{{ comment | replace("'", "''") }}'
        {%- endif -%}
    {%- endcall %}
    {%- if not unchanged and config.persist_column_docs() and model.columns %}
        {% do run_query(alter_column_comment(target, model.columns)) %}
    {%- endif %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target]}) }}
{%- endmaterialization -%}


{#- The fingerprint a view of this materialization stored as its comment ('' when none). -#}
{% macro view_fingerprint(relation) -%}
    {%- set query -%}
        select coalesce(max(comment), '') from duckdb_views()
        where database_name = '{{ relation.database }}'
            and schema_name = '{{ relation.schema }}'
            and view_name = '{{ relation.identifier }}'
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0]) }}
{%- endmacro %}
