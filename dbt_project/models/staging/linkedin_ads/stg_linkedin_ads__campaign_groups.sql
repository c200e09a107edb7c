with source as (

    select * from {{ source('raw_linkedin_ads', 'campaign_groups') }}

),

renamed as (

    select
        -- ids: a LinkedIn campaign group is our campaign
        cast(id as {{ dbt.type_string() }}) as campaign_id,
        {{ urn_id(required('account', 'raw_linkedin_ads.campaign_groups')) }} as ad_account_id,
        account as ad_account_urn,

        -- strings
        coalesce(name, cast(id as {{ dbt.type_string() }})) as campaign_name,
        status as raw_status,
        {{ normalise_status('linkedin', 'status') }} as status,
        serving_statuses as serving_statuses_json,
        test as is_test,
        -- set by LinkedIn on the default groups it created for older campaigns; absent, false
        coalesce(backfilled, false) as is_backfilled,

        -- numerics (LinkedIn money is a decimal string in currency units; a group without a
        -- total budget has none)
        cast(total_budget__amount as decimal(18, 6)) as total_budget,
        total_budget__currency_code as total_budget_currency_code,

        -- timestamps (epoch milliseconds, UTC)
        {{ epoch_ms_to_timestamp('run_schedule__start') }} as started_at,
        {{ epoch_ms_to_timestamp('change_audit_stamps__created__time') }} as created_at,
        {{ epoch_ms_to_timestamp('change_audit_stamps__last_modified__time') }} as last_modified_at

    from source

)

select * from renamed
