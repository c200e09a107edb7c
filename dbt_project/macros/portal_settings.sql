{#-
    The portal's settings: the company currency every amount converts into, and the time zone
    CRM days are counted in. Both are HubSpot's account settings, read from the loaded account
    info (`raw_hubspot.account_info`, the newest load); the project vars `company_currency` and
    `portal_time_zone` (set from ADS_ANALYTICS_COMPANY_CURRENCY / ADS_ANALYTICS_PORTAL_TIME_ZONE
    in dbt_project.yml) override them, the one documented override.

    The values are read when a model runs (`execute`) and written into its SQL as literals; at
    parse time a placeholder stands in.
-#}
{% macro company_currency() -%}
    {{ return(portal_setting('company_currency')) }}
{%- endmacro %}

{% macro portal_time_zone() -%}
    {{ return(portal_setting('portal_time_zone')) }}
{%- endmacro %}

{#- The portal's own company currency, as HubSpot has it: its exchange rates convert into it,
    and a deal without a currency is in it. Without loaded account info, the company currency. -#}
{% macro portal_company_currency() -%}
    {%- set info = portal_account_info(required=false) -%}
    {{ return(info['company_currency'] if info else company_currency()) }}
{%- endmacro %}

{#- 'override' when the project var sets `name`, else 'portal'. -#}
{% macro portal_setting_source(name) -%}
    {{ return('override' if portal_override(name) else 'portal') }}
{%- endmacro %}

{#- The override of `name`, as everything outside dbt reads it too (core/portal.py):
    a currency trimmed and in capitals, a zone trimmed; none when not set. -#}
{% macro portal_override(name) -%}
    {%- set value = (var(name, none) or '') | string | trim -%}
    {%- if name == 'company_currency' -%}{%- set value = value | upper -%}{%- endif -%}
    {{ return(value or none) }}
{%- endmacro %}

{% macro portal_setting(name) -%}
    {%- set override = portal_override(name) -%}
    {%- if override -%}
        {%- if name == 'portal_time_zone' -%}{%- do check_time_zone(override) -%}{%- endif -%}
        {{ return(override) }}
    {%- endif -%}
    {{ return(portal_account_info()[name]) }}
{%- endmacro %}

{#- `value` as a SQL text literal, or null. -#}
{% macro text_literal(value) -%}
    {{ return('null' if value is none else "'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{#- {company_currency, portal_time_zone, portal_id} of the newest loaded account info; none
    when there is none and it is not `required`. -#}
{% macro portal_account_info(required=true) -%}
    {%- if not execute -%}
        {{ return({'company_currency': 'USD', 'portal_time_zone': 'UTC', 'portal_id': none}) }}
    {%- endif -%}
    {%- set source = (graph.get('sources') or {}).get(
            'source.ads_analytics.raw_hubspot.account_info') -%}
    {%- if source is none and not required -%}
        {{ return(none) }}
    {%- elif source is none -%}
        {#- a unit test sees no sources: it sets the `company_currency` and
            `portal_time_zone` vars instead -#}
        {{ exceptions.raise_compiler_error(
            "the portal's settings are read from raw_hubspot.account_info, which this context "
            ~ "does not see: set the company_currency and portal_time_zone vars") }}
    {%- endif -%}
    {%- set row = loaded_account_info(source) -%}
    {%- if (row is none or row[1] is none or row[2] is none) and not required -%}
        {{ return(none) }}
    {%- elif row is none or row[1] is none or row[2] is none -%}
        {{ exceptions.raise_compiler_error(
            "no HubSpot portal settings loaded (raw_hubspot.account_info has no time zone and "
            ~ "company currency): load HubSpot (its account info API names both), or set "
            ~ "ADS_ANALYTICS_COMPANY_CURRENCY and ADS_ANALYTICS_PORTAL_TIME_ZONE") }}
    {%- endif -%}
    {%- do check_time_zone(row[1]) -%}
    {{ return({'portal_id': row[0], 'portal_time_zone': row[1], 'company_currency': row[2]}) }}
{%- endmacro %}

{% macro check_time_zone(name) -%}
    {%- if name not in modules.pytz.all_timezones_set -%}
        {{ exceptions.raise_compiler_error(
            "portal time zone " ~ name ~ " is not an IANA time zone (check "
            ~ "ADS_ANALYTICS_PORTAL_TIME_ZONE, or the portal's time zone in HubSpot)") }}
    {%- endif -%}
{%- endmacro %}

{#- (portal id, time zone, company currency) of the newest account-info row, or none. Read once
    per dbt invocation: the value is kept in the run's graph, which every model's context
    shares (on Spark each query is a job of its own, and a build asks for it in many models). -#}
{% macro loaded_account_info(source) -%}
    {%- set key = 'ads_analytics_loaded_account_info' -%}
    {%- if key in graph -%}{{ return(graph[key]) }}{%- endif -%}
    {%- set relation = adapter.get_relation(source.database, source.schema, source.identifier) -%}
    {%- set row = none -%}
    {%- if relation is not none -%}
        {%- set found = run_query(
            "select cast(portal_id as " ~ dbt.type_string() ~ "), time_zone, "
            ~ "company_currency "
            ~ "from " ~ relation ~ " order by _dlt_load_id desc nulls last limit 1") -%}
        {%- if found.rows | length > 0 -%}{%- set row = found.rows[0] | list -%}{%- endif -%}
    {%- endif -%}
    {%- do graph.update({key: row}) -%}
    {{ return(row) }}
{%- endmacro %}
