{#-
    One row per day, from the last date_day of fct_campaign_performance_daily back to its first:
    the semantic layer's time spine (MetricFlow joins to it for cumulative metrics and to fill
    days without rows). It is built from the fact's own range, so it sits downstream of the
    marts and is rebuilt with them (a spine with no parent would be an island in the asset
    graph). Counting back from the last day, a stray early date can only cut off the oldest
    days, never the recent ones.
-#}
{%- set max_days = 36600 -%}
with bounds as (

    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from {{ ref('fct_campaign_performance_daily') }}

),

offsets as (

    select generated_number - 1 as day_offset
    from ({{ dbt.generate_series(max_days) }}) as series

),

days as (

    select cast({{ dbt.dateadd('day', '-offsets.day_offset', 'bounds.last_day') }} as date)
        as date_day,
        bounds.first_day
    from bounds
    cross join offsets
    where bounds.last_day is not null

)

select date_day
from days
where date_day >= first_day
