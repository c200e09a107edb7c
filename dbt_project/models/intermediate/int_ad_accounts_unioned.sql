{#- One row per network + ad account, every network in one shape. -#}
with facebook as (

    select 'facebook' as network, ad_account_id, ad_account_name, currency_code, time_zone
    from {{ ref('stg_facebook_ads__ad_accounts') }}

),

google as (

    select 'google' as network, ad_account_id, ad_account_name, currency_code, time_zone
    from {{ ref('stg_google_ads__customers') }}

),

linkedin as (

    select 'linkedin' as network, ad_account_id, ad_account_name, currency_code, time_zone
    from {{ ref('stg_linkedin_ads__ad_accounts') }}

)

select * from facebook
union all
select * from google
union all
select * from linkedin
