{#-
    The continuous percentile (linear interpolation) of `column` at
    `fraction` (0..1), as an aggregate, computed in double precision so that
    decimal inputs are not truncated to their scale while interpolating
    (DuckDB keeps a DECIMAL's scale: the 60% point of 300 and 400 would come
    out as 339.99). Standard SQL ordered-set syntax works
    on DuckDB, PostgreSQL, Snowflake and Redshift; adapters that lack it can
    add an `<adapter>__percentile_cont` implementation.
-#}
{% macro percentile_cont(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(column, fraction) -%}
    percentile_cont({{ fraction }}) within group (
        order by cast({{ column }} as {{ type_double() }})
    )
{%- endmacro %}
