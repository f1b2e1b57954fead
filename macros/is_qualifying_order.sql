{#-
    True when an order counts as a purchase: its status is not one of the
    var `rfm_excluded_order_statuses` (default: canceled, unavailable).
    The one definition of "qualifying order" used by every model and test.
-#}
{% macro is_qualifying_order(status_column) -%}
    {%- set excluded = var('rfm_excluded_order_statuses') -%}
    {%- if excluded | length == 0 -%}
        true
    {%- else -%}
        {{ status_column }} not in (
            {%- for status in excluded -%}
                {{ sql_literal(status) }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
