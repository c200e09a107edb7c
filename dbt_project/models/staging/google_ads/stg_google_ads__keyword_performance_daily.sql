with source as (

    select * from {{ source('raw_google_ads', 'keyword_performance_daily') }}

),

renamed as (

    select
        -- ids
        ad_group_criterion__criterion_id as keyword_id,
        ad_group__id as ad_group_id,
        {{ required('campaign__id', 'raw_google_ads.keyword_performance_daily') }} as campaign_id,
        {{ required('customer__id', 'raw_google_ads.keyword_performance_daily') }} as ad_account_id,

        -- numerics (int64 arrive as strings; cost in micros of the account currency)
        -- Google leaves a metric out of a row when it has none; a response without cost at
        -- all fails the load
        cast(coalesce(metrics__impressions, '0') as bigint) as impressions,
        cast(coalesce(metrics__clicks, '0') as bigint) as clicks,
        {{ micros_to_currency("coalesce(metrics__cost_micros, '0')") }} as spend,
        cast(coalesce(metrics__conversions, 0) as decimal(18, 4)) as network_conversions,
        cast(coalesce(metrics__interactions, '0') as bigint) as interactions,
        -- shares are fractions (0-1); Google reports "under 10%" as 0.0999
        cast(metrics__search_top_impression_share as decimal(9, 6)) as search_top_impression_share,
        cast(metrics__search_absolute_top_impression_share as decimal(9, 6)) as search_absolute_top_impression_share,

        -- dates (the customer's time zone)
        cast(segments__date as date) as date_day,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
