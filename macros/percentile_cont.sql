{#-
    The continuous percentile (linear interpolation) of `column` at
    `fraction` (0..1), as an aggregate. Standard SQL ordered-set syntax works
    on DuckDB, PostgreSQL, Snowflake and Redshift; adapters that lack it can
    add an `<adapter>__percentile_cont` implementation.
-#}
{% macro percentile_cont(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(column, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}
