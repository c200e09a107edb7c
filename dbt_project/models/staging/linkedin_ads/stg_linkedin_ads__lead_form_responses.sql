with source as (

    select * from {{ source('raw_linkedin_ads', 'lead_form_responses') }}

),

renamed as (

    select
        -- ids: URNs in the API, plain ids here. A response names its LinkedIn campaign (our
        -- ad group) and, when LinkedIn sends `associatedEntity` (documented optional), its
        -- creative (our ad); never the campaign group (our campaign): int_leads_unioned
        -- resolves the missing parents through the creatives and campaigns
        id as lead_id,
        'linkedin' as network,
        coalesce(
            {{ urn_id('owner__sponsored_account') }},
            {{ required('account_id', 'raw_linkedin_ads.lead_form_responses') }}
        ) as ad_account_id,
        {{ urn_id('lead_metadata__sponsored_lead_metadata__campaign') }} as ad_group_id,
        {{ urn_id('associated_entity__associated_creative') }} as ad_id,
        form_id,
        versioned_lead_gen_form_urn,
        lead_metadata__sponsored_lead_metadata__campaign as ad_group_urn,
        associated_entity__associated_creative as creative_urn,

        -- strings: the answer to the form's email question (the source read which one it is
        -- from the form), trimmed and lower-cased to match CRM contacts; the answers whole
        nullif(lower(trim(email)), '') as email,
        lead_type,
        form_response__answers as answers_json,

        -- timestamps: submitted_at_utc is `submittedAt` (epoch milliseconds) as an instant
        {{ required('submitted_at_utc', 'raw_linkedin_ads.lead_form_responses', 'submittedAt') }} as submitted_at,
        -- the dlt load that last wrote the row
        _dlt_load_id as dlt_load_id

    from source

)

select * from renamed
