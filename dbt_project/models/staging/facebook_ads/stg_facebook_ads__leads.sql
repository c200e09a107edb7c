with source as (

    select * from {{ source('raw_facebook_ads', 'leads') }}

),

renamed as (

    select
        -- ids: a lead names its ad, ad set and campaign when Graph resolves them; an organic
        -- lead or one read without advertiser rights on the account leaves them out, and the
        -- ad whose `leads` edge returned it stands in for its ad (int_leads_unioned resolves
        -- the missing parents through the ad)
        id as lead_id,
        'facebook' as network,
        {{ required('account_id', 'raw_facebook_ads.leads') }} as ad_account_id,
        campaign_id,
        adset_id as ad_group_id,
        coalesce(ad_id, requested_ad_id) as ad_id,
        form_id,

        -- strings: the email answer (the source took it out of `field_data`) as people typed
        -- it, trimmed and lower-cased to match CRM contacts; `field_data` whole, JSON text
        nullif(lower(trim(email)), '') as email,
        field_data as field_data_json,

        -- booleans
        coalesce(is_organic, false) as is_organic,

        -- timestamps: created_at_utc is `created_time` (ISO 8601 with an offset) as an instant
        {{ required('created_at_utc', 'raw_facebook_ads.leads', 'created_time') }} as submitted_at,
        -- the dlt load that last wrote the row
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
