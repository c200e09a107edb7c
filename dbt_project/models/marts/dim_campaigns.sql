{#- One row per network + campaign (Facebook campaign, Google campaign, LinkedIn campaign group). -#}
select
    network,
    ad_account_id,
    campaign_id,
    campaign_name,
    campaign_type,
    status,
    raw_status,
    is_tracked
from {{ ref('int_campaigns_unioned') }}
