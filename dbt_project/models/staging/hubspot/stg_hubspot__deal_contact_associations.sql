with source as (

    select * from {{ source('raw_hubspot', 'deal_contact_associations') }}

),

renamed as (

    select
        -- ids
        deal_id,
        contact_id,

        -- strings (a JSON list of {category, typeId, label})
        association_types as association_types_json

    from source

)

select * from renamed
