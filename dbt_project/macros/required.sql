{#-
    `column`, which every row of raw table `table` must carry (an id that places the row in the
    hierarchy, a date, the currency money is in): a row without it fails the query with a
    message naming the table and the field, rather than landing in no campaign, day or currency.
    Fields a vendor documents as optional are coalesced instead (see each source's README).
-#}
{% macro required(column, table, field=none) -%}
    case
        when {{ column }} is null
            then {{ raise_error("'" ~ table ~ ": a row has no " ~ (field or column)
                                ~ ", which every row must carry'") }}
        else {{ column }}
    end
{%- endmacro %}
