with source as (

    select * from {{ source('raw_google_ads', 'ad_performance_daily') }}

),

renamed as (

    select
        -- ids
        customer__id as ad_account_id,
        {{ required('campaign__id', 'raw_google_ads.ad_performance_daily') }} as campaign_id,
        ad_group__id as ad_group_id,
        ad_group_ad__ad__id as ad_id,

        -- numerics (int64 arrive as strings; cost in micros of the account currency)
        -- Google leaves a metric out of a row when it has none; a response without cost at
        -- all fails the load
        cast(coalesce(metrics__impressions, '0') as bigint) as impressions,
        cast(coalesce(metrics__clicks, '0') as bigint) as clicks,
        {{ micros_to_currency("coalesce(metrics__cost_micros, '0')") }} as spend,
        cast(coalesce(metrics__conversions, 0) as decimal(18, 4)) as network_conversions,
        cast(coalesce(metrics__interactions, '0') as bigint) as interactions,

        -- dates (the customer's time zone)
        cast(segments__date as date) as date_day,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
