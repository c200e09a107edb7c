with source as (

    select * from {{ source('raw_hubspot', 'page_views') }}

),

renamed as (

    select
        -- ids
        id as page_view_id,
        object_id as contact_id,
        hs_session_id as session_id,

        -- strings
        object_type,
        event_type,
        hs_url as page_url,
        hs_referrer as referrer_url,

        -- timestamps: occurred_at_utc is the parsed instant (the raw occurredAt may be ISO
        -- text or epoch milliseconds)
        {{ required('occurred_at_utc', 'raw_hubspot.page_views', 'occurredAt') }} as occurred_at,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
