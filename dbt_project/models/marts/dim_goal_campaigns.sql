{#-
    One row per goal + campaign it covers: the campaigns listed for the goal, every campaign of
    a network listed without a campaign, or every campaign when none is listed. Goals come from
    the warehouse's goals file, else the example seeds (macros/goals.sql).
-#}
{%- set goals_file = env_var('ADS_ANALYTICS_GOALS_FILE', '') -%}
-- depends_on: {{ ref('goals') }}, {{ ref('goal_campaigns') }}
with goals as (

    select goal_id
    from ({{ goal_definitions(goals_file) }}) as defined

),

listed as (

    {{ goal_campaign_listing(goals_file) }}

),

campaigns as (

    select network, ad_account_id, campaign_id
    from {{ ref('dim_campaigns') }}

)

select
    goals.goal_id,
    campaigns.network,
    campaigns.ad_account_id,
    campaigns.campaign_id
from goals
cross join campaigns
where not exists (
        select 1 from listed
        where listed.goal_id = goals.goal_id
    )
    or exists (
        select 1 from listed
        where listed.goal_id = goals.goal_id
            and listed.network = campaigns.network
            and (listed.campaign_id is null or listed.campaign_id = campaigns.campaign_id)
    )
