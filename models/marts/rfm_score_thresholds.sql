{#-
    The score bands of R, F and M: one row per metric and score. A value
    scores `score` when lower_bound < value <= upper_bound (a null bound is
    open). Recency and monetary bands are quintiles of the customers'
    values; frequency bands are fixed by the var `rfm_frequency_thresholds`
    (see DECISIONLOG.md). Bands compare values, never row order, so equal
    values always get equal scores.
-#}
{%- set fractions = [0.2, 0.4, 0.6, 0.8] -%}
{%- set frequency_thresholds = var('rfm_frequency_thresholds') -%}
{%- if frequency_thresholds | length != 4 -%}
    {{ exceptions.raise_compiler_error(
        "var rfm_frequency_thresholds must list 4 order counts (the lowest "
        ~ "frequency of f_score 2, 3, 4 and 5), got: " ~ frequency_thresholds
    ) }}
{%- endif -%}
with

rfm_values as (

    select * from {{ ref('int_customer_rfm_values') }}

),

quantiles as (

    select
        {%- for fraction in fractions %}
        cast({{ percentile_cont('recency_days', fraction) }} as {{ dbt.type_numeric() }})
            as recency_q{{ loop.index }},
        cast({{ percentile_cont('monetary', fraction) }} as {{ dbt.type_numeric() }})
            as monetary_q{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from rfm_values

),

bands as (

    {#- Quintile band b (1..5) runs from quantile b-1 to quantile b. #}
    {%- for band in range(1, 6) %}
    select
        'recency_days' as metric,
        {{ 6 - band }} as score,
        {{ 'cast(null as ' ~ dbt.type_numeric() ~ ')' if band == 1
            else 'recency_q' ~ (band - 1) }} as lower_bound,
        {{ 'cast(null as ' ~ dbt.type_numeric() ~ ')' if band == 5
            else 'recency_q' ~ band }} as upper_bound
    from quantiles
    union all
    select
        'monetary' as metric,
        {{ band }} as score,
        {{ 'cast(null as ' ~ dbt.type_numeric() ~ ')' if band == 1
            else 'monetary_q' ~ (band - 1) }} as lower_bound,
        {{ 'cast(null as ' ~ dbt.type_numeric() ~ ')' if band == 5
            else 'monetary_q' ~ band }} as upper_bound
    from quantiles
    union all
    select
        'frequency' as metric,
        {{ band }} as score,
        {{ 'cast(null as ' ~ dbt.type_numeric() ~ ')' if band == 1
            else 'cast(' ~ (frequency_thresholds[band - 2] - 1) ~ ' as '
            ~ dbt.type_numeric() ~ ')' }} as lower_bound,
        {{ 'cast(null as ' ~ dbt.type_numeric() ~ ')' if band == 5
            else 'cast(' ~ (frequency_thresholds[band - 1] - 1) ~ ' as '
            ~ dbt.type_numeric() ~ ')' }} as upper_bound
    from quantiles
    {{ 'union all' if not loop.last }}
    {%- endfor %}

)

select * from bands
