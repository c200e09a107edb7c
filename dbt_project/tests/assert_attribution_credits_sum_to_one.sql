{{ config(meta={'dagster': {'ref': {'name': 'fct_contact_attribution'}}}) }}
{#- Every fractional model's credits add up to 1 per contact and per deal; fails with the
    contacts and deals whose credits do not. -#}
{%- set fractional = attribution_rule_models() | map(attribute='name') | list + ['markov', 'shapley'] -%}
select 'contact' as credited, contact_id as id, attribution_model, sum(credit) as total_credit
from {{ ref('fct_contact_attribution') }}
where attribution_model in ({{ quoted_list(fractional) }})
group by contact_id, attribution_model
having abs(sum(credit) - 1) > 1e-9

union all

select 'deal' as credited, deal_id as id, attribution_model, sum(credit) as total_credit
from {{ ref('fct_deal_attribution') }}
where attribution_model in ({{ quoted_list(fractional) }})
group by deal_id, attribution_model
having abs(sum(credit) - 1) > 1e-9
