{#- Fails with every row whose `column_name` is below zero (the whole row, so it can be found). -#}
{% test non_negative(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} < 0

{% endtest %}
