{#-
    One row per attribution_model + deal + credited touch target (an ad, a campaign, or a
    channel with null ad columns), for the deals the ads tool counts: closed won (a stage in the
    `closed_won_stages` var), a close date set, and associated with a contact whose current
    lifecycle stage is `customer` and who converted (submitted a form).

    - Ads reports: a deal counts 0 or 1 per ad, credit 1, for every ad its customer contacts are
      attributed to under that report (fct_contact_attribution).
    - Rule-based and data-driven models: over the deal's path, the touches of its customer
      contacts up to the close, in time order. Key points: first touch, lead creation (the last
      touch at or before the earliest conversion among those contacts), deal creation (the last
      touch at or before the deal was created) and closed won (the last touch). Credits sum to 1
      per deal.
    `revenue_company_currency` = the deal's amount in the company currency x credit.
-#}
{%- set target = attribution_target_columns() | join(', ') -%}
with deals as (

    select
        deal_id, closed_at, close_date, created_at, amount, currency_code,
        amount_company_currency
    from {{ ref('int_deals') }}
    where deal_stage in ({{ quoted_list(var('closed_won_stages')) }})
        and closed_at is not null

),

deal_contacts as (

    select distinct
        deals.deal_id,
        associations.contact_id,
        conversions.converted_at
    from deals
    inner join {{ ref('stg_hubspot__deal_contact_associations') }} as associations
        on deals.deal_id = associations.deal_id
    inner join {{ ref('stg_hubspot__contacts') }} as contacts
        on associations.contact_id = contacts.contact_id
    inner join {{ ref('int_contact_conversions') }} as conversions
        on associations.contact_id = conversions.contact_id
    where contacts.lifecycle_stage = 'customer'

),

lead_created as (

    select deal_id, min(converted_at) as lead_at
    from deal_contacts
    group by deal_id

),

deal_touches as (

    select
        deals.deal_id,
        touchpoints.touch_id as session_id,
        touchpoints.started_at,
        {{ touch_target('touchpoints') }},
        deals.closed_at,
        deals.created_at as deal_created_at,
        lead_created.lead_at,
        cast({{ dbt.datediff('touchpoints.started_at', 'deals.closed_at', 'second') }} as double)
            / 86400 as age_days,
        row_number() over (
            partition by deals.deal_id
            order by touchpoints.started_at asc nulls last, touchpoints.touch_id asc nulls last
        ) as touch_number,
        count(*) over (partition by deals.deal_id) as touch_count
    from deals
    inner join deal_contacts
        on deals.deal_id = deal_contacts.deal_id
    inner join lead_created
        on deals.deal_id = lead_created.deal_id
    inner join {{ ref('int_attribution_touches') }} as touchpoints
        on deal_contacts.contact_id = touchpoints.contact_id
        and touchpoints.started_at <= deals.closed_at

),

paths as (

    select
        deal_touches.*,
        touch_number = max(case when started_at <= lead_at then touch_number end)
            over (partition by deal_id) as is_lead,
        touch_number = max(case when started_at <= deal_created_at then touch_number end)
            over (partition by deal_id) as is_deal,
        touch_number = touch_count as is_won
    from deal_touches

),

{{ multi_touch_credits('paths', 'deal_id', 'closed_at') }},

ads_reports as (

    select distinct
        attributed.attribution_model, deal_contacts.deal_id,
        {{ target_columns_of('attributed') }}, 1.0 as credit
    from deal_contacts
    inner join {{ ref('fct_contact_attribution') }} as attributed
        on deal_contacts.contact_id = attributed.contact_id
    where attributed.attribution_model in ({{ quoted_list(attribution_ads_reports()) }})

),

credited as (

    -- one row per model, deal and target in each part
    select * from ads_reports
    union all
    select attribution_model, deal_id, {{ target }}, credit from multi_touch_credits

)

-- targets a model gives nothing (first_interaction's later touches) have no row

select
    credited.attribution_model,
    credited.deal_id,
    {{- credited_target('credited') }}
    cast(credited.credit as double) as credit,
    deals.closed_at,
    deals.close_date,
    deals.amount,
    deals.currency_code,
    deals.amount_company_currency,
    cast(deals.amount_company_currency * credited.credit as decimal(18, 6))
        as revenue_company_currency
from credited
inner join deals
    on credited.deal_id = deals.deal_id
where credited.credit > 0
{{ storage_order(['credited.attribution_model', 'deals.close_date']) }}
