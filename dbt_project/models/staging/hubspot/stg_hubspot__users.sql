with source as (

    select * from {{ source('raw_hubspot', 'users') }}

),

renamed as (

    select
        -- ids
        id as user_id,
        -- a user has a list of roles (`roleIds`, current API versions), one role (`roleId`,
        -- older ones) or none; the first listed role is the user's role here
        coalesce({{ json_text('role_ids', '$[0]') }}, role_id) as role_id,
        -- only when the user is on a team
        primary_team_id,

        -- strings
        email,
        role_ids as role_ids_json,
        secondary_team_ids as secondary_team_ids_json,
        super_admin as is_super_admin

    from source

)

select * from renamed
