{#- A page view's rank in its session (`alias` is a page-views relation): 1 for the session's
    landing, its earliest view, ties broken by page view id. One definition for int_sessions'
    full and incremental builds, which must pick the same landing. -#}
{% macro session_landing_rank(alias) -%}
    row_number() over (
        partition by {{ alias }}.session_id
        order by {{ alias }}.occurred_at asc nulls last, {{ alias }}.page_view_id asc nulls last
    )
{%- endmacro %}
