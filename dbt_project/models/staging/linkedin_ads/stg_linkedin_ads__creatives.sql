with source as (

    select * from {{ source('raw_linkedin_ads', 'creatives') }}

),

renamed as (

    select
        -- ids (URNs in the API; plain ids here, URN kept)
        {{ urn_id('id') }} as ad_id,
        id as creative_urn,
        {{ urn_id('campaign') }} as ad_group_id,
        {{ urn_id('account') }} as ad_account_id,

        -- strings
        name as ad_name,
        intended_status as raw_status

    from source

)

select * from renamed
