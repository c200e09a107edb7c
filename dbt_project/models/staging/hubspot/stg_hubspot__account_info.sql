with source as (

    select * from {{ source('raw_hubspot', 'account_info') }}

),

renamed as (

    select
        -- ids
        cast(portal_id as {{ dbt.type_string() }}) as portal_id,

        -- strings
        account_type,
        {{ required('time_zone', 'raw_hubspot.account_info', 'timeZone') }} as time_zone,
        -- account info names the company currency (the load falls back to the settings API's)
        {{ required('company_currency', 'raw_hubspot.account_info', 'companyCurrency') }}
            as company_currency_code,
        currency_settings__currency_name as company_currency_name,
        additional_currencies as additional_currencies_json,
        utc_offset,
        ui_domain,
        data_hosting_location,

        -- numerics
        cast(utc_offset_milliseconds as bigint) as utc_offset_milliseconds,

        -- the dlt load that last wrote the row (the newest is the portal's current settings)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
