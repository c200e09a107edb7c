with source as (

    select * from {{ source('raw_linkedin_ads', 'ad_analytics_daily') }}

),

renamed as (

    select
        -- ids
        cast(account_id as {{ dbt.type_string() }}) as ad_account_id,
        {{ urn_id('creative_urn') }} as ad_id,
        creative_urn,

        -- numerics
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(cost_in_local_currency as decimal(18, 6)) as spend,
        cast(likes as bigint) as likes,
        cast(total_engagements as bigint) as engagements,
        cast(external_website_conversions as decimal(18, 4)) as network_conversions,
        cast(landing_page_clicks as bigint) as landing_page_clicks,

        -- dates (LinkedIn days are UTC)
        cast({{ adapter.quote('date') }} as date) as date_day,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
