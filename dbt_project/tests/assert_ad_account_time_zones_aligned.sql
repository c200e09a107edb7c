{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'dim_ad_accounts'}}}) }}
{#-
    Warns for every ad account whose reporting time zone differs from the portal's, with the
    spend (company currency) it carries: its days and the CRM's days are different windows, so
    day-level joins of spend and contacts are off by the zones' difference (HubSpot's advice is
    to match them).
-#}
select
    accounts.network,
    accounts.ad_account_id,
    accounts.ad_account_name,
    accounts.time_zone,
    '{{ portal_time_zone() }}' as portal_time_zone,
    sum(performance.spend_company_currency) as spend_company_currency
from {{ ref('dim_ad_accounts') }} as accounts
left join {{ ref('fct_ad_performance_daily') }} as performance
    on accounts.network = performance.network
    and accounts.ad_account_id = performance.ad_account_id
where not accounts.is_time_zone_aligned
group by accounts.network, accounts.ad_account_id, accounts.ad_account_name, accounts.time_zone
