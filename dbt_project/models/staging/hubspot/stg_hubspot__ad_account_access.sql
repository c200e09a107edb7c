with source as (

    select * from {{ source('raw_hubspot', 'ad_account_access') }}

),

renamed as (

    select
        -- ids (plain network account ids, as in the ad networks' staging models)
        account_id as ad_account_id,
        principal_id,

        -- strings
        network,
        principal_type,
        config_version

    from source

)

select * from renamed
