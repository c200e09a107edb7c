with source as (

    select * from {{ source('raw_hubspot', 'form_submissions') }}

),

renamed as (

    select
        -- ids
        id as form_submission_id,
        object_id as contact_id,
        hs_session_id as session_id,
        hs_form_id as form_id,

        -- strings
        object_type,
        event_type,
        hs_form_title as form_title,
        hs_url as page_url,

        -- timestamps: occurred_at_utc is the parsed instant (the raw occurredAt may be ISO
        -- text or epoch milliseconds)
        occurred_at_utc as occurred_at

    from source

)

select * from renamed
