{#-
    One row: the HubSpot portal the marts were built for, with the company currency every
    `*_company_currency` column is in and the time zone CRM days are counted in, and where each
    came from (`portal`: HubSpot's account settings; `override`: ADS_ANALYTICS_COMPANY_CURRENCY
    / ADS_ANALYTICS_PORTAL_TIME_ZONE): the very values the other models were built with
    (macros/portal_settings.sql). Reports and dashboards label their numbers from it.
-#}
-- depends_on: {{ ref('stg_hubspot__account_info') }}
{%- set portal = portal_account_info(required=false) or {} %}

select
    cast({{ text_literal(portal.get('portal_id')) }} as {{ dbt.type_string() }}) as portal_id,
    cast('{{ company_currency() }}' as {{ dbt.type_string() }}) as company_currency_code,
    cast('{{ portal_setting_source("company_currency") }}' as {{ dbt.type_string() }})
        as company_currency_source,
    cast({{ text_literal(portal.get('company_currency')) }} as {{ dbt.type_string() }})
        as portal_company_currency_code,
    cast('{{ portal_time_zone() }}' as {{ dbt.type_string() }}) as time_zone,
    cast('{{ portal_setting_source("portal_time_zone") }}' as {{ dbt.type_string() }})
        as time_zone_source,
    cast({{ text_literal(portal.get('portal_time_zone')) }} as {{ dbt.type_string() }})
        as portal_time_zone
