{#-
    HubSpot's default lifecycle stages, in funnel order, and the column that counts the
    contacts now in each: (internal stage value, column name).
-#}
{% macro lifecycle_stage_columns() %}
    {{ return([
        ('subscriber', 'subscribers'),
        ('lead', 'leads'),
        ('marketingqualifiedlead', 'mqls'),
        ('salesqualifiedlead', 'sqls'),
        ('opportunity', 'opportunities'),
        ('customer', 'customers'),
        ('evangelist', 'evangelists'),
        ('other', 'others'),
    ]) }}
{% endmacro %}
