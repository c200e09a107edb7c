{#-
    One row per session: the touchpoints attribution works on (published as fct_ad_touchpoints).
    `channel` is the session's traffic source (int_sessions). A session is an ad interaction when its HubSpot tracking resolves to
    a known ad; when the ad id is absent or unknown but the campaign is known it resolves to the
    campaign (`resolved_to` says which), with the ad group and ad left null. The account,
    campaign and ad group then come from the ad network's own hierarchy, not from the URL. A
    Google keyword is kept when it is a keyword of the ad's ad group. A view: the sessions
    table is already built, and the joins to the (small) hierarchy are cheap to repeat.
-#}
with sessions as (

    select * from {{ ref('int_sessions') }}

),

ads as (

    select network, ad_account_id, campaign_id, ad_group_id, ad_id
    from {{ ref('int_ads_unioned') }}

),

campaigns as (

    select network, ad_account_id, campaign_id
    from {{ ref('int_campaigns_unioned') }}

),

keywords as (

    select ad_group_id, keyword_id
    from {{ ref('stg_google_ads__keywords') }}

),

resolved as (

    select
        sessions.session_id,
        sessions.contact_id,
        sessions.started_at,
        sessions.session_date,
        sessions.channel,
        sessions.network,
        {{ resolved_ad_columns() }},
        ads.ad_group_id,
        ads.ad_id,
        keywords.keyword_id,
        sessions.gclid,
        sessions.fbclid,
        sessions.li_fat_id,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        sessions.landing_page,
        sessions.referrer_host
    from sessions
    left join ads
        on sessions.network = ads.network
        and sessions.ad_id = ads.ad_id
    left join campaigns
        on ads.ad_id is null
        and sessions.network = campaigns.network
        and sessions.campaign_id = campaigns.campaign_id
    left join keywords
        on ads.ad_group_id = keywords.ad_group_id
        and sessions.keyword_id = keywords.keyword_id

)

select
    session_id,
    contact_id,
    started_at,
    session_date,
    channel,
    resolved_to is not null as is_ad_interaction,
    resolved_to,
    network,
    ad_account_id,
    campaign_id,
    ad_group_id,
    ad_id,
    keyword_id,
    gclid,
    fbclid,
    li_fat_id,
    utm_source,
    utm_medium,
    utm_campaign,
    landing_page,
    referrer_host
from resolved
