{#-
    Model-level invariant: fails with the rows where `expression` is not
    true. Use `where` (a config) to restrict the rows checked.
-#}
{% test expression_is_true(model, expression, column_name=none) %}

    select *
    from {{ model }}
    where not ({{ expression }})

{% endtest %}
