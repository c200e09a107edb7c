{#- One row per network + ad group (Facebook ad set, Google ad group, LinkedIn campaign), with its campaign's name. -#}
select
    ad_groups.network,
    ad_groups.ad_account_id,
    ad_groups.campaign_id,
    campaigns.campaign_name,
    ad_groups.ad_group_id,
    ad_groups.ad_group_name,
    ad_groups.status,
    ad_groups.raw_status,
    ad_groups.is_tracked
from {{ ref('int_ad_groups_unioned') }} as ad_groups
left join {{ ref('int_campaigns_unioned') }} as campaigns
    on ad_groups.network = campaigns.network
    and ad_groups.campaign_id = campaigns.campaign_id
