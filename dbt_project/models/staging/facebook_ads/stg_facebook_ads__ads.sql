with source as (

    select * from {{ source('raw_facebook_ads', 'ads') }}

),

homes as (

    select
        source.*,
        -- A creative keeps its destination in one of several places by the ad's type, or
        -- nowhere (an ad of an existing page post). The most specific first: a link or
        -- carousel ad's link, a video ad's call to action, a catalog ad's template link, a
        -- dynamic creative's first website URL, a link not tied to a page; `link_url` (a page
        -- tab, by Graph's reference) last.
        coalesce(
            creative__object_story_spec__link_data__link,
            creative__object_story_spec__video_data__call_to_action__value__link,
            creative__object_story_spec__template_data__link,
            {{ json_text('creative__asset_feed_spec__link_urls', '$[0].website_url') }},
            creative__object_url,
            creative__link_url
        ) as destination_url,
        -- HubSpot's tracking parameters are appended at click time from the creative's URL
        -- tags, or from a dynamic creative's per-link URL tags.
        coalesce(
            creative__url_tags,
            {{ json_text('creative__asset_feed_spec__link_urls', '$[0].url_tags') }}
        ) as url_tags

    from source

),

renamed as (

    select
        -- ids
        id as ad_id,
        {{ required('adset_id', 'raw_facebook_ads.ads') }} as ad_group_id,
        {{ required('campaign_id', 'raw_facebook_ads.ads') }} as campaign_id,
        {{ required('account_id', 'raw_facebook_ads.ads') }} as ad_account_id,
        creative__id as creative_id,

        -- strings
        coalesce(name, id) as ad_name,
        creative__name as creative_name,
        destination_url,
        creative__link_url as link_url,
        creative__object_url as object_url,
        url_tags,
        effective_status as raw_status,
        -- left out by some API versions; the configured status is the raw `status`
        coalesce(configured_status, status) as configured_status,
        {{ normalise_status('facebook', 'effective_status') }} as status,

        -- HubSpot's tracking parameters (hsa_*) in the URL tags or the destination
        coalesce(
            {{ dbt.position("'hsa_'", 'url_tags') }} > 0
            or {{ dbt.position("'hsa_'", 'destination_url') }} > 0,
            false
        ) as is_tracked,

        -- timestamps (Graph sends ISO 8601 with an offset)
        cast(created_time as {{ type_instant() }}) as created_at,
        cast(updated_time as {{ type_instant() }}) as updated_at

    from homes

)

select * from renamed
