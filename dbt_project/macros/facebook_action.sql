{#-
    The value of one action type in a Facebook insights `actions` list (JSON text such as
    `[{"action_type":"lead","value":"1.5"}]`, keys in Graph's order), as a decimal; null when the
    row has no such action. Found by substring search, not a regular expression: this runs on
    every insight row, and a search for a fixed text costs a fraction of a regex match.
-#}
{% macro facebook_action(column, action_type) -%}
    {%- set key = '"action_type":"' ~ action_type ~ '","value":"' -%}
    {%- set at = dbt.position("'" ~ key ~ "'", column) -%}
    case
        when {{ at }} > 0
            then {{ dbt.safe_cast(
                dbt.split_part('substr(' ~ column ~ ', ' ~ at ~ ' + ' ~ (key | length) ~ ', 40)',
                               "'\"'", 1),
                'decimal(18, 4)') }}
    end
{%- endmacro %}
