{#-
    One row per attribution_model + contact + credited touch target: an ad (with its Google
    keyword when there was one), a campaign (ad touches resolved only to the campaign), or a
    channel (touches that were not ad interactions, whose ad columns are null).

    - Ads reports (a contact counts 0 or 1 per ad, credit 1): `first_form_submission` (the ad
      that started the session of the contact's first form submission), `last_form_submission`
      (of its latest submission; attributed at that submission), `last_ad_interaction` (the
      last ad touch at or before conversion), `all_interactions` (every ad touched up to the
      conversion, not after it; totals across ads may exceed contacts). A lead-ad lead is an ad
      touch with no session (int_attribution_touches); only new contacts count
      (int_contact_conversions).
    - Rule-based models (macros/attribution.sql) and the data-driven `markov` and `shapley`
      (campaign-level state weights from int_attribution_state_weights, a state's weight split
      equally among its touches on the path) give fractional credits over all the contact's
      touches up to conversion, whatever their channel; they sum to 1 per contact.
    `attributed_at` is the conversion (for last_form_submission that submission);
    `attributed_date` its day in the portal time zone. `lifecycle_stage` is the contact's current
    stage.
-#}
{%- set target = attribution_target_columns() | join(', ') -%}
{%- set time_zone = "'" ~ portal_time_zone() ~ "'" -%}
{#- The contact's own columns, carried from one row per contact to its credits rather than
    joined to every credit (tens of millions of rows). -#}
{%- set contact_columns = ['lifecycle_stage', 'attributed_date'] -%}
with contact_days as (

    -- one row per converted contact: its current stage and the portal days of its first and
    -- last conversion (a converting path's `converted_at` is its first)
    select
        conversions.contact_id,
        contacts.lifecycle_stage,
        {{ local_date('conversions.converted_at', time_zone) }} as converted_date,
        conversions.last_submitted_at,
        {{ local_date('conversions.last_submitted_at', time_zone) }} as last_submitted_date,
        conversions.last_submission_session_id
    from {{ ref('int_contact_conversions') }} as conversions
    inner join {{ ref('stg_hubspot__contacts') }} as contacts
        on conversions.contact_id = contacts.contact_id

),

paths as (

    select
        paths.contact_id,
        paths.session_id,
        paths.touch_number,
        paths.touch_count,
        paths.is_lead,
        false as is_deal,
        false as is_won,
        -- seconds as a double before dividing: both engines then divide the same IEEE numbers
        cast({{ dbt.datediff('paths.started_at', 'paths.converted_at', 'second') }} as double)
            / 86400 as age_days,
        paths.is_ad_interaction,
        paths.is_conversion_session,
        paths.campaign_state,
        paths.converted_at,
        {{ target_columns_of('paths') }},
        contact_days.lifecycle_stage,
        contact_days.converted_date as attributed_date
    from {{ ref('int_attribution_paths') }} as paths
    inner join contact_days
        on paths.contact_id = contact_days.contact_id
    where paths.is_converted

),

{{ multi_touch_credits('paths', 'contact_id', 'converted_at', contact_columns) }},

first_form_submission as (

    select
        'first_form_submission' as attribution_model, contact_id, {{ target }},
        1.0 as credit, converted_at as attributed_at, {{ contact_columns | join(', ') }}
    from paths
    where is_conversion_session
        and is_ad_interaction

),

last_form_submission as (

    select
        'last_form_submission' as attribution_model, contact_days.contact_id,
        {{ target_columns_of('touchpoints') }}, 1.0 as credit,
        contact_days.last_submitted_at as attributed_at,
        contact_days.lifecycle_stage,
        contact_days.last_submitted_date as attributed_date
    from contact_days
    inner join {{ ref('int_attribution_touches') }} as touchpoints
        on contact_days.last_submission_session_id = touchpoints.touch_id
    where touchpoints.is_ad_interaction

),

last_ad_interaction as (

    select
        'last_ad_interaction' as attribution_model, paths.contact_id,
        {{ target_columns_of('paths') }}, 1.0 as credit,
        paths.converted_at as attributed_at, paths.lifecycle_stage, paths.attributed_date
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

    -- every ad the contact interacted with up to its conversion, and none after it: the ad
    -- targets of its converting path (an ad touch's target has its network, another's none)
    select
        'all_interactions' as attribution_model, contact_id, {{ target }}, 1.0 as credit,
        ended_at as attributed_at, {{ contact_columns | join(', ') }}
    from target_touches
    where network is not null

),

credited as {{ sorted_input() }} (

    select * from first_form_submission
    union all
    select * from last_form_submission
    union all
    select * from last_ad_interaction
    union all
    select * from all_interactions
    union all
    select
        attribution_model, contact_id, {{ target }}, credit, ended_at as attributed_at,
        {{ contact_columns | join(', ') }}
    from multi_touch_credits

)

-- every part is one row per model, contact and target; targets a model gives nothing
-- (first_interaction's later touches) have no row
select
    attribution_model,
    contact_id,
    {{- credited_target('credited') }}
    cast(credit as double) as credit,
    attributed_at,
    attributed_date,
    lifecycle_stage
from credited
where credit > 0
{{ storage_order(['attribution_model', 'attributed_date']) }}
