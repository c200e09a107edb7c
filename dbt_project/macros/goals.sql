{#-
    The goals that dim_goal_campaigns and fct_goal_progress measure, and the campaigns listed
    for them.

    `path` is the warehouse's goals file, `ADS_ANALYTICS_GOALS_FILE` (the models read it with
    env_var and pass it here; whatever runs dbt sets it when the file exists): JSON lines that
    `ads-analytics goals` and the dashboard write, one goal per line with its owner and its
    campaigns (docs/data-contract.md, Goals). Without it, the project's example goals
    (seeds/goals.csv and seeds/goal_campaigns.csv), which have no owner.
-#}
{% macro goal_definitions(path) -%}
    {%- if path %}
    select
        goal_id, goal_name, goal_type, lifecycle_stage, target, period_preset, period_start,
        period_end, owner_type, owner_id
    from ({{ adapter.dispatch('goals_file_rows', 'ads_analytics')(path) }}) as goals_file
    {%- else %}
    select
        goal_id,
        goal_name,
        goal_type,
        lifecycle_stage,
        cast(target as double) as target,
        period_preset,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(null as {{ dbt.type_string() }}) as owner_type,
        cast(null as {{ dbt.type_string() }}) as owner_id
    from {{ ref('goals') }}
    {%- endif %}
{%- endmacro %}

{#- One row per goal + listed network and campaign (campaign_id null: the whole network). -#}
{% macro goal_campaign_listing(path) -%}
    {%- if path %}
    {{ adapter.dispatch('goals_file_campaigns', 'ads_analytics')(path) }}
    {%- else %}
    select goal_id, network, cast(campaign_id as {{ dbt.type_string() }}) as campaign_id
    from {{ ref('goal_campaigns') }}
    {%- endif %}
{%- endmacro %}

{#- The file's columns, typed; a key a line leaves out is null. -#}
{% macro default__goals_file_rows(path) -%}
    select * from read_json({{ text_literal(path) }}, format = 'newline_delimited', columns = {
        goal_id: 'varchar', goal_name: 'varchar', goal_type: 'varchar',
        lifecycle_stage: 'varchar', target: 'double', period_preset: 'varchar',
        period_start: 'date', period_end: 'date', owner_type: 'varchar', owner_id: 'varchar',
        campaigns: 'struct(network varchar, campaign_id varchar)[]'})
{%- endmacro %}

{% macro default__goals_file_campaigns(path) -%}
    select goal_id, campaign.network as network, campaign.campaign_id as campaign_id
    from ({{ default__goals_file_rows(path) }}) as goals_file,
        unnest(goals_file.campaigns) as listed(campaign)
{%- endmacro %}

{#- Spark reads the lines as text and parses each with the same schema (an empty file is no
    goals, where reading it as JSON would find no columns). -#}
{% macro spark_goals_schema() -%}
    goal_id string, goal_name string, goal_type string, lifecycle_stage string, target double,
    period_preset string, period_start date, period_end date, owner_type string,
    owner_id string, campaigns array<struct<network: string, campaign_id: string>>
{%- endmacro %}

{% macro spark__goals_file_rows(path) -%}
    select parsed.*
    from (
        select from_json(value, '{{ spark_goals_schema() | replace("\n", " ") }}') as parsed
        from text.`{{ path | replace("`", "``") }}`
        where trim(value) != ''
    ) as lines
{%- endmacro %}

{% macro spark__goals_file_campaigns(path) -%}
    select goal_id, campaign.network as network, campaign.campaign_id as campaign_id
    from ({{ spark__goals_file_rows(path) }}) as goals_file
    lateral view explode(goals_file.campaigns) listed as campaign
{%- endmacro %}
