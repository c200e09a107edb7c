{#- Fails unless `model` has exactly one row (returns its row count otherwise). -#}
{% test exactly_one_row(model) %}

select rows_found
from (select count(*) as rows_found from {{ model }}) as counted
where rows_found <> 1

{% endtest %}
