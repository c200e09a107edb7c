with source as (

    select * from {{ source('raw_hubspot', 'account_info') }}

),

renamed as (

    select
        -- ids
        cast(portal_id as {{ dbt.type_string() }}) as portal_id,

        -- strings
        account_type,
        time_zone,
        company_currency as company_currency_code,
        currency_settings__currency_name as company_currency_name,
        additional_currencies as additional_currencies_json,
        utc_offset,
        ui_domain,
        data_hosting_location,

        -- numerics
        cast(utc_offset_milliseconds as bigint) as utc_offset_milliseconds

    from source

)

select * from renamed
