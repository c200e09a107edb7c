{#-
    The value of one action type in a Facebook insights `actions` list (JSON text such as
    `[{"action_type":"lead","value":"1.5"}]`, keys in Graph's order), as a decimal; null when the
    row has no such action.
-#}
{% macro facebook_action(column, action_type) -%}
    cast({{ regexp_group(column, '"action_type":"' ~ action_type ~ '","value":"([0-9.]+)"') }} as decimal(18, 4))
{%- endmacro %}
