with source as (

    select * from {{ source('raw_linkedin_ads', 'creatives') }}

),

homes as (

    select
        source.*,
        -- the landing page lives in the content variant of the ad's type (a text ad's, a
        -- spotlight ad's); sponsored content references a post and shows none
        coalesce(
            content__text_ad__landing_page,
            content__spotlight__landing_page
        ) as landing_page_url

    from source

),

renamed as (

    select
        -- ids (URNs in the API; plain ids here, URN kept)
        {{ urn_id('id') }} as ad_id,
        id as creative_urn,
        {{ urn_id(required('campaign', 'raw_linkedin_ads.creatives')) }} as ad_group_id,
        {{ urn_id(required('account', 'raw_linkedin_ads.creatives')) }} as ad_account_id,

        -- strings: `name` exists from API version 202410 on; before it, the headline of a
        -- text or spotlight ad, else the id, stands in
        coalesce(
            name,
            content__text_ad__headline,
            content__spotlight__headline,
            {{ dbt.concat(["'Creative '", urn_id('id')]) }}
        ) as ad_name,
        landing_page_url,
        content__reference as content_reference,
        -- a lead form (LEAD_GENERATION campaigns), not a web page
        leadgen_call_to_action__destination as lead_form_urn,
        intended_status as raw_status,
        {{ normalise_status('linkedin', 'intended_status') }} as status,
        -- HubSpot's tracking parameters (hsa_*) on the landing page; sponsored content points
        -- at a post, whose destination the creative does not show
        coalesce({{ dbt.position("'hsa_'", 'landing_page_url') }} > 0, false) as is_tracked

    from homes

)

select * from renamed
