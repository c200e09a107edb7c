with source as (

    select * from {{ source('raw_google_ads', 'campaigns') }}

),

renamed as (

    select
        -- ids
        campaign__id as campaign_id,
        {{ required('customer__id', 'raw_google_ads.campaigns') }} as ad_account_id,
        campaign__resource_name as campaign_resource_name,

        -- strings
        coalesce(campaign__name, campaign__id) as campaign_name,
        campaign__advertising_channel_type as campaign_type,
        campaign__status as raw_status,
        {{ normalise_status('google', 'campaign__status') }} as status,
        campaign__tracking_url_template as tracking_url_template,
        campaign__final_url_suffix as final_url_suffix,

        -- HubSpot's tracking parameters (hsa_*) in the campaign's suffix or template; ads
        -- inherit them, and may also carry their own (stg_google_ads__ads).
        coalesce(
            {{ dbt.position("'hsa_'", 'campaign__final_url_suffix') }} > 0
            or {{ dbt.position("'hsa_'", 'campaign__tracking_url_template') }} > 0,
            false
        ) as is_tracked

    from source

)

select * from renamed
