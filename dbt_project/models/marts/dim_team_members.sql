{#-
    One row per team + user in it: the user's primary and secondary teams, from either side of
    HubSpot's users/teams data (a user lists their teams, a team its users). Ids in the lists are
    JSON arrays of id strings, matched as quoted ids.
-#}
with users as (

    select user_id, primary_team_id, secondary_team_ids_json
    from {{ ref('stg_hubspot__users') }}

),

teams as (

    select team_id, user_ids_json, secondary_user_ids_json
    from {{ ref('stg_hubspot__teams') }}

)

select distinct
    teams.team_id,
    users.user_id
from users
cross join teams
where users.primary_team_id = teams.team_id
    or {{ dbt.position("'\"' || teams.team_id || '\"'", "coalesce(users.secondary_team_ids_json, '')") }} > 0
    or {{ dbt.position("'\"' || users.user_id || '\"'", "coalesce(teams.user_ids_json, '')") }} > 0
    or {{ dbt.position("'\"' || users.user_id || '\"'", "coalesce(teams.secondary_user_ids_json, '')") }} > 0
