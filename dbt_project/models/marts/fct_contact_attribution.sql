{#-
    One row per attribution_model + contact + credited touch target: an ad (with its Google
    keyword when there was one), a campaign (ad touches resolved only to the campaign), or a
    channel (touches that were not ad interactions, whose ad columns are null).

    - Ads reports (a contact counts 0 or 1 per ad, credit 1): `first_form_submission` (the ad
      that started the session of the contact's first form submission), `last_form_submission`
      (of its latest submission; attributed at that submission), `last_ad_interaction` (the
      last ad touch at or before conversion), `all_interactions` (every ad touched up to
      conversion, or up to the latest submission for contacts that submitted again, so it
      credits every ad the other reports do; totals across ads may exceed contacts).
    - Rule-based models (macros/attribution.sql) and the data-driven `markov` and `shapley`
      (campaign-level state weights from int_attribution_state_weights, a state's weight split
      equally among its touches on the path) give fractional credits over all the contact's
      touches up to conversion, whatever their channel; they sum to 1 per contact.
    `attributed_at` is the conversion (for last_form_submission that submission);
    `attributed_date` its day in the portal time zone. `lifecycle_stage` is the contact's current
    stage.
-#}
{%- set rule_models = attribution_rule_models() -%}
{%- set target = 'channel, network, ad_account_id, campaign_id, ad_group_id, ad_id, keyword_id' -%}
with paths as (

    select
        contact_id,
        session_id,
        touch_number,
        touch_count,
        is_lead,
        false as is_deal,
        false as is_won,
        {{ dbt.datediff('started_at', 'converted_at', 'second') }} / 86400.0 as age_days,
        is_ad_interaction,
        is_conversion_session,
        campaign_state,
        converted_at,
        {{ target }}
    from {{ ref('int_attribution_paths') }}
    where is_converted

),

rule_credits as (

    {{ rule_based_credits('paths', 'contact_id') }}

),

-- Touches of one path with the same target (an ad, or a channel, touched twice) are summed
-- here, before the models are turned into rows: grouping tens of millions of model rows
-- afterwards would not fit in memory.
target_touches as (

    select
        contact_id, campaign_state, {{ target }},
        max(converted_at) as converted_at,
        max(touch_count) as touch_count,
        count(*) as touches,
        {%- for m in rule_models %}
        sum(credit__{{ m.name }}) as credit__{{ m.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from rule_credits
    group by contact_id, campaign_state, {{ target }}

),

rule_models as (

    {%- for m in rule_models %}
    select '{{ m.name }}' as attribution_model {{ 'union all' if not loop.last }}
    {%- endfor %}

),

rule_based as (

    select
        rule_models.attribution_model, target_touches.contact_id,
        {%- for column in target.split(', ') %}
        target_touches.{{ column }},
        {%- endfor %}
        case rule_models.attribution_model
            {%- for m in rule_models %}
            when '{{ m.name }}' then target_touches.credit__{{ m.name }}
            {%- endfor %}
        end as credit,
        target_touches.converted_at as attributed_at
    from target_touches
    cross join rule_models

),

data_driven_models as (

    select 'markov' as attribution_model union all select 'shapley' as attribution_model

),

weights as (

    select attribution_model, state, weight
    from {{ ref('int_attribution_state_weights') }}
    where level = 'campaign'

),

-- A state's weight is split equally among its touches on the path, and the path's credits are
-- rescaled to 1.
state_touches as (

    select contact_id, campaign_state, sum(touches) as touches
    from target_touches
    group by contact_id, campaign_state

),

path_weights as (

    select
        data_driven_models.attribution_model,
        state_touches.contact_id,
        sum(coalesce(weights.weight, 0)) as total_weight
    from state_touches
    cross join data_driven_models
    left join weights
        on data_driven_models.attribution_model = weights.attribution_model
        and state_touches.campaign_state = weights.state
    group by data_driven_models.attribution_model, state_touches.contact_id

),

data_driven as (

    select
        data_driven_models.attribution_model, target_touches.contact_id,
        {%- for column in target.split(', ') %}
        target_touches.{{ column }},
        {%- endfor %}
        -- a path whose states all weigh nothing falls back to equal shares
        case
            when path_weights.total_weight > 0
                then coalesce(weights.weight, 0) * target_touches.touches
                    / state_touches.touches / path_weights.total_weight
            else 1.0 * target_touches.touches / target_touches.touch_count
        end as credit,
        target_touches.converted_at as attributed_at
    from target_touches
    cross join data_driven_models
    left join weights
        on data_driven_models.attribution_model = weights.attribution_model
        and target_touches.campaign_state = weights.state
    inner join state_touches
        on target_touches.contact_id = state_touches.contact_id
        and target_touches.campaign_state = state_touches.campaign_state
    inner join path_weights
        on data_driven_models.attribution_model = path_weights.attribution_model
        and target_touches.contact_id = path_weights.contact_id

),

first_form_submission as (

    select
        'first_form_submission' as attribution_model, contact_id, {{ target }},
        1.0 as credit, converted_at as attributed_at
    from paths
    where is_conversion_session
        and is_ad_interaction

),

last_form_submission as (

    select
        'last_form_submission' as attribution_model, conversions.contact_id,
        touchpoints.channel, touchpoints.network, touchpoints.ad_account_id,
        touchpoints.campaign_id, touchpoints.ad_group_id, touchpoints.ad_id,
        touchpoints.keyword_id, 1.0 as credit, conversions.last_submitted_at as attributed_at
    from {{ ref('int_contact_conversions') }} as conversions
    inner join {{ ref('int_touchpoints_classified') }} as touchpoints
        on conversions.last_submission_session_id = touchpoints.session_id
    where touchpoints.is_ad_interaction

),

last_ad_interaction as (

    select
        'last_ad_interaction' as attribution_model, paths.contact_id,
        {%- for column in target.split(', ') %}
        paths.{{ column }},
        {%- endfor %}
        1.0 as credit, paths.converted_at as attributed_at
    from paths
    inner join (
        select contact_id, max(touch_number) as touch_number
        from paths
        where is_ad_interaction
        group by contact_id
    ) as last_ad
        on paths.contact_id = last_ad.contact_id
        and paths.touch_number = last_ad.touch_number

),

all_interactions as (

    -- every ad touched up to the contact's last form submission (its first, for most), so this
    -- report credits every ad any single-ad report credits
    select distinct
        'all_interactions' as attribution_model, touchpoints.contact_id,
        touchpoints.channel, touchpoints.network, touchpoints.ad_account_id,
        touchpoints.campaign_id, touchpoints.ad_group_id, touchpoints.ad_id,
        touchpoints.keyword_id, 1.0 as credit, conversions.converted_at as attributed_at
    from {{ ref('int_contact_conversions') }} as conversions
    inner join {{ ref('int_touchpoints_classified') }} as touchpoints
        on conversions.contact_id = touchpoints.contact_id
        and touchpoints.started_at <= greatest(conversions.converted_at,
            conversions.last_submitted_at)
    where touchpoints.is_ad_interaction

),

credited as (

    select * from first_form_submission
    union all
    select * from last_form_submission
    union all
    select * from last_ad_interaction
    union all
    select * from all_interactions
    union all
    select * from rule_based
    union all
    select * from data_driven

),

summed as (

    -- every part is already one row per model, contact and target; targets a model gives
    -- nothing (first_interaction's later touches) have no row
    select attribution_model, contact_id, {{ target }}, cast(credit as double) as credit,
        attributed_at
    from credited
    where credit > 0

)

select
    summed.attribution_model,
    summed.contact_id,
    summed.channel,
    summed.network is not null as is_ad_interaction,
    summed.network,
    summed.ad_account_id,
    summed.campaign_id,
    summed.ad_group_id,
    summed.ad_id,
    summed.keyword_id,
    summed.credit,
    summed.attributed_at,
    {{ local_date('summed.attributed_at', "'" ~ var('portal_time_zone') ~ "'") }}
        as attributed_date,
    contacts.lifecycle_stage
from summed
left join {{ ref('stg_hubspot__contacts') }} as contacts
    on summed.contact_id = contacts.contact_id
