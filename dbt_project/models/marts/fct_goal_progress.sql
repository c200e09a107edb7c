{#-
    One row per goal: its definition and owner, its period, target, actual up to the as-of day,
    percent of target, the value expected by today, pace and status.

    Goals come from the warehouse's goals file, else the example seeds (macros/goals.sql); the
    campaigns each covers from dim_goal_campaigns. A goal's period is its preset (this_month,
    this_quarter, this_year, last_30_days, relative to the as-of day) or its explicit start and
    end. `actual` over the period up to the as-of day (`goals_as_of` var, default today in the
    portal time zone), by type:
    - contacts_first_form_submission: distinct contacts attributed under first_form_submission;
    - contacts_in_stage: those of them whose current lifecycle stage is the goal's;
    - cost_per_contact_in_stage: spend (company currency) / contacts_in_stage (lower is better);
    - network_conversions, spend: the network's conversions, spend in the company currency;
    - roi: (revenue from deals under first_form_submission - spend) / spend.
    Counts and spend are expected to grow evenly over the period: `expected_by_today` is the
    target times the share of the period's days elapsed, `pace` is actual / expected_by_today.
    Ratios are expected at target throughout and have no pace. `percent_of_target` is
    actual / target, for a cost target / actual: 100% or more is the target met, for every type.
    `status`:
    - counts: achieved once actual >= target; missed when the period ended short of it;
      on_track while actual >= expected_by_today; else at_risk;
    - spend: over_pace while actual > 110% of expected_by_today (once the period ended, of the
      target); otherwise achieved when the period ended at or above the target, missed below
      it, and on_track / at_risk before as counts;
    - ratios (roi: higher is better; cost: lower, and a cost without contacts in the stage is
      not met): achieved or missed once the period ended, on_track or at_risk before.
-#}
{%- set goals_file = env_var('ADS_ANALYTICS_GOALS_FILE', '') -%}
{%- set model = 'first_form_submission' -%}
{#- spend above this share of its expected value is over pace -#}
{%- set over_pace = 1.1 -%}
-- depends_on: {{ ref('goals') }}
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
        defined.goal_id,
        defined.goal_name,
        defined.goal_type,
        defined.lifecycle_stage,
        defined.owner_type,
        defined.owner_id,
        cast(defined.target as double) as target,
        as_of.as_of_date,
        case defined.period_preset
            when 'this_month' then cast({{ dbt.date_trunc('month', 'as_of.as_of_date') }} as date)
            when 'this_quarter'
                then cast({{ dbt.date_trunc('quarter', 'as_of.as_of_date') }} as date)
            when 'this_year' then cast({{ dbt.date_trunc('year', 'as_of.as_of_date') }} as date)
            when 'last_30_days'
                then cast({{ dbt.dateadd('day', -29, 'as_of.as_of_date') }} as date)
            else cast(defined.period_start as date)
        end as period_start,
        case defined.period_preset
            when 'this_month' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1,
                dbt.date_trunc('month', 'as_of.as_of_date'))) }} as date)
            when 'this_quarter' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3,
                dbt.date_trunc('quarter', 'as_of.as_of_date'))) }} as date)
            when 'this_year' then cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1,
                dbt.date_trunc('year', 'as_of.as_of_date'))) }} as date)
            when 'last_30_days' then as_of.as_of_date
            else cast(defined.period_end as date)
        end as period_end,
        defined.goal_type in ('cost_per_contact_in_stage', 'roi') as is_ratio,
        defined.goal_type = 'cost_per_contact_in_stage' as lower_is_better
    from ({{ goal_definitions(goals_file) }}) as defined
    cross join as_of

),

windows as (

    select
        goals.*,
        case when as_of_date < period_end then as_of_date else period_end end as measured_to
    from goals

),

covered as (

    select goal_id, network, ad_account_id, campaign_id
    from {{ ref('dim_goal_campaigns') }}

),

network_metrics as (

    select
        covered.goal_id,
        sum(daily.spend_company_currency) as spend,
        sum(daily.network_conversions) as network_conversions
    from covered
    inner join windows
        on covered.goal_id = windows.goal_id
    inner join {{ ref('fct_campaign_performance_daily') }} as daily
        on covered.network = daily.network
        and covered.ad_account_id = daily.ad_account_id
        and covered.campaign_id = daily.campaign_id
        and daily.date_day >= windows.period_start
        and daily.date_day <= windows.measured_to
    group by covered.goal_id

),

revenue as (

    select
        covered.goal_id,
        sum(credited.revenue_company_currency) as revenue
    from covered
    inner join windows
        on covered.goal_id = windows.goal_id
    inner join {{ ref('fct_campaign_credit_by_model_daily') }} as credited
        on credited.attribution_model = '{{ model }}'
        and covered.network = credited.network
        and covered.ad_account_id = credited.ad_account_id
        and covered.campaign_id = credited.campaign_id
        and credited.date_day >= windows.period_start
        and credited.date_day <= windows.measured_to
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
        and covered.ad_account_id = attributed.ad_account_id
        and covered.campaign_id = attributed.campaign_id
        and attributed.attributed_date >= windows.period_start
        and attributed.attributed_date <= windows.measured_to
    group by covered.goal_id

),

actuals as (

    select
        windows.*,
        case windows.goal_type
            when 'contacts_first_form_submission'
                then cast(coalesce(contact_metrics.contacts, 0) as double)
            when 'contacts_in_stage'
                then cast(coalesce(contact_metrics.contacts_in_stage, 0) as double)
            when 'cost_per_contact_in_stage'
                then cast(coalesce(network_metrics.spend, 0) as double)
                    / nullif(contact_metrics.contacts_in_stage, 0)
            when 'network_conversions'
                then cast(coalesce(network_metrics.network_conversions, 0) as double)
            when 'spend' then cast(coalesce(network_metrics.spend, 0) as double)
            when 'roi'
                then cast(coalesce(revenue.revenue, 0) - network_metrics.spend as double)
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
    left join revenue
        on windows.goal_id = revenue.goal_id
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
        as_of_date > period_end as has_ended,
        -- null when there is no actual (a cost without contacts in the stage): not met
        case
            when lower_is_better then actual <= target
            else actual >= target
        end as meets_target
    from actuals

),

judged as (

    select
        paced.*,
        case when not is_ratio then actual / nullif(expected_by_today, 0) end as pace
    from paced

)

select
    goal_id,
    goal_name,
    goal_type,
    lifecycle_stage,
    owner_type,
    owner_id,
    period_start,
    period_end,
    as_of_date,
    target,
    actual,
    case
        when lower_is_better then target / nullif(actual, 0)
        else actual / nullif(target, 0)
    end as percent_of_target,
    expected_by_today,
    pace,
    case
        when goal_type = 'spend' and pace > {{ over_pace }} then 'over_pace'
        when coalesce(meets_target, false) and (has_ended or not (is_ratio or goal_type = 'spend'))
            then 'achieved'
        when has_ended then 'missed'
        when is_ratio and coalesce(meets_target, false) then 'on_track'
        when not is_ratio and actual >= expected_by_today then 'on_track'
        else 'at_risk'
    end as status
from judged
