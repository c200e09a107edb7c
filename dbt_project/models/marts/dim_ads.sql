{#- One row per network + ad (Facebook ad, Google ad group ad, LinkedIn creative), with its parents' names. -#}
select
    ads.network,
    ads.ad_account_id,
    ads.campaign_id,
    campaigns.campaign_name,
    ads.ad_group_id,
    ad_groups.ad_group_name,
    ads.ad_id,
    ads.ad_name,
    ads.status,
    ads.raw_status,
    ads.is_tracked
from {{ ref('int_ads_unioned') }} as ads
left join {{ ref('int_ad_groups_unioned') }} as ad_groups
    on ads.network = ad_groups.network
    and ads.ad_group_id = ad_groups.ad_group_id
left join {{ ref('int_campaigns_unioned') }} as campaigns
    on ads.network = campaigns.network
    and ads.campaign_id = campaigns.campaign_id
