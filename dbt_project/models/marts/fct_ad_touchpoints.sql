{{ config(materialized='view') }}
{#- One row per session, the touchpoints attribution works on: see int_touchpoints_classified.
    A view, so ten million sessions are not written twice. -#}
select * from {{ ref('int_touchpoints_classified') }}
