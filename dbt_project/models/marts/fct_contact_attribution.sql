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
with paths as (

    select
        contact_id,
        session_id,
        touch_number,
        touch_count,
        is_lead,
        false as is_deal,
        false as is_won,
        -- seconds as a double before dividing: both engines then divide the same IEEE numbers
        cast({{ dbt.datediff('started_at', 'converted_at', 'second') }} as double) / 86400
            as age_days,
        is_ad_interaction,
        is_conversion_session,
        campaign_state,
        converted_at,
        {{ target }}
    from {{ ref('int_attribution_paths') }}
    where is_converted

),

{{ multi_touch_credits('paths', 'contact_id', 'converted_at') }},

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
        {{ target_columns_of('touchpoints') }}, 1.0 as credit,
        conversions.last_submitted_at as attributed_at
    from {{ ref('int_contact_conversions') }} as conversions
    inner join {{ ref('int_attribution_touches') }} as touchpoints
        on conversions.last_submission_session_id = touchpoints.touch_id
    where touchpoints.is_ad_interaction

),

last_ad_interaction as (

    select
        'last_ad_interaction' as attribution_model, paths.contact_id,
        {{ target_columns_of('paths') }}, 1.0 as credit,
        paths.converted_at as attributed_at
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
    -- touches of its converting path
    select distinct
        'all_interactions' as attribution_model, contact_id, {{ target }}, 1.0 as credit,
        converted_at as attributed_at
    from paths
    where is_ad_interaction

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
    select attribution_model, contact_id, {{ target }}, credit, ended_at as attributed_at
    from multi_touch_credits

),

-- the contact's own columns once per contact rather than once per credit: its current stage
-- and the portal days of its first and last conversion (the instants every credit has)
contact_days as (

    select
        contacts.contact_id,
        contacts.lifecycle_stage,
        conversions.converted_at,
        {{ local_date('conversions.converted_at', "'" ~ portal_time_zone() ~ "'") }}
            as converted_date,
        conversions.last_submitted_at,
        {{ local_date('conversions.last_submitted_at', "'" ~ portal_time_zone() ~ "'") }}
            as last_submitted_date
    from {{ ref('stg_hubspot__contacts') }} as contacts
    left join {{ ref('int_contact_conversions') }} as conversions
        on contacts.contact_id = conversions.contact_id

)

-- every part is one row per model, contact and target; targets a model gives nothing
-- (first_interaction's later touches) have no row
select
    credited.attribution_model,
    credited.contact_id,
    {{- credited_target('credited') }}
    cast(credited.credit as double) as credit,
    credited.attributed_at,
    case
        when credited.attributed_at = contact_days.converted_at
            then contact_days.converted_date
        when credited.attributed_at = contact_days.last_submitted_at
            then contact_days.last_submitted_date
        else {{ local_date('credited.attributed_at', "'" ~ portal_time_zone() ~ "'") }}
    end as attributed_date,
    contact_days.lifecycle_stage
from credited
left join contact_days
    on credited.contact_id = contact_days.contact_id
where credited.credit > 0
