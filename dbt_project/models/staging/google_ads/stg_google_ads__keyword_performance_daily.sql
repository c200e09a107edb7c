with source as (

    select * from {{ source('raw_google_ads', 'keyword_performance_daily') }}

),

renamed as (

    select
        -- ids
        ad_group_criterion__criterion_id as keyword_id,
        ad_group__id as ad_group_id,
        campaign__id as campaign_id,
        customer__id as ad_account_id,

        -- numerics (int64 arrive as strings; cost in micros of the account currency)
        cast(metrics__impressions as bigint) as impressions,
        cast(metrics__clicks as bigint) as clicks,
        {{ micros_to_currency('metrics__cost_micros') }} as spend,
        cast(metrics__conversions as decimal(18, 4)) as network_conversions,
        cast(metrics__interactions as bigint) as interactions,
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
