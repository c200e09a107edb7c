{#- Fails with the duplicated key values when `columns` together are not unique. -#}
{% test unique_key_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
