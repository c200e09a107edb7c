with source as (

    select * from {{ source('raw_facebook_ads', 'ad_sets') }}

),

renamed as (

    select
        -- ids: a Facebook ad set is our ad group
        id as ad_group_id,
        {{ required('campaign_id', 'raw_facebook_ads.ad_sets') }} as campaign_id,
        {{ required('account_id', 'raw_facebook_ads.ad_sets') }} as ad_account_id,

        -- strings
        coalesce(name, id) as ad_group_name,
        optimization_goal,
        billing_event,
        effective_status as raw_status,
        -- left out by some API versions; the configured status is the raw `status`
        coalesce(configured_status, status) as configured_status,
        {{ normalise_status('facebook', 'effective_status') }} as status,

        -- numerics: Graph sends budgets in the currency's minor unit (cents for USD, yen for
        -- JPY), and the ad set has no currency column to scale by, so the unit stays explicit.
        -- Null when the budget is the campaign's (campaign budget optimisation) or lifetime.
        cast(daily_budget as bigint) as daily_budget_minor_units,

        -- timestamps (Graph sends ISO 8601 with an offset)
        cast(start_time as {{ type_instant() }}) as started_at,
        cast(created_time as {{ type_instant() }}) as created_at,
        cast(updated_time as {{ type_instant() }}) as updated_at

    from source

)

select * from renamed
