with source as (

    select * from {{ source('raw_linkedin_ads', 'ad_analytics_daily') }}

),

renamed as (

    select
        -- ids
        cast(account_id as {{ dbt.type_string() }}) as ad_account_id,
        {{ urn_id('creative_urn') }} as ad_id,
        creative_urn,

        -- numerics: an element exists only for a creative-day with activity; a metric it
        -- leaves out is none (a response without cost at all fails the load)
        cast(coalesce(impressions, 0) as bigint) as impressions,
        cast(coalesce(clicks, 0) as bigint) as clicks,
        cast(coalesce(cost_in_local_currency, '0') as decimal(18, 6)) as spend,
        cast(coalesce(likes, 0) as bigint) as likes,
        cast(coalesce(total_engagements, 0) as bigint) as engagements,
        cast(coalesce(external_website_conversions, 0) as decimal(18, 4)) as network_conversions,
        cast(coalesce(landing_page_clicks, 0) as bigint) as landing_page_clicks,

        -- dates (LinkedIn days are UTC)
        cast({{ adapter.quote('date') }} as date) as date_day,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
