{#-
    One row per deal, its amount in the company currency at the rate in effect on its close date
    (HubSpot converts a deal at its close date's rate and keeps it there). `close_date` is the
    close instant's day in the portal time zone. Open deals without a close date have no
    company-currency amount yet; a closed deal whose currency has no rate that day fails the
    build, naming the currency, the day and the deal.
-#}
with deals as (

    select
        deals.*,
        {{ local_date('closed_at', "'" ~ portal_time_zone() ~ "'") }} as close_date
    from {{ ref('stg_hubspot__deals') }} as deals

),

rates as (

    select currency_code, date_day, conversion_rate
    from {{ ref('int_exchange_rates_daily') }}

)

select
    deals.deal_id,
    deals.deal_name,
    deals.deal_stage,
    deals.pipeline,
    deals.closed_at,
    deals.close_date,
    deals.amount,
    -- a deal without a currency is in the portal's company currency
    coalesce(deals.currency_code, '{{ portal_company_currency() }}') as currency_code,
    case
        when deals.amount is null or deals.close_date is null then null
        else {{ to_company_currency(
            'deals.amount', "coalesce(deals.currency_code, '" ~ portal_company_currency() ~ "')",
            'rates.conversion_rate', 'deals.close_date', "'deal ' || deals.deal_id") }}
    end as amount_company_currency,
    rates.conversion_rate as close_date_rate,
    deals.created_at,
    deals.last_modified_at,
    deals.is_archived
from deals
left join rates
    on coalesce(deals.currency_code, '{{ portal_company_currency() }}') = rates.currency_code
    and deals.close_date = rates.date_day
