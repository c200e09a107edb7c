with source as (

    select * from {{ source('raw_hubspot', 'contacts') }}

),

renamed as (

    select
        -- ids
        id as contact_id,

        -- strings
        email,
        firstname as first_name,
        lastname as last_name,
        lifecyclestage as lifecycle_stage,
        hs_analytics_source as original_source,

        -- timestamps (HubSpot sends ISO 8601 in UTC)
        cast({{ required('createdate', 'raw_hubspot.contacts') }} as {{ type_instant() }}) as created_at,
        cast(lastmodifieddate as {{ type_instant() }}) as last_modified_at,
        cast(hs_lifecyclestage_lead_date as {{ type_instant() }}) as became_lead_at,
        cast(hs_lifecyclestage_marketingqualifiedlead_date as {{ type_instant() }}) as became_mql_at,
        cast(hs_lifecyclestage_salesqualifiedlead_date as {{ type_instant() }}) as became_sql_at,
        cast(hs_lifecyclestage_opportunity_date as {{ type_instant() }}) as became_opportunity_at,
        cast(hs_lifecyclestage_customer_date as {{ type_instant() }}) as became_customer_at,

        archived as is_archived

    from source

)

select * from renamed
