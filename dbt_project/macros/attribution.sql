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


{#- The columns naming what a touch credits (see touch_target). -#}
{% macro attribution_target_columns() %}
    {{ return(['channel', 'network', 'ad_account_id', 'campaign_id', 'ad_group_id', 'ad_id',
               'keyword_id']) }}
{% endmacro %}


{#- The target columns of relation `alias`, comma-separated (`alias.channel, alias.network, ...`). -#}
{% macro target_columns_of(alias) -%}
    {%- for column in attribution_target_columns() -%}
        {{ alias }}.{{ column }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- An attribution fact's credited target, from relation `alias`: the target columns, with
    `is_ad_interaction` (the touch resolved to a network) after the channel. -#}
{% macro credited_target(alias) -%}
    {%- for column in attribution_target_columns() %}
    {{ alias }}.{{ column }},
    {%- if column == 'channel' %}
    {{ alias }}.network is not null as is_ad_interaction,
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#-
    CTE definitions (for a model's `with` list) giving `multi_touch_credits`: one row per
    fractional model (the rule-based ones and the data-driven `markov` and `shapley`) + path +
    credited target, with `credit` (summing to 1 per path and model), `ended_at` (the path's
    end event, `ended_at_column`) and the `path_columns` of `paths` (columns with one value per
    path, carried along). `paths` is one row per touch as rule_based_credits needs it, plus the
    target columns and `campaign_state`.

    Touches of one path with the same target are summed before the models become rows
    (grouping tens of millions of model rows afterwards does not fit in memory): `target_touches`
    has one row per path and target with every model's credit as a column, and the models become
    rows in one pass over it. For the data-driven models a state's campaign-level weight
    (int_attribution_state_weights) is split equally among its touches on the path and the path
    is rescaled to 1; a path whose states all weigh nothing gets equal shares. Also defines
    rule_credits, target_touches (which fct_contact_attribution's all_interactions reads),
    fractional_models, weights, state_touches, path_weights and target_credits.
-#}
{% macro multi_touch_credits(paths, path_key, ended_at_column, path_columns=[]) %}
    {%- set rule_models = attribution_rule_models() -%}
    {%- set data_driven = ['markov', 'shapley'] -%}
    {%- set models = rule_models | map(attribute='name') | list + data_driven -%}
    {%- set target = attribution_target_columns() -%}
rule_credits as (

    {{ rule_based_credits(paths, path_key) }}

),

target_touches as (

    select
        {{ path_key }}, campaign_state, {{ target | join(', ') }},
        max({{ ended_at_column }}) as ended_at,
        {%- for column in path_columns %}
        max({{ column }}) as {{ column }},
        {%- endfor %}
        max(touch_count) as touch_count,
        count(*) as touches,
        {%- for m in rule_models %}
        sum(credit__{{ m.name }}) as credit__{{ m.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from rule_credits
    group by {{ path_key }}, campaign_state, {{ target | join(', ') }}

),

fractional_models as (

    {%- for m in models %}
    select '{{ m }}' as attribution_model {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- one row per state, a column per data-driven model
weights as (

    select
        state,
        {%- for m in data_driven %}
        max(case when attribution_model = '{{ m }}' then weight end)
            as weight__{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_attribution_state_weights') }}
    where level = 'campaign'
    group by state

),

state_touches as (

    select
        state_counts.{{ path_key }},
        state_counts.campaign_state,
        state_counts.touches,
        {%- for m in data_driven %}
        coalesce(weights.weight__{{ m }}, 0) as weight__{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select {{ path_key }}, campaign_state, sum(touches) as touches
        from target_touches
        group by {{ path_key }}, campaign_state
    ) as state_counts
    left join weights
        on state_counts.campaign_state = weights.state

),

path_weights as (

    select
        {{ path_key }},
        {%- for m in data_driven %}
        sum(weight__{{ m }}) as total_weight__{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from state_touches
    group by {{ path_key }}

),

target_credits as (

    select
        target_touches.*,
        {%- for m in data_driven %}
        case
            when path_weights.total_weight__{{ m }} > 0
                then state_touches.weight__{{ m }} * target_touches.touches
                    / state_touches.touches / path_weights.total_weight__{{ m }}
            else cast(target_touches.touches as double) / target_touches.touch_count
        end as credit__{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from target_touches
    inner join state_touches
        on target_touches.{{ path_key }} = state_touches.{{ path_key }}
        and target_touches.campaign_state = state_touches.campaign_state
    inner join path_weights
        on target_touches.{{ path_key }} = path_weights.{{ path_key }}

),

multi_touch_credits as (

    select
        fractional_models.attribution_model, target_credits.{{ path_key }},
        {%- for column in target %}
        target_credits.{{ column }},
        {%- endfor %}
        case fractional_models.attribution_model
            {%- for m in models %}
            when '{{ m }}' then target_credits.credit__{{ m }}
            {%- endfor %}
        end as credit,
        {%- for column in path_columns %}
        target_credits.{{ column }},
        {%- endfor %}
        target_credits.ended_at
    from target_credits
    cross join fractional_models

)
{% endmacro %}


{#- Where a touch with ad tracking lands in the networks' hierarchy, from its joins to the known
    ads (`ads`) and, when the ad is unknown, to the known campaigns (`campaigns`): `resolved_to`
    ('ad', 'campaign' or null), then the account and campaign of whichever resolved. -#}
{% macro resolved_ad_columns(ads='ads', campaigns='campaigns') -%}
        case
            when {{ ads }}.ad_id is not null then 'ad'
            when {{ campaigns }}.campaign_id is not null then 'campaign'
        end as resolved_to,
        coalesce({{ ads }}.ad_account_id, {{ campaigns }}.ad_account_id) as ad_account_id,
        coalesce({{ ads }}.campaign_id, {{ campaigns }}.campaign_id) as campaign_id
{%- endmacro %}
