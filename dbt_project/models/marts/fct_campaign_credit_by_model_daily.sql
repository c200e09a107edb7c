{#-
    One row per attribution_model + campaign + date_day that has credit under that model: the
    model's credited contacts (on their `attributed_date`), the current lifecycle stages among
    them, and its credited deals and revenue (on their close date), both portal days. Only
    tracked campaigns have rows (a CRM metric is null, not 0, for untracked ones).

    The grain is in the name: summing a column over models adds different splits of the same
    contacts and deals, so every query keeps ONE attribution_model. The network metrics of the
    same campaign-days are in fct_campaign_performance_daily, which has no model.
    `estimated_revenue_company_currency` is the ROI setting `estimate`:
    (contacts - customers) x contact_to_customer_rate x average_sale_price
    + customers x average_sale_price (vars), additive because it is linear in the counts.
-#}
{%- set campaign = 'network, ad_account_id, campaign_id' -%}
{%- set stages = lifecycle_stage_columns() -%}
with contacts as (

    select
        attribution_model, {{ campaign }}, attributed_date as date_day,
        sum(credit) as contacts,
        {%- for stage, column in stages %}
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

    select attribution_model, {{ campaign }}, date_day from contacts
    union
    select attribution_model, {{ campaign }}, date_day from deals

)

select
    keys.attribution_model,
    keys.network,
    keys.ad_account_id,
    keys.campaign_id,
    keys.date_day,
    {%- for column in ['contacts'] + stages | map(attribute=1) | list %}
    cast(coalesce(contacts.{{ column }}, 0) as double) as {{ column }},
    {%- endfor %}
    cast(coalesce(deals.deals, 0) as double) as deals,
    cast(coalesce(deals.revenue_company_currency, 0) as decimal(18, 6))
        as revenue_company_currency,
    cast(
        (coalesce(contacts.contacts, 0) - coalesce(contacts.customers, 0))
            * {{ var('contact_to_customer_rate') }} * {{ var('average_sale_price') }}
        + coalesce(contacts.customers, 0) * {{ var('average_sale_price') }}
        as decimal(18, 6)) as estimated_revenue_company_currency
from keys
inner join {{ ref('dim_campaigns') }} as campaigns
    on keys.network = campaigns.network
    and keys.campaign_id = campaigns.campaign_id
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
where campaigns.is_tracked
{{ storage_order(['keys.attribution_model', 'keys.date_day']) }}
