with source as (

    select * from {{ source('raw_google_ads', 'ad_performance_daily') }}

),

renamed as (

    select
        -- ids
        customer__id as ad_account_id,
        campaign__id as campaign_id,
        ad_group__id as ad_group_id,
        ad_group_ad__ad__id as ad_id,

        -- numerics (int64 arrive as strings; cost in micros of the account currency)
        cast(metrics__impressions as bigint) as impressions,
        cast(metrics__clicks as bigint) as clicks,
        {{ micros_to_currency("metrics__cost_micros") }} as spend,
        cast(metrics__conversions as decimal(18, 4)) as network_conversions,
        cast(metrics__interactions as bigint) as interactions,

        -- dates (the customer's time zone)
        cast(segments__date as date) as date_day,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
