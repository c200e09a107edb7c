with source as (

    select * from {{ source('raw_hubspot', 'deals') }}

),

renamed as (

    select
        -- ids
        id as deal_id,

        -- strings
        dealname as deal_name,
        dealstage as deal_stage,
        pipeline,
        deal_currency_code as currency_code,

        -- numerics: a user-entered property, so an empty or malformed amount becomes null
        -- rather than failing the build
        {{ dbt.safe_cast("nullif(amount, '')", "decimal(18, 2)") }} as amount,

        -- timestamps (HubSpot sends ISO 8601 in UTC); closedate is the expected close on open deals
        cast(closedate as {{ type_instant() }}) as closed_at,
        cast(createdate as {{ type_instant() }}) as created_at,
        cast(hs_lastmodifieddate as {{ type_instant() }}) as last_modified_at,

        archived as is_archived

    from source

)

select * from renamed
