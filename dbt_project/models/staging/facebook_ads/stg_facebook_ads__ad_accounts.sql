with source as (

    select * from {{ source('raw_facebook_ads', 'ad_accounts') }}

),

renamed as (

    select
        {{ required('account_id', 'raw_facebook_ads.ad_accounts') }} as ad_account_id,
        id as raw_ad_account_id,
        coalesce(name, account_id) as ad_account_name,
        {{ required('currency', 'raw_facebook_ads.ad_accounts') }} as currency_code,
        {{ required('timezone_name', 'raw_facebook_ads.ad_accounts') }} as time_zone,
        cast(account_status as {{ dbt.type_string() }}) as raw_status

    from source

)

select * from renamed
