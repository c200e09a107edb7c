{#-
    One row per attribution_model + campaign + date_day: the additive parts of every §5 metric,
    so reports and BI tools can compute ratios over any range. Network metrics (impressions,
    clicks, spend, engagements, likes, network conversions) are the campaign's on its account's
    day, the same for every model; CRM metrics are the model's credits: contacts and the current
    lifecycle stages among them on their `attributed_date`, deals and revenue on their close date
    (both portal days). CRM metrics are null, not 0, for untracked campaigns.
    `estimated_revenue_company_currency` is the ROI setting `estimate`:
    (contacts - customers) x contact_to_customer_rate x average_sale_price
    + customers x average_sale_price (vars), additive because it is linear in the counts.
-#}
{%- set models = attribution_ads_reports() + attribution_rule_models() | map(attribute='name') | list + ['markov', 'shapley'] -%}
{%- set campaign = 'network, ad_account_id, campaign_id' -%}
with models as (

    {%- for m in models %}
    select '{{ m }}' as attribution_model {{ 'union all' if not loop.last }}
    {%- endfor %}

),

performance as (

    select
        {{ campaign }}, date_day,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend) as spend,
        sum(spend_company_currency) as spend_company_currency,
        max(currency_code) as currency_code,
        sum(engagements) as engagements,
        sum(likes) as likes,
        sum(network_conversions) as network_conversions,
        sum(sessions) as sessions
    from {{ ref('fct_ad_performance_daily') }}
    group by {{ campaign }}, date_day

),

contacts as (

    select
        attribution_model, {{ campaign }}, attributed_date as date_day,
        sum(credit) as contacts,
        {%- for stage, column in [('lead', 'leads'), ('marketingqualifiedlead', 'mqls'),
                                  ('salesqualifiedlead', 'sqls'), ('opportunity', 'opportunities'),
                                  ('customer', 'customers')] %}
        sum(case when lifecycle_stage = '{{ stage }}' then credit else 0 end) as {{ column }}
            {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_contact_attribution') }}
    where campaign_id is not null
    group by attribution_model, {{ campaign }}, attributed_date

),

deals as (

    select
        attribution_model, {{ campaign }}, close_date as date_day,
        sum(credit) as deals,
        sum(revenue_company_currency) as revenue_company_currency
    from {{ ref('fct_deal_attribution') }}
    where campaign_id is not null
    group by attribution_model, {{ campaign }}, close_date

),

keys as (

    select models.attribution_model, {{ campaign }}, date_day
    from performance
    cross join models
    union
    select attribution_model, {{ campaign }}, date_day from contacts
    union
    select attribution_model, {{ campaign }}, date_day from deals

),

campaigns as (

    select network, campaign_id, is_tracked
    from {{ ref('dim_campaigns') }}

)

select
    keys.attribution_model,
    keys.network,
    keys.ad_account_id,
    keys.campaign_id,
    keys.date_day,
    coalesce(performance.impressions, 0) as impressions,
    coalesce(performance.clicks, 0) as clicks,
    cast(coalesce(performance.spend, 0) as decimal(18, 6)) as spend,
    cast(coalesce(performance.spend_company_currency, 0) as decimal(18, 6))
        as spend_company_currency,
    performance.engagements,
    performance.likes,
    performance.network_conversions,
    case when campaigns.is_tracked then coalesce(performance.sessions, 0) end as sessions,
    {%- for column in ['contacts', 'leads', 'mqls', 'sqls', 'opportunities', 'customers'] %}
    case
        when campaigns.is_tracked
            then cast(coalesce(contacts.{{ column }}, 0) as double)
    end as {{ column }},
    {%- endfor %}
    case
        when campaigns.is_tracked then cast(coalesce(deals.deals, 0) as double)
    end as deals,
    case
        when campaigns.is_tracked
            then cast(coalesce(deals.revenue_company_currency, 0) as decimal(18, 6))
    end as revenue_company_currency,
    case
        when campaigns.is_tracked then cast(
            (coalesce(contacts.contacts, 0) - coalesce(contacts.customers, 0))
                * {{ var('contact_to_customer_rate') }} * {{ var('average_sale_price') }}
            + coalesce(contacts.customers, 0) * {{ var('average_sale_price') }}
            as decimal(18, 6))
    end as estimated_revenue_company_currency
from keys
left join performance
    on keys.network = performance.network
    and keys.ad_account_id = performance.ad_account_id
    and keys.campaign_id = performance.campaign_id
    and keys.date_day = performance.date_day
left join contacts
    on keys.attribution_model = contacts.attribution_model
    and keys.network = contacts.network
    and keys.ad_account_id = contacts.ad_account_id
    and keys.campaign_id = contacts.campaign_id
    and keys.date_day = contacts.date_day
left join deals
    on keys.attribution_model = deals.attribution_model
    and keys.network = deals.network
    and keys.ad_account_id = deals.ad_account_id
    and keys.campaign_id = deals.campaign_id
    and keys.date_day = deals.date_day
left join campaigns
    on keys.network = campaigns.network
    and keys.campaign_id = campaigns.campaign_id
