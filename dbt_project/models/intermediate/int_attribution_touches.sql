{#-
    One row per touch attribution works on: every session (int_touchpoints_classified) and every
    lead-ad lead matched to its HubSpot contact. A lead (Facebook Lead Ads, LinkedIn Lead Gen
    Forms) is a conversion on its ad with no web session: a touch at its submission, credited to
    the ad whose form it came through (resolved like a session's tracking: the known ad, else
    its campaign). It is matched to a contact by email, as HubSpot's lead sync does; with
    several contacts on one address, the one created first. `touch_id` is the session id, or
    `lead:<network>:<lead id>` for a lead; `is_lead_form` tells them apart.
-#}
with lead_rows as (

    select *, lower(trim(email)) as email_key
    from {{ ref('int_leads_unioned') }}
    where email is not null

),

lead_addresses as (

    select distinct email_key
    from lead_rows

),

-- only the contacts at an address some lead has: ranking every contact's address is a window
-- over all contacts, and every model that reads the touches would pay for it
contacts as (

    select contact_id, email_key
    from (
        select
            contacts.contact_id,
            lead_addresses.email_key,
            row_number() over (
                partition by lead_addresses.email_key
                order by contacts.created_at asc nulls last, contacts.contact_id asc nulls last
            ) as address_rank
        from {{ ref('stg_hubspot__contacts') }} as contacts
        inner join lead_addresses
            on lower(trim(contacts.email)) = lead_addresses.email_key
    ) as ranked
    where address_rank = 1

),

leads as (

    select
        leads.network,
        leads.lead_id,
        contacts.contact_id,
        leads.submitted_at,
        leads.ad_id,
        leads.ad_group_id,
        leads.campaign_id
    from lead_rows as leads
    inner join contacts
        on leads.email_key = contacts.email_key
    where leads.submitted_at is not null

),

resolved_leads as (

    select
        'lead:' || leads.network || ':' || leads.lead_id as touch_id,
        leads.contact_id,
        leads.submitted_at as started_at,
        {{ local_date('leads.submitted_at', "'" ~ portal_time_zone() ~ "'") }} as session_date,
        'paid_social' as channel,
        coalesce(ads.ad_id, campaigns.campaign_id) is not null as is_ad_interaction,
        leads.network,
        {{ resolved_ad_columns() }},
        ads.ad_group_id,
        ads.ad_id,
        cast(null as {{ dbt.type_string() }}) as keyword_id,
        true as is_lead_form
    from leads
    left join {{ ref('int_ads_unioned') }} as ads
        on leads.network = ads.network
        and leads.ad_id = ads.ad_id
    left join {{ ref('int_campaigns_unioned') }} as campaigns
        on ads.ad_id is null
        and leads.network = campaigns.network
        and leads.campaign_id = campaigns.campaign_id

)

{#- the two kinds of touch in one column order -#}
{%- set touch_columns = ['contact_id', 'started_at', 'session_date', 'channel',
                         'is_ad_interaction', 'resolved_to', 'network', 'ad_account_id',
                         'campaign_id', 'ad_group_id', 'ad_id', 'keyword_id'] %}
select session_id as touch_id, {{ touch_columns | join(', ') }}, false as is_lead_form
from {{ ref('int_touchpoints_classified') }}

union all

select touch_id, {{ touch_columns | join(', ') }}, is_lead_form
from resolved_leads
