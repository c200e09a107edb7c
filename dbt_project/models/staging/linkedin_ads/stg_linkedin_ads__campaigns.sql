with source as (

    select * from {{ source('raw_linkedin_ads', 'campaigns') }}

),

renamed as (

    select
        -- ids: a LinkedIn campaign is our ad group; its campaign group is our campaign
        cast(id as {{ dbt.type_string() }}) as ad_group_id,
        {{ urn_id(required('campaign_group', 'raw_linkedin_ads.campaigns')) }} as campaign_id,
        {{ urn_id(required('account', 'raw_linkedin_ads.campaigns')) }} as ad_account_id,

        -- strings
        coalesce(name, cast(id as {{ dbt.type_string() }})) as ad_group_name,
        type as campaign_type,
        -- set by the campaign's first creative: a campaign without creatives has none
        format as ad_format,
        status as raw_status,
        {{ normalise_status('linkedin', 'status') }} as status

    from source

)

select * from renamed
