with source as (

    select * from {{ source('raw_facebook_ads', 'ad_insights') }}

),

renamed as (

    select
        -- ids (account, ad and day are the raw table's key; the load refuses a row without one)
        account_id as ad_account_id,
        {{ required('campaign_id', 'raw_facebook_ads.ad_insights') }} as campaign_id,
        {{ required('adset_id', 'raw_facebook_ads.ad_insights') }} as ad_group_id,
        ad_id,

        -- numerics (strings in the API; spend in currency units). A row exists only for an
        -- ad-day that delivered; a count it leaves out is none (the load fails when a whole
        -- response lacks spend).
        cast(coalesce(impressions, '0') as bigint) as impressions,
        cast(coalesce(clicks, '0') as bigint) as clicks,
        cast(coalesce(inline_link_clicks, '0') as bigint) as link_clicks,
        cast(coalesce(spend, '0') as decimal(18, 6)) as spend,
        actions as actions_json,
        -- actions by type (Graph leaves an action out when there was none)
        cast({{ facebook_action('actions', 'post_engagement') }} as bigint) as engagements,
        cast({{ facebook_action('actions', 'like') }} as bigint) as likes,
        {{ facebook_action('actions', 'lead') }} as network_conversions,

        -- dates (the account's time zone)
        cast(date_start as date) as date_day,
        -- the dlt load that last wrote the row (drives the incremental marts)
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
