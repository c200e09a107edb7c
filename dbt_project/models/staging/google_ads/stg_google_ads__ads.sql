with source as (

    select * from {{ source('raw_google_ads', 'ads') }}

),

renamed as (

    select
        -- ids: an ad group ad is one ad in one ad group
        ad_group_ad__ad__id as ad_id,
        ad_group__id as ad_group_id,
        {{ required('campaign__id', 'raw_google_ads.ads') }} as campaign_id,
        {{ required('customer__id', 'raw_google_ads.ads') }} as ad_account_id,
        ad_group_ad__resource_name as ad_group_ad_resource_name,

        -- strings
        -- Google names only some ad types (image, video, display upload ...); a responsive
        -- search ad has none: its type and id stand in
        coalesce(
            ad_group_ad__ad__name,
            {{ dbt.concat(["coalesce(ad_group_ad__ad__type, 'AD')", "' '", 'ad_group_ad__ad__id']) }}
        ) as ad_name,
        ad_group_ad__ad__type as ad_type,
        ad_group_ad__ad__final_urls as final_urls_json,
        ad_group_ad__ad__tracking_url_template as tracking_url_template,
        ad_group_ad__ad__final_url_suffix as final_url_suffix,
        ad_group_ad__status as raw_status,
        {{ normalise_status('google', 'ad_group_ad__status') }} as status,

        -- HubSpot's tracking parameters (hsa_*) at ad level only: an ad without them may
        -- still be tracked through its campaign (stg_google_ads__campaigns.is_tracked).
        coalesce(
            {{ dbt.position("'hsa_'", 'ad_group_ad__ad__final_url_suffix') }} > 0
            or {{ dbt.position("'hsa_'", 'ad_group_ad__ad__tracking_url_template') }} > 0,
            false
        ) as is_tracked

    from source

)

select * from renamed
