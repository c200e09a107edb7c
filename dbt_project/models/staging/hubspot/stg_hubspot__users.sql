with source as (

    select * from {{ source('raw_hubspot', 'users') }}

),

renamed as (

    select
        -- ids
        id as user_id,
        role_id,
        primary_team_id,

        -- strings
        email,
        secondary_team_ids as secondary_team_ids_json,
        super_admin as is_super_admin

    from source

)

select * from renamed
