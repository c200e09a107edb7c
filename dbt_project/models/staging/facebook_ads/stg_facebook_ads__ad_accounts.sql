with source as (

    select * from {{ source('raw_facebook_ads', 'ad_accounts') }}

),

renamed as (

    select
        account_id as ad_account_id,
        id as raw_ad_account_id,
        name as ad_account_name,
        currency as currency_code,
        timezone_name as time_zone,
        cast(account_status as {{ dbt.type_string() }}) as raw_status

    from source

)

select * from renamed
