with source as (

    select * from {{ source('raw_hubspot', 'form_submissions') }}

),

renamed as (

    select
        -- ids
        id as form_submission_id,
        {{ required('object_id', 'raw_hubspot.form_submissions', 'objectId (the contact)') }} as contact_id,
        hs_session_id as session_id,
        hs_form_id as form_id,

        -- strings
        object_type,
        event_type,
        hs_form_title as form_title,
        hs_url as page_url,

        -- timestamps: occurred_at_utc is the parsed instant (the raw occurredAt may be ISO
        -- text or epoch milliseconds)
        {{ required('occurred_at_utc', 'raw_hubspot.form_submissions', 'occurredAt') }} as occurred_at

    from source

)

select * from renamed
