with source as (

    select * from {{ source('raw_facebook_ads', 'ad_insights') }}

),

renamed as (

    select
        -- ids
        account_id as ad_account_id,
        campaign_id,
        adset_id as ad_group_id,
        ad_id,

        -- numerics (strings in the API; spend in currency units)
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(inline_link_clicks as bigint) as link_clicks,
        cast(spend as decimal(18, 6)) as spend,
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
