{#-
    An aggregate: `value` on the row with the largest `order_by` (a list of
    columns, compared left to right, descending), nulls included - what
    `row_number() over (partition by ... order by ... desc) = 1` picks, in
    one pass of the group by instead of a window over every row (the window
    sorted all orders and was the memory peak at 10M orders). The columns
    of `order_by` must be unique within a group and never null.
-#}
{% macro latest_value(value, order_by) -%}
    {{ return(adapter.dispatch('latest_value')(value, order_by)) }}
{%- endmacro %}

{% macro default__latest_value(value, order_by) -%}
    (array_agg({{ value }} order by
    {%- for column in order_by %} {{ column }} desc{{ ',' if not loop.last }}
    {%- endfor %}))[1]
{%- endmacro %}

{% macro duckdb__latest_value(value, order_by) -%}
    arg_max_null({{ value }}, row({{ order_by | join(', ') }}))
{%- endmacro %}

{% macro spark__latest_value(value, order_by) -%}
    max_by({{ value }}, struct({{ order_by | join(', ') }}))
{%- endmacro %}
