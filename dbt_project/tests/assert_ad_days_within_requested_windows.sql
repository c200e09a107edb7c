{{ config(severity='error', meta={'dagster': {'ref': {'name': 'int_ad_performance_unioned'}}}) }}
{#-
    Every ad-day an account's daily reports hold lies in a window of days the loads asked that
    account for (each source's `load_windows`: per load, report and account, the days asked
    for). Fails with the network, report, account and day of every other one, and its rows: a
    row of a day nobody asked for (a day before `start_date`, say) would count as if it had been.

    Rows loaded before the account's first recorded window do not fail, and neither does any row
    of an account with no recorded window at all: those loads come from before windows were
    recorded, and nothing says which days they asked for.
-#}
with windows as (
    {%- for network in ['facebook', 'google', 'linkedin'] %}

    select
        '{{ network }}' as network, report, account_id as ad_account_id,
        cast(start_date as date) as start_date, cast(end_date as date) as end_date,
        cast(_dlt_load_id as double) as load_id
    from {{ source('raw_' ~ network ~ '_ads', 'load_windows') }}
    {% if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

first_windows as (

    select network, report, ad_account_id, min(load_id) as first_load_id
    from windows
    group by network, report, ad_account_id

),

ad_rows as (

    -- the three networks' ad reports
    select
        network,
        case network
            when 'facebook' then 'ad_insights'
            when 'google' then 'ad_performance_daily'
            when 'linkedin' then 'ad_analytics_daily'
        end as report,
        ad_account_id,
        date_day,
        cast(dlt_load_id as double) as load_id
    from {{ ref('int_ad_performance_unioned') }}

    union all

    -- and Google's keyword report, read raw: the check runs in the step of the models that read
    -- several sources, and a staging model (built in its source's own step) would keep it out
    select
        'google' as network, 'keyword_performance_daily' as report,
        cast(customer__id as {{ dbt.type_string() }}) as ad_account_id,
        cast(segments__date as date) as date_day,
        cast(_dlt_load_id as double) as load_id
    from {{ source('raw_google_ads', 'keyword_performance_daily') }}

),

-- the rows loaded since the account's loads record their windows
recorded as (

    select ad_rows.network, ad_rows.report, ad_rows.ad_account_id, ad_rows.date_day
    from ad_rows
    inner join first_windows
        on ad_rows.network = first_windows.network
        and ad_rows.report = first_windows.report
        and ad_rows.ad_account_id = first_windows.ad_account_id
    where ad_rows.load_id >= first_windows.first_load_id

),

uncovered as (

    select recorded.network, recorded.report, recorded.ad_account_id, recorded.date_day
    from recorded
    left join windows
        on recorded.network = windows.network
        and recorded.report = windows.report
        and recorded.ad_account_id = windows.ad_account_id
        and recorded.date_day between windows.start_date and windows.end_date
    where windows.ad_account_id is null

)

select network, report, ad_account_id, date_day, count(*) as ad_rows
from uncovered
group by network, report, ad_account_id, date_day
