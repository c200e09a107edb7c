with source as (

    select * from {{ source('raw_google_ads', 'keywords') }}

),

renamed as (

    select
        -- ids: a criterion id is unique only within its ad group
        ad_group_criterion__criterion_id as keyword_id,
        ad_group__id as ad_group_id,
        {{ required('campaign__id', 'raw_google_ads.keywords') }} as campaign_id,
        {{ required('customer__id', 'raw_google_ads.keywords') }} as ad_account_id,
        ad_group_criterion__resource_name as ad_group_criterion_resource_name,

        -- strings
        ad_group_criterion__keyword__text as keyword_text,
        ad_group_criterion__keyword__match_type as match_type,
        ad_group_criterion__status as raw_status,
        {{ normalise_status('google', 'ad_group_criterion__status') }} as status,

        -- numerics (bids and estimates in micros of the account currency). A keyword without
        -- its own bid uses its ad group's (`effective_cpc_bid`); Google leaves out position
        -- estimates it does not have.
        {{ micros_to_currency('ad_group_criterion__cpc_bid_micros') }} as cpc_bid,
        {{ micros_to_currency('ad_group_criterion__effective_cpc_bid_micros') }} as effective_cpc_bid,
        {{ micros_to_currency('ad_group_criterion__position_estimates__first_page_cpc_micros') }} as first_page_cpc,
        {{ micros_to_currency('ad_group_criterion__position_estimates__top_of_page_cpc_micros') }} as top_of_page_cpc,
        {{ micros_to_currency('ad_group_criterion__position_estimates__first_position_cpc_micros') }} as first_position_cpc

    from source

)

select * from renamed
