with performance as (

    select * from {{ ref('int_ad_performance_unioned') }}

),

accounts as (

    select * from {{ ref('int_ad_accounts_unioned') }}

),

joined as (

    select
        performance.network,
        performance.ad_account_id,
        performance.campaign_id,
        performance.ad_group_id,
        performance.ad_id,
        performance.date_day,
        performance.impressions,
        performance.clicks,
        cast(performance.spend as decimal(18, 6)) as spend,
        accounts.currency_code
    from performance
    left join accounts
        on performance.network = accounts.network
        and performance.ad_account_id = accounts.ad_account_id

)

select * from joined
