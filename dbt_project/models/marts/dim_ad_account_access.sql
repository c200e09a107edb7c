{#-
    One row per ad account + user or team that may see it (the filter every report applies for
    a user or team). Grants come from the access-partition file (a team or a user on an
    account); a user also sees the accounts of every team they belong to (primary or
    secondary, from either side of HubSpot's users/teams data), and a super admin sees every
    account. `access_via` names the strongest reason: direct, team, super_admin.
-#}
with grants as (

    select network, ad_account_id, principal_type, principal_id
    from {{ ref('stg_hubspot__ad_account_access') }}

),

users as (

    select user_id, primary_team_id, secondary_team_ids_json, is_super_admin
    from {{ ref('stg_hubspot__users') }}

),

teams as (

    select team_id, user_ids_json, secondary_user_ids_json
    from {{ ref('stg_hubspot__teams') }}

),

-- Membership from the lists of ids (JSON arrays of id strings), matched as quoted ids.
memberships as (

    select distinct users.user_id, teams.team_id
    from users
    cross join teams
    where users.primary_team_id = teams.team_id
        or {{ dbt.position("'\"' || teams.team_id || '\"'", "coalesce(users.secondary_team_ids_json, '')") }} > 0
        or {{ dbt.position("'\"' || users.user_id || '\"'", "coalesce(teams.user_ids_json, '')") }} > 0
        or {{ dbt.position("'\"' || users.user_id || '\"'", "coalesce(teams.secondary_user_ids_json, '')") }} > 0

),

accounts as (

    select network, ad_account_id
    from {{ ref('dim_ad_accounts') }}

),

reasons as (

    select network, ad_account_id, principal_type, principal_id, 1 as strength
    from grants

    union all

    select grants.network, grants.ad_account_id, 'user' as principal_type,
        memberships.user_id as principal_id, 2 as strength
    from grants
    inner join memberships
        on grants.principal_type = 'team'
        and grants.principal_id = memberships.team_id

    union all

    select accounts.network, accounts.ad_account_id, 'user' as principal_type,
        users.user_id as principal_id, 3 as strength
    from accounts
    cross join users
    where users.is_super_admin

)

select
    network,
    ad_account_id,
    principal_type,
    principal_id,
    case min(strength)
        when 1 then 'direct'
        when 2 then 'team'
        else 'super_admin'
    end as access_via
from reasons
group by network, ad_account_id, principal_type, principal_id
