{#- One row per HubSpot user: who may own a goal, see ad accounts, sign in to the dashboard. -#}
select
    user_id,
    email,
    primary_team_id,
    coalesce(is_super_admin, false) as is_super_admin
from {{ ref('stg_hubspot__users') }}
