with source as (

    select * from {{ source('raw_facebook_ads', 'campaigns') }}

),

renamed as (

    select
        -- ids
        id as campaign_id,
        {{ required('account_id', 'raw_facebook_ads.campaigns') }} as ad_account_id,

        -- strings
        coalesce(name, id) as campaign_name,
        objective,
        buying_type,
        -- effective_status is the serving status (a campaign can be on but held up);
        -- configured_status is what the advertiser set.
        effective_status as raw_status,
        -- left out by some API versions; the configured status is the raw `status`
        coalesce(configured_status, status) as configured_status,
        {{ normalise_status('facebook', 'effective_status') }} as status,

        -- timestamps (Graph sends ISO 8601 with an offset; a start time only when one is set)
        cast(start_time as {{ type_instant() }}) as started_at,
        cast(created_time as {{ type_instant() }}) as created_at,
        cast(updated_time as {{ type_instant() }}) as updated_at

    from source

)

select * from renamed
