{#-
    One row per contact that submitted a form. A contact converts at its first form submission
    (the submission that creates it as a contact); its last submission is kept for the
    `last_form_submission` report. Ties in time are broken by submission id.
-#}
with submissions as (

    select
        contact_id,
        session_id,
        occurred_at,
        row_number() over (
            partition by contact_id
            order by occurred_at asc nulls last, form_submission_id asc nulls last
        ) as first_rank,
        row_number() over (
            partition by contact_id
            order by occurred_at desc nulls last, form_submission_id desc nulls last
        ) as last_rank
    from {{ ref('stg_hubspot__form_submissions') }}
    where contact_id is not null
        and occurred_at is not null

)

select
    contact_id,
    max(case when first_rank = 1 then occurred_at end) as converted_at,
    max(case when first_rank = 1 then session_id end) as conversion_session_id,
    max(case when last_rank = 1 then occurred_at end) as last_submitted_at,
    max(case when last_rank = 1 then session_id end) as last_submission_session_id,
    count(*) as form_submissions
from submissions
group by contact_id
