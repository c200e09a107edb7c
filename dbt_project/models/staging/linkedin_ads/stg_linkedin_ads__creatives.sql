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
        content__text_ad__landing_page as landing_page_url,
        content__reference as content_reference,
        intended_status as raw_status,
        {{ normalise_status('linkedin', 'intended_status') }} as status,
        -- HubSpot's tracking parameters (hsa_*) on a text ad's landing page; sponsored content
        -- points at a post, whose destination the creative does not show
        coalesce({{ dbt.position("'hsa_'", 'content__text_ad__landing_page') }} > 0, false)
            as is_tracked

    from source

)

select * from renamed
