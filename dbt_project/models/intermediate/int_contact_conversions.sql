{#-
    One row per contact whose first conversion created it: a new contact from its conversion.
    A contact's conversions are its form submissions and its lead-ad leads
    (int_attribution_touches); it converts at the first of them, and its last is kept for the
    `last_form_submission` report. Ties in time are broken by submission id (a lead after a
    form submission of the same instant).

    Only new contacts count, as in HubSpot's ads reports: a contact counts when its first
    conversion is the one that created it, i.e. it was created no earlier than
    `new_contact_tolerance_minutes` before that conversion (a form creates its contact within
    seconds; a lead-ad lead creates it when the sync runs, later). A contact created earlier
    (an import, a sales rep, the API) that later submits a form is not a contact from ads, and
    neither are its deals.
-#}
with submissions as (

    select contact_id, session_id as touch_id, occurred_at, form_submission_id as event_id
    from {{ ref('stg_hubspot__form_submissions') }}
    where contact_id is not null
        and occurred_at is not null

    union all

    select contact_id, touch_id, started_at as occurred_at, touch_id as event_id
    from {{ ref('int_attribution_touches') }}
    where is_lead_form

),

ranked as (

    select
        contact_id,
        touch_id,
        occurred_at,
        row_number() over (
            partition by contact_id
            order by occurred_at asc nulls last, event_id asc nulls last
        ) as first_rank,
        row_number() over (
            partition by contact_id
            order by occurred_at desc nulls last, event_id desc nulls last
        ) as last_rank
    from submissions

),

conversions as (

    select
        contact_id,
        max(case when first_rank = 1 then occurred_at end) as converted_at,
        max(case when first_rank = 1 then touch_id end) as conversion_session_id,
        max(case when last_rank = 1 then occurred_at end) as last_submitted_at,
        max(case when last_rank = 1 then touch_id end) as last_submission_session_id,
        count(*) as form_submissions
    from ranked
    group by contact_id

)

select conversions.*
from conversions
inner join {{ ref('stg_hubspot__contacts') }} as contacts
    on conversions.contact_id = contacts.contact_id
-- seconds from the contact's creation to its first conversion: negative for a lead-ad contact
-- (the sync creates it after the lead), a few for a form, days for a contact imported before
where {{ dbt.datediff('contacts.created_at', 'conversions.converted_at', 'second') }}
    <= {{ var('new_contact_tolerance_minutes') * 60 }}
