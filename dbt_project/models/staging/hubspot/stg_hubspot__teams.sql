with source as (

    select * from {{ source('raw_hubspot', 'teams') }}

),

renamed as (

    select
        -- ids
        id as team_id,

        -- strings
        name as team_name,
        user_ids as user_ids_json,
        secondary_user_ids as secondary_user_ids_json

    from source

)

select * from renamed
