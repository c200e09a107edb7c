{#-
    The rule-based multi-touch models. Each gives shares to key touches and to the middle:
    `first` (the first touch), `lead` (lead creation: the last touch at or before the contact
    converted), `deal` (deal creation: the last touch at or before the deal was created), `won`
    (closed won: the last touch at or before the deal closed), `last` (the path's last touch:
    lead creation for a contact, closed won for a deal), `middle` (split equally among the
    touches that hold none of the model's key shares). A touch holding several key points gets
    their sum. Key points a path lacks (a contact has no deal creation or closed won) and a
    middle share with no middle touches drop out, and the rest is rescaled to sum to 1; so a
    one-touch path gives that touch 1, and a two-touch U-shaped path gives 1/2 and 1/2.
    `linear` weighs every touch equally; `time_decay` weighs a touch by
    2^(-age / time_decay_half_life_days), its age measured back from the path's end event.
-#}
{% macro attribution_rule_models() %}
    {{ return([
        {'name': 'first_interaction', 'first': 1},
        {'name': 'last_interaction', 'last': 1},
        {'name': 'linear', 'equal': true},
        {'name': 'u_shaped', 'first': 0.4, 'lead': 0.4, 'middle': 0.2},
        {'name': 'w_shaped', 'first': 0.3, 'lead': 0.3, 'deal': 0.3, 'middle': 0.1},
        {'name': 'full_path', 'first': 0.225, 'lead': 0.225, 'deal': 0.225, 'won': 0.225,
         'middle': 0.1},
        {'name': 'j_shaped', 'first': 0.2, 'last': 0.6, 'middle': 0.2},
        {'name': 'inverse_j', 'first': 0.6, 'last': 0.2, 'middle': 0.2},
        {'name': 'time_decay', 'decay': true},
    ]) }}
{% endmacro %}


{#- The four ads attribution reports of HubSpot's ads tool (a contact counts 0 or 1 per ad). -#}
{% macro attribution_ads_reports() %}
    {{ return(['first_form_submission', 'last_form_submission', 'last_ad_interaction',
               'all_interactions']) }}
{% endmacro %}


{#- A share as a floating-point literal (a decimal literal would make the sums decimals). -#}
{% macro _share(value) -%}
    cast({{ value }} as double)
{%- endmacro %}


{#-
    Credits of every rule-based model for the touches in `relation`, which has one row per touch
    with `path_key` (the contact or deal whose path it is), `touch_number` (1..`touch_count` in
    time order), `touch_count`, booleans `is_lead`, `is_deal` and `is_won` (the touch holds
    that key point) and `age_days` (for time decay). Returns every column of `relation` plus one
    `credit__<model>` column per model; each model's credits sum to 1 per path.

    A touch's credit is its raw share over the path's total, and the totals are path-level sums
    (key shares present, touches outside the key points, decay weights): one grouped pass
    joined back, rather than window functions, whose partitions over millions of wide rows do
    not fit in memory.
-#}
{% macro rule_based_credits(relation, path_key) %}
    {%- set models = attribution_rule_models() -%}
    {%- set keyed_models = [] -%}
    {%- for m in models if not (m.get('equal') or m.get('decay')) %}{% do keyed_models.append(m) %}{% endfor -%}
    {%- set half_life = var('time_decay_half_life_days') -%}
    select
        keyed.*,
        {%- for m in models %}
        {%- if m.get('equal') %}
        {{ _share(1) }} / keyed.touch_count as credit__{{ m.name }}
        {%- elif m.get('decay') %}
        keyed.decay_weight / totals.decay_total as credit__{{ m.name }}
        {%- else %}
        case
            when keyed.key__{{ m.name }} > 0 then keyed.key__{{ m.name }}
            {%- if m.get('middle') %}
            else {{ _share(m.middle) }} / totals.middle__{{ m.name }}
            {%- else %}
            else {{ _share(0) }}
            {%- endif %}
        end / (
            totals.key_total__{{ m.name }}
            {%- if m.get('middle') %}
            + case when totals.middle__{{ m.name }} > 0 then {{ _share(m.middle) }} else 0 end
            {%- endif %}
        ) as credit__{{ m.name }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from ({{ _keyed_touches(relation, keyed_models, half_life) }}) as keyed
    inner join (
        select
            {{ path_key }},
            sum(decay_weight) as decay_total,
            {%- for m in keyed_models %}
            sum(key__{{ m.name }}) as key_total__{{ m.name }},
            sum(case when key__{{ m.name }} > 0 then 0 else 1 end) as middle__{{ m.name }}
            {{- ',' if not loop.last }}
            {%- endfor %}
        from ({{ _keyed_touches(relation, keyed_models, half_life) }}) as shares
        group by {{ path_key }}
    ) as totals
        on keyed.{{ path_key }} = totals.{{ path_key }}
{% endmacro %}


{#- The touches of `relation` with each keyed model's key share and the time-decay weight. -#}
{% macro _keyed_touches(relation, keyed_models, half_life) %}
    select
        touches.*,
        power({{ _share(2) }}, -1 * touches.age_days / {{ _share(half_life) }}) as decay_weight,
        {%- for m in keyed_models %}
        {{ _share(0) }}
        {%- if m.get('first') %}
            + case when touches.touch_number = 1 then {{ _share(m.first) }} else 0 end
        {%- endif %}
        {%- if m.get('lead') %}
            + case when touches.is_lead then {{ _share(m.lead) }} else 0 end
        {%- endif %}
        {%- if m.get('deal') %}
            + case when touches.is_deal then {{ _share(m.deal) }} else 0 end
        {%- endif %}
        {%- if m.get('won') %}
            + case when touches.is_won then {{ _share(m.won) }} else 0 end
        {%- endif %}
        {%- if m.get('last') %}
            + case when touches.touch_number = touches.touch_count then {{ _share(m.last) }} else 0 end
        {%- endif %}
            as key__{{ m.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }} as touches
{% endmacro %}


{#- The columns naming what a touch credits, from a touchpoint (`alias`): its channel and, for
    an ad interaction, the resolved network, account, campaign, ad group, ad and keyword (null
    otherwise, even when the URL named a network that did not resolve); and `campaign_state`,
    its state for campaign-level data-driven models (the ad campaign, else the channel). -#}
{% macro touch_target(alias) -%}
        {{ alias }}.channel,
        case when {{ alias }}.is_ad_interaction then {{ alias }}.network end as network,
        case when {{ alias }}.is_ad_interaction then {{ alias }}.ad_account_id end
            as ad_account_id,
        case when {{ alias }}.is_ad_interaction then {{ alias }}.campaign_id end as campaign_id,
        {{ alias }}.ad_group_id,
        {{ alias }}.ad_id,
        {{ alias }}.keyword_id,
        case
            when {{ alias }}.is_ad_interaction
                then {{ alias }}.network || ':' || {{ alias }}.campaign_id
            else {{ alias }}.channel
        end as campaign_state
{%- endmacro %}
