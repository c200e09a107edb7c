{#-
    A network's raw status as `active`, `paused` or `deleted` (docs/data-contract.md); anything else is null,
    so an unknown status shows up in the models' `not_null` warnings instead of being guessed.
    Facebook: pass `effective_status` (the serving status). `*_PAUSED` means a parent is paused;
    statuses of an ad that is switched on but waiting (review, processing, issues) count as
    active, those that need someone to act (disapproved, billing) as paused.
    LinkedIn: a COMPLETED campaign has ended without being removed, so it counts as paused.
-#}
{% macro normalise_status(network, column) -%}
    {%- set statuses = {
        'facebook': {
            'active': ['ACTIVE', 'IN_PROCESS', 'WITH_ISSUES', 'PENDING_REVIEW', 'PREAPPROVED'],
            'paused': ['PAUSED', 'CAMPAIGN_PAUSED', 'ADSET_PAUSED', 'DISAPPROVED', 'PENDING_BILLING_INFO'],
            'deleted': ['DELETED', 'ARCHIVED'],
        },
        'google': {
            'active': ['ENABLED'],
            'paused': ['PAUSED'],
            'deleted': ['REMOVED'],
        },
        'linkedin': {
            'active': ['ACTIVE'],
            'paused': ['PAUSED', 'DRAFT', 'COMPLETED'],
            'deleted': ['ARCHIVED', 'CANCELED', 'REMOVED', 'PENDING_DELETION'],
        },
    } -%}
    {%- if network not in statuses -%}
        {{ exceptions.raise_compiler_error(
            "normalise_status: unknown network '" ~ network ~ "', expected one of "
            ~ (statuses.keys() | list | join(', '))) }}
    {%- endif -%}
    case
        {%- for status, raw_statuses in statuses[network].items() %}
        when {{ column }} in ({% for raw in raw_statuses %}'{{ raw }}'{{ ', ' if not loop.last }}{% endfor %}) then '{{ status }}'
        {%- endfor %}
    end
{%- endmacro %}
