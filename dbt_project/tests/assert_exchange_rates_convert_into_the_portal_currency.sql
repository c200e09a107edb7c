{#-
    Warns about exchange rates into another currency than the portal's company currency (rates
    entered before the company currency was changed in HubSpot): they are not used. The company
    currency and the portal's time zone themselves come from the portal's account info
    (macros/portal_settings.sql), so they cannot disagree with it.
-#}
{{ config(severity='warn') }}

select
    exchange_rate_id,
    from_currency_code,
    to_currency_code,
    '{{ portal_company_currency() }}' as portal_company_currency
from {{ ref('stg_hubspot__exchange_rates') }}
where to_currency_code <> '{{ portal_company_currency() }}'
