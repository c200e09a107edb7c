{#- One row per HubSpot team: who may own a goal or see ad accounts, for its members. -#}
select
    team_id,
    team_name
from {{ ref('stg_hubspot__teams') }}
