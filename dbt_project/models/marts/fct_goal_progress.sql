{#-
    One row per goal (seeds/goals.csv, campaigns in seeds/goal_campaigns.csv; a goal without
    campaign rows covers every campaign, a row without a campaign id every campaign of its
    network). A goal's period is its preset (this_month, this_quarter, this_year,
    last_30_days, relative to the as-of day) or its explicit start and end.
    `actual` over the period up to the as-of day (`goals_as_of` var, default today in the portal
    time zone), by type:
    - contacts_first_form_submission: distinct contacts attributed under first_form_submission;
    - contacts_in_stage: those of them whose current lifecycle stage is the goal's;
    - cost_per_contact_in_stage: spend (company currency) / contacts_in_stage (lower is better);
    - network_conversions, spend: the network's conversions, spend in the company currency;
    - roi: (revenue from deals under first_form_submission - spend) / spend.
    Counts and amounts are expected to grow evenly over the period: `expected_by_today` is the
    target times the share of the period elapsed; ratios are expected at target throughout.
    `status`: achieved (the target is met: counts at once, ratios when the period has ended),
    missed (the period ended short of it), on_track (at or ahead of the expected value), at_risk.
-#}
{%- set model = 'first_form_submission' -%}
with as_of as (

    select
        {%- if var('goals_as_of', none) %}
        cast('{{ var("goals_as_of") }}' as date) as as_of_date
        {%- else %}
        {{ local_date(dbt.current_timestamp(), "'" ~ portal_time_zone() ~ "'") }} as as_of_date
        {%- endif %}

),

goals as (

    select
        goals.goal_id,
        goals.goal_name,
        goals.goal_type,
        goals.lifecycle_stage,
        cast(goals.target as double) as target,
        as_of.as_of_date,
        case goals.period_preset
            when 'this_month' then cast({{ dbt.date_trunc('month', 'as_of.as_of_date') }} as date)
            when 'this_quarter'
                then cast({{ dbt.date_trunc('quarter', 'as_of.as_of_date') }} as date)
            when 'this_year' then cast({{ dbt.date_trunc('year', 'as_of.as_of_date') }} as date)
            when 'last_30_days'
                then cast({{ dbt.dateadd('day', -29, 'as_of.as_of_date') }} as date)
            else cast(goals.period_start as date)
        end as period_start,
        case goals.period_preset
            when 'this_month' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1,
                dbt.date_trunc('month', 'as_of.as_of_date'))) }} as date)
            when 'this_quarter' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3,
                dbt.date_trunc('quarter', 'as_of.as_of_date'))) }} as date)
            when 'this_year' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1,
                dbt.date_trunc('year', 'as_of.as_of_date'))) }} as date)
            when 'last_30_days' then as_of.as_of_date
            else cast(goals.period_end as date)
        end as period_end,
        goals.goal_type in ('cost_per_contact_in_stage', 'roi') as is_ratio,
        goals.goal_type = 'cost_per_contact_in_stage' as lower_is_better
    from {{ ref('goals') }} as goals
    cross join as_of

),

windows as (

    select
        goals.*,
        case when as_of_date < period_end then as_of_date else period_end end as measured_to
    from goals

),

covered as (

    select windows.goal_id, campaigns.network, campaigns.campaign_id
    from windows
    cross join {{ ref('dim_campaigns') }} as campaigns
    where not exists (
            select 1 from {{ ref('goal_campaigns') }} as listed
            where listed.goal_id = windows.goal_id
        )
        or exists (
            select 1 from {{ ref('goal_campaigns') }} as listed
            where listed.goal_id = windows.goal_id
                and listed.network = campaigns.network
                and (listed.campaign_id is null
                    or cast(listed.campaign_id as {{ dbt.type_string() }}) = campaigns.campaign_id)
        )

),

network_metrics as (

    select
        covered.goal_id,
        sum(daily.spend_company_currency) as spend,
        sum(daily.network_conversions) as network_conversions,
        sum(daily.revenue_company_currency) as revenue
    from covered
    inner join windows
        on covered.goal_id = windows.goal_id
    inner join {{ ref('fct_campaign_performance_daily') }} as daily
        on daily.attribution_model = '{{ model }}'
        and covered.network = daily.network
        and covered.campaign_id = daily.campaign_id
        and daily.date_day >= windows.period_start
        and daily.date_day <= windows.measured_to
    group by covered.goal_id

),

contact_metrics as (

    -- distinct contacts over the period, from the contact-level facts
    select
        covered.goal_id,
        count(distinct attributed.contact_id) as contacts,
        count(distinct case
            when attributed.lifecycle_stage = windows.lifecycle_stage then attributed.contact_id
        end) as contacts_in_stage
    from covered
    inner join windows
        on covered.goal_id = windows.goal_id
    inner join {{ ref('fct_contact_attribution') }} as attributed
        on attributed.attribution_model = '{{ model }}'
        and covered.network = attributed.network
        and covered.campaign_id = attributed.campaign_id
        and attributed.attributed_date >= windows.period_start
        and attributed.attributed_date <= windows.measured_to
    group by covered.goal_id

),

actuals as (

    select
        windows.*,
        case windows.goal_type
            when 'contacts_first_form_submission' then cast(coalesce(contact_metrics.contacts, 0) as double)
            when 'contacts_in_stage' then cast(coalesce(contact_metrics.contacts_in_stage, 0) as double)
            when 'cost_per_contact_in_stage'
                then cast(network_metrics.spend as double)
                    / nullif(contact_metrics.contacts_in_stage, 0)
            when 'network_conversions' then cast(coalesce(network_metrics.network_conversions, 0) as double)
            when 'spend' then cast(coalesce(network_metrics.spend, 0) as double)
            when 'roi'
                then cast(coalesce(network_metrics.revenue, 0) - network_metrics.spend as double)
                    / nullif(cast(network_metrics.spend as double), 0)
        end as actual,
        {{ dbt.datediff('windows.period_start', 'windows.period_end', 'day') }} + 1
            as period_days,
        case
            when windows.as_of_date < windows.period_start then 0
            else {{ dbt.datediff('windows.period_start', 'windows.measured_to', 'day') }} + 1
        end as elapsed_days
    from windows
    left join network_metrics
        on windows.goal_id = network_metrics.goal_id
    left join contact_metrics
        on windows.goal_id = contact_metrics.goal_id

),

paced as (

    select
        actuals.*,
        case
            when is_ratio then target
            else target * elapsed_days / period_days
        end as expected_by_today,
        case
            when lower_is_better then actual is not null and actual <= target
            else actual >= target
        end as meets_target
    from actuals

)

select
    goal_id,
    goal_name,
    goal_type,
    lifecycle_stage,
    period_start,
    period_end,
    as_of_date,
    target,
    actual,
    actual / nullif(target, 0) as percent_of_target,
    expected_by_today,
    case
        when meets_target and (not is_ratio or as_of_date > period_end) then 'achieved'
        when as_of_date > period_end then 'missed'
        when lower_is_better and actual is not null and actual <= expected_by_today
            then 'on_track'
        when not lower_is_better and actual >= expected_by_today then 'on_track'
        else 'at_risk'
    end as status
from paced
