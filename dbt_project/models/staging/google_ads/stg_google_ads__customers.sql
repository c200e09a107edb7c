with source as (

    select * from {{ source('raw_google_ads', 'customers') }}

),

renamed as (

    select
        customer__id as ad_account_id,
        customer__descriptive_name as ad_account_name,
        customer__currency_code as currency_code,
        customer__time_zone as time_zone

    from source

)

select * from renamed
