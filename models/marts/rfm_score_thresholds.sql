{#-
    The score bands of R, F and M: one row per metric and score. A value
    scores `score` when lower_bound < value <= upper_bound (a null bound is
    open). Recency and monetary bands are quintiles of the customers'
    values; frequency bands are fixed by the var `rfm_frequency_thresholds`
    (see DECISIONLOG.md). Bands compare values, never row order, so equal
    values always get equal scores.
-#}
{#- Checked by the on-run-start hook validate_project_vars. -#}
{%- set f = var('rfm_frequency_thresholds') -%}
with

rfm_values as (

    select * from {{ ref('int_customer_rfm_values') }}

),

quantiles as (

    select
        {{ percentile_cont('recency_days', 0.2) }} as recency_q1,
        {{ percentile_cont('recency_days', 0.4) }} as recency_q2,
        {{ percentile_cont('recency_days', 0.6) }} as recency_q3,
        {{ percentile_cont('recency_days', 0.8) }} as recency_q4,
        {{ percentile_cont('monetary', 0.2) }} as monetary_q1,
        {{ percentile_cont('monetary', 0.4) }} as monetary_q2,
        {{ percentile_cont('monetary', 0.6) }} as monetary_q3,
        {{ percentile_cont('monetary', 0.8) }} as monetary_q4
    from rfm_values

),

bands as (

    -- band b (1..5) runs from the (b-1)th to the bth quintile
    select 1 as band
    union all
    select 2 as band
    union all
    select 3 as band
    union all
    select 4 as band
    union all
    select 5 as band

),

recency as (

    -- a short recency is good: the lowest band scores 5
    select
        'recency_days' as metric,
        6 - bands.band as score,
        case bands.band
            when 2 then quantiles.recency_q1
            when 3 then quantiles.recency_q2
            when 4 then quantiles.recency_q3
            when 5 then quantiles.recency_q4
        end as lower_bound,
        case bands.band
            when 1 then quantiles.recency_q1
            when 2 then quantiles.recency_q2
            when 3 then quantiles.recency_q3
            when 4 then quantiles.recency_q4
        end as upper_bound
    from bands
    cross join quantiles

),

monetary as (

    select
        'monetary' as metric,
        bands.band as score,
        case bands.band
            when 2 then quantiles.monetary_q1
            when 3 then quantiles.monetary_q2
            when 4 then quantiles.monetary_q3
            when 5 then quantiles.monetary_q4
        end as lower_bound,
        case bands.band
            when 1 then quantiles.monetary_q1
            when 2 then quantiles.monetary_q2
            when 3 then quantiles.monetary_q3
            when 4 then quantiles.monetary_q4
        end as upper_bound
    from bands
    cross join quantiles

),

frequency as (

    -- integer order counts: "at least t orders" is "more than t - 1"
    select
        'frequency' as metric,
        bands.band as score,
        case bands.band
            when 2 then {{ f[0] - 1 }}
            when 3 then {{ f[1] - 1 }}
            when 4 then {{ f[2] - 1 }}
            when 5 then {{ f[3] - 1 }}
        end as lower_bound,
        case bands.band
            when 1 then {{ f[0] - 1 }}
            when 2 then {{ f[1] - 1 }}
            when 3 then {{ f[2] - 1 }}
            when 4 then {{ f[3] - 1 }}
        end as upper_bound
    from bands

),

unioned as (

    select * from recency
    union all
    select * from frequency
    union all
    select * from monetary

),

final as (

    select
        metric,
        score,
        cast(lower_bound as {{ dbt.type_numeric() }}) as lower_bound,
        cast(upper_bound as {{ dbt.type_numeric() }}) as upper_bound
    from unioned

)

select * from final
