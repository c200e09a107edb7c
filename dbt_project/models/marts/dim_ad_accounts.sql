{#-
    One row per network + ad account. `is_time_zone_aligned`: the account reports its days in the
    portal's time zone (HubSpot advises matching them; a misaligned account's days and the
    portal's CRM days are different 24-hour windows).
-#}
with accounts as (

    select * from {{ ref('int_ad_accounts_unioned') }}

)

select
    network,
    ad_account_id,
    ad_account_name,
    currency_code,
    time_zone,
    coalesce(time_zone = '{{ portal_time_zone() }}', false) as is_time_zone_aligned
from accounts
