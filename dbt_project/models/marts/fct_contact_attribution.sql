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

rule_based as (

    {%- for m in rule_models %}
    select
        '{{ m.name }}' as attribution_model, contact_id, {{ target }},
        credit__{{ m.name }} as credit, converted_at as attributed_at
    from rule_credits
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

weights as (

    select attribution_model, state, weight
    from {{ ref('int_attribution_state_weights') }}
    where level = 'campaign'

),

data_driven_touches as (

    select
        paths.*,
        weights.attribution_model,
        weights.weight / count(*) over (
            partition by weights.attribution_model, paths.contact_id, paths.campaign_state
        ) as raw_credit
    from paths
    inner join weights
        on paths.campaign_state = weights.state

),

data_driven as (

    select
        attribution_model, contact_id, {{ target }},
        -- a path whose states all weigh nothing falls back to equal shares
        case
            when sum(raw_credit) over (partition by attribution_model, contact_id) > 0
                then raw_credit / sum(raw_credit) over (partition by attribution_model, contact_id)
            else 1.0 / touch_count
        end as credit,
        converted_at as attributed_at
    from data_driven_touches

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
        'last_ad_interaction' as attribution_model, contact_id, {{ target }},
        1.0 as credit, converted_at as attributed_at
    from (
        select
            paths.*,
            row_number() over (
                partition by contact_id order by touch_number desc nulls last
            ) as ad_touch_rank
        from paths
        where is_ad_interaction
    ) as ad_touches
    where ad_touch_rank = 1

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
    select attribution_model, contact_id, {{ target }}, credit, attributed_at from rule_based
    union all
    select * from data_driven

),

summed as (

    -- one row per credited target: a target touched twice on the path gets both credits
    select
        attribution_model, contact_id, {{ target }},
        cast(sum(credit) as double) as credit,
        max(attributed_at) as attributed_at
    from credited
    group by attribution_model, contact_id, {{ target }}
    -- targets a model gives nothing (first_interaction's later touches) have no row
    having sum(credit) > 0

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
