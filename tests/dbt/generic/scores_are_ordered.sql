{#-
    Fails when a higher score does not mean a strictly better value of
    `value_column` (larger, or smaller when `higher_is_better` is false), or
    when two equal values got different scores: the value ranges of the
    scores must not overlap.
-#}
{% test scores_are_ordered(model, column_name, value_column, higher_is_better=true) %}

    with

    ranges as (

        select
            {{ column_name }} as score,
            min({{ value_column }}) as min_value,
            max({{ value_column }}) as max_value
        from {{ model }}
        group by {{ column_name }}

    ),

    next_ranges as (

        select
            score,
            min_value,
            max_value,
            lead(min_value) over (order by score) as next_min_value,
            lead(max_value) over (order by score) as next_max_value
        from ranges

    )

    select *
    from next_ranges
    where
        {% if higher_is_better -%}
            next_min_value <= max_value
        {%- else -%}
            next_max_value >= min_value
        {%- endif %}

{% endtest %}
