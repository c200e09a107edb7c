{#-
    Where dbt-spark's own versions of dbt's macros do not give the same result as dbt-duckdb's,
    these replace them on Spark (dbt_project.yml sends dbt's dispatch here first).
-#}

{#- dbt-spark splits on a regular expression built from the delimiter, which breaks for some
    (`kwd-` becomes the invalid pattern `\kwd-`); Spark's own `split_part` takes it literally.
    Only parts counted from the start are used here. -#}
{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    {%- if part_number < 1 -%}
        {{ exceptions.raise_compiler_error("split_part: only parts 1, 2, ... are supported") }}
    {%- endif -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}

{#- An unparseable value is null on both engines, not an error on one. -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- dbt-spark's session connection sends a seed's empty cells as the text 'None'; the values
    are written into the statement instead, empty cells as null. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name,
                                                       adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) if loop.first -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
