{#-
    One row per Google keyword (a criterion id is unique within its ad group, so the key is
    ad_group_id + keyword_id). Bids and position estimates are in the customer's currency.
    Tracked when its ad group is (HubSpot's parameters name the keyword through `hsa_tgt`).
-#}
select
    'google' as network,
    keywords.ad_account_id,
    keywords.campaign_id,
    ad_groups.campaign_name,
    keywords.ad_group_id,
    ad_groups.ad_group_name,
    keywords.keyword_id,
    keywords.keyword_text,
    keywords.match_type,
    keywords.status,
    keywords.raw_status,
    coalesce(keywords.effective_cpc_bid, keywords.cpc_bid) as max_cpc,
    keywords.first_page_cpc,
    keywords.top_of_page_cpc,
    coalesce(ad_groups.is_tracked, false) as is_tracked
from {{ ref('stg_google_ads__keywords') }} as keywords
left join {{ ref('dim_ad_groups') }} as ad_groups
    on ad_groups.network = 'google'
    and keywords.ad_group_id = ad_groups.ad_group_id
