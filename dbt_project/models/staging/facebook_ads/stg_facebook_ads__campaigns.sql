with source as (

    select * from {{ source('raw_facebook_ads', 'campaigns') }}

),

renamed as (

    select
        -- ids
        id as campaign_id,
        account_id as ad_account_id,

        -- strings
        name as campaign_name,
        objective,
        buying_type,
        -- effective_status is the serving status (a campaign can be on but held up);
        -- configured_status is what the advertiser set.
        effective_status as raw_status,
        configured_status,
        {{ normalise_status('facebook', 'effective_status') }} as status,

        -- timestamps (Graph sends ISO 8601 with an offset)
        cast(start_time as {{ type_instant() }}) as started_at,
        cast(created_time as {{ type_instant() }}) as created_at,
        cast(updated_time as {{ type_instant() }}) as updated_at

    from source

)

select * from renamed
