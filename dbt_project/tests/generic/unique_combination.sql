{#-
    One row per combination of `columns`, NULL counting as a value. A group by over the
    columns themselves: unique over a concatenated text key builds a string per row, which on
    the national fct_metric_values (tens of millions of rows) was the slowest test of a build.
-#}
{% test unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as rows_with_key
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
