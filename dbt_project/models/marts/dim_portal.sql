{#-
    One row: the HubSpot portal the marts were built for, with the company currency every
    `*_company_currency` column is in and the time zone CRM days are counted in, and where each
    came from (`portal`: HubSpot's account settings; `override`: ADS_ANALYTICS_COMPANY_CURRENCY
    / ADS_ANALYTICS_PORTAL_TIME_ZONE). Reports and dashboards label their numbers from it.
-#}
with portal as (

    select
        portal_id,
        company_currency_code,
        time_zone,
        row_number() over (order by dlt_load_id desc nulls last) as newest_first
    from {{ ref('stg_hubspot__account_info') }}

),

settings as (

    select 1 as one

)

select
    portal.portal_id,
    cast('{{ company_currency() }}' as {{ dbt.type_string() }}) as company_currency_code,
    cast('{{ portal_setting_source("company_currency") }}' as {{ dbt.type_string() }})
        as company_currency_source,
    portal.company_currency_code as portal_company_currency_code,
    cast('{{ portal_time_zone() }}' as {{ dbt.type_string() }}) as time_zone,
    cast('{{ portal_setting_source("portal_time_zone") }}' as {{ dbt.type_string() }})
        as time_zone_source,
    portal.time_zone as portal_time_zone
from settings
left join portal
    on portal.newest_first = 1
