with source as (

    select * from {{ source('raw_hubspot', 'exchange_rates') }}

),

renamed as (

    select
        -- ids
        id as exchange_rate_id,

        -- strings
        {{ required('from_currency_code', 'raw_hubspot.exchange_rates', 'fromCurrencyCode') }} as from_currency_code,
        {{ required('to_currency_code', 'raw_hubspot.exchange_rates', 'toCurrencyCode') }} as to_currency_code,
        visible_in_ui as is_visible_in_ui,

        -- numerics: one unit of from_currency_code in to_currency_code
        cast({{ required('conversion_rate', 'raw_hubspot.exchange_rates', 'conversionRate') }} as decimal(18, 8)) as conversion_rate,

        -- timestamps (HubSpot sends ISO 8601 in UTC)
        cast(effective_at as {{ type_instant() }}) as effective_at,
        -- the UTC calendar day, read off the text so no session time zone can shift it
        cast(substring({{ required('effective_at', 'raw_hubspot.exchange_rates', 'effectiveAt') }}, 1, 10) as date) as effective_date,
        cast(created_at as {{ type_instant() }}) as created_at,
        cast(updated_at as {{ type_instant() }}) as updated_at,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
