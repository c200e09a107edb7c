with source as (

    select * from {{ source('raw_facebook_ads', 'ads') }}

),

renamed as (

    select
        -- ids
        id as ad_id,
        adset_id as ad_group_id,
        campaign_id,
        account_id as ad_account_id,
        creative__id as creative_id,

        -- strings
        name as ad_name,
        creative__name as creative_name,
        creative__link_url as link_url,
        creative__object_url as object_url,
        creative__url_tags as url_tags,
        effective_status as raw_status,
        configured_status,
        {{ normalise_status('facebook', 'effective_status') }} as status,

        -- HubSpot's tracking parameters (hsa_*) on the creative's URL tags or link
        coalesce(
            {{ dbt.position("'hsa_'", 'creative__url_tags') }} > 0
            or {{ dbt.position("'hsa_'", 'creative__link_url') }} > 0,
            false
        ) as is_tracked,

        -- timestamps (Graph sends ISO 8601 with an offset)
        cast(created_time as {{ type_instant() }}) as created_at,
        cast(updated_time as {{ type_instant() }}) as updated_at

    from source

)

select * from renamed
