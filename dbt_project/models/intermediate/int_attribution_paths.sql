{#-
    One row per touch on a contact's path: the contact's sessions and lead-ad leads
    (int_attribution_touches) in time order (ties by touch id), up to and including its
    conversion for converting contacts, all of them for the others (the non-converting paths the
    data-driven models need; a contact that existed before its first conversion is one of
    them, see int_contact_conversions). `is_lead` marks lead creation, the
    last touch at or before conversion. Ad touches carry their resolved ad; the others only their
    channel. `campaign_state` is the touch's state for campaign-level data-driven models: the ad
    campaign for ad touches, the channel otherwise.
-#}
with conversions as (

    select contact_id, converted_at, conversion_session_id
    from {{ ref('int_contact_conversions') }}

),

touches as (

    select
        touchpoints.contact_id,
        touchpoints.touch_id as session_id,
        touchpoints.started_at,
        touchpoints.is_ad_interaction,
        {{ touch_target('touchpoints') }},
        conversions.converted_at,
        touchpoints.touch_id = conversions.conversion_session_id as is_conversion_session
    from {{ ref('int_attribution_touches') }} as touchpoints
    left join conversions
        on touchpoints.contact_id = conversions.contact_id
    where touchpoints.contact_id is not null
        and (conversions.converted_at is null
            or touchpoints.started_at <= conversions.converted_at)

),

numbered as (

    select
        touches.*,
        row_number() over (
            partition by contact_id
            order by started_at asc nulls last, session_id asc nulls last
        ) as touch_number,
        count(*) over (partition by contact_id) as touch_count
    from touches

)

select
    numbered.*,
    converted_at is not null as is_converted,
    converted_at is not null and touch_number = touch_count as is_lead
from numbered
