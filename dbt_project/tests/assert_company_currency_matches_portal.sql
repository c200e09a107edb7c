{#-
    Fails when the `company_currency` var is not the HubSpot portal's company currency: every
    company-currency amount would be in the wrong unit (HubSpot's exchange rates convert into the
    portal's currency). Set the var to the currency this returns.
-#}
select
    portal_id,
    company_currency_code as portal_company_currency,
    '{{ var("company_currency") }}' as configured_company_currency
from {{ ref('stg_hubspot__account_info') }}
where company_currency_code <> '{{ var("company_currency") }}'
