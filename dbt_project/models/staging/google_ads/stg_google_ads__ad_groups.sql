with source as (

    select * from {{ source('raw_google_ads', 'ad_groups') }}

),

renamed as (

    select
        -- ids
        ad_group__id as ad_group_id,
        {{ required('campaign__id', 'raw_google_ads.ad_groups') }} as campaign_id,
        {{ required('customer__id', 'raw_google_ads.ad_groups') }} as ad_account_id,
        ad_group__resource_name as ad_group_resource_name,

        -- strings
        coalesce(ad_group__name, ad_group__id) as ad_group_name,
        ad_group__type as ad_group_type,
        ad_group__status as raw_status,
        {{ normalise_status('google', 'ad_group__status') }} as status

    from source

)

select * from renamed
