{#-
    One row per network + lead: the lead-ad leads of Facebook (Lead Ads) and LinkedIn (Lead Gen
    Forms) in one shape, placed in the common hierarchy. A parent the lead does not name is
    taken from its ad: Facebook leads may leave out their ad set and campaign; a LinkedIn lead
    names its LinkedIn campaign (our ad group) and, when LinkedIn sends it, its creative (our
    ad), never the campaign group (our campaign).
-#}
with facebook_ads as (

    select ad_id, ad_group_id, campaign_id
    from {{ ref('stg_facebook_ads__ads') }}

),

facebook as (

    select
        leads.network,
        leads.lead_id,
        leads.ad_account_id,
        coalesce(leads.campaign_id, facebook_ads.campaign_id) as campaign_id,
        coalesce(leads.ad_group_id, facebook_ads.ad_group_id) as ad_group_id,
        leads.ad_id,
        leads.form_id,
        leads.submitted_at,
        leads.email
    from {{ ref('stg_facebook_ads__leads') }} as leads
    left join facebook_ads
        on leads.ad_id = facebook_ads.ad_id

),

linkedin_creatives as (

    select ad_id, ad_group_id
    from {{ ref('stg_linkedin_ads__creatives') }}

),

linkedin_leads as (

    select
        leads.network,
        leads.lead_id,
        leads.ad_account_id,
        coalesce(leads.ad_group_id, linkedin_creatives.ad_group_id) as ad_group_id,
        leads.ad_id,
        leads.form_id,
        leads.submitted_at,
        leads.email
    from {{ ref('stg_linkedin_ads__lead_form_responses') }} as leads
    left join linkedin_creatives
        on leads.ad_id = linkedin_creatives.ad_id

),

linkedin as (

    select
        linkedin_leads.network,
        linkedin_leads.lead_id,
        linkedin_leads.ad_account_id,
        campaigns.campaign_id,
        linkedin_leads.ad_group_id,
        linkedin_leads.ad_id,
        linkedin_leads.form_id,
        linkedin_leads.submitted_at,
        linkedin_leads.email
    from linkedin_leads
    left join {{ ref('stg_linkedin_ads__campaigns') }} as campaigns
        on linkedin_leads.ad_group_id = campaigns.ad_group_id

)

select
    network, lead_id, ad_account_id, campaign_id, ad_group_id, ad_id, form_id, submitted_at,
    email
from facebook

union all

select
    network, lead_id, ad_account_id, campaign_id, ad_group_id, ad_id, form_id, submitted_at,
    email
from linkedin
