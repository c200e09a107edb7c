with source as (

    select * from {{ source('raw_linkedin_ads', 'ad_accounts') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as ad_account_id,
        coalesce(name, cast(id as {{ dbt.type_string() }})) as ad_account_name,
        {{ required('currency', 'raw_linkedin_ads.ad_accounts') }} as currency_code,
        -- LinkedIn ad accounts carry no time zone: their reporting days are UTC.
        'UTC' as time_zone,
        status as raw_status

    from source

)

select * from renamed
