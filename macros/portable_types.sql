{#-
    Engine differences the models must not spell out (DECISIONLOG "One
    project, three engines"). Each macro dispatches on the adapter, so a
    model reads the same on DuckDB, PostgreSQL and Spark.

    type_double(): the 64-bit float type. `double` on DuckDB and Spark,
    `double precision` on PostgreSQL (which has no `double`).
    dbt.type_float() is not it: on Spark it gives a 32-bit `float`.
-#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{#-
    ratio(numerator, denominator): numerator / denominator as a double, null
    when the denominator is 0 or null. Integer division truncates on
    PostgreSQL (late_delivery_count / delivered_order_count would be 0 or
    1), and decimal division returns numeric there and rounds to 6 places
    on Spark; a double on every engine is what DuckDB gives.
-#}
{% macro ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('ratio')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }})
    / nullif(cast({{ denominator }} as {{ type_double() }}), 0)
{%- endmacro %}
