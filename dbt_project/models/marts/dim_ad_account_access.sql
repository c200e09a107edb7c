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

    select user_id, is_super_admin
    from {{ ref('dim_users') }}

),

memberships as (

    select user_id, team_id
    from {{ ref('dim_team_members') }}

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
