with source as (

    select * from {{ source('raw_google_ads', 'customers') }}

),

renamed as (

    select
        customer__id as ad_account_id,
        -- a customer's descriptive name is optional: the id stands in
        coalesce(customer__descriptive_name, customer__id) as ad_account_name,
        {{ required('customer__currency_code', 'raw_google_ads.customers') }} as currency_code,
        {{ required('customer__time_zone', 'raw_google_ads.customers') }} as time_zone

    from source

)

select * from renamed
