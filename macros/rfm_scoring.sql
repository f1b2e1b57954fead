{#-
    The score bands of R, F and M for every as-of date in `rfm_values` (a
    relation with as_of_date, recency_days, frequency, monetary): one row
    per as-of date, metric and score. A value scores `score` when
    lower_bound < value <= upper_bound (a null bound is open). Recency and
    monetary bands are quintiles of the customers' values at that date;
    frequency bands are fixed by the var `rfm_frequency_thresholds` (see
    DECISIONLOG.md). Bands compare values, never row order, so equal values
    always get equal scores.
-#}
{% macro rfm_score_thresholds_sql(rfm_values) %}
{#- Checked by the on-run-start hook validate_project_vars. -#}
{%- set f = var('rfm_frequency_thresholds') -%}
with

rfm_values as (

    select * from {{ rfm_values }}

),

quantiles as (

    select
        as_of_date,
        {{ percentile_cont('recency_days', 0.2) }} as recency_q1,
        {{ percentile_cont('recency_days', 0.4) }} as recency_q2,
        {{ percentile_cont('recency_days', 0.6) }} as recency_q3,
        {{ percentile_cont('recency_days', 0.8) }} as recency_q4,
        {{ percentile_cont('monetary', 0.2) }} as monetary_q1,
        {{ percentile_cont('monetary', 0.4) }} as monetary_q2,
        {{ percentile_cont('monetary', 0.6) }} as monetary_q3,
        {{ percentile_cont('monetary', 0.8) }} as monetary_q4
    from rfm_values
    group by as_of_date

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
        quantiles.as_of_date,
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
        quantiles.as_of_date,
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
        quantiles.as_of_date,
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
    cross join quantiles

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
        as_of_date,
        metric,
        score,
        cast(lower_bound as {{ dbt.type_numeric() }}) as lower_bound,
        cast(upper_bound as {{ dbt.type_numeric() }}) as upper_bound
    from unioned

)

select * from final

{% endmacro %}

{#-
    Scores R, F and M (1-5, 5 best) of every row of `rfm_values` (one row
    per as_of_date and customer_unique_id) with the bands of `thresholds`
    at the same as-of date, and names the RFM segment from the seed grid.
-#}
{% macro rfm_scores_sql(rfm_values, thresholds) %}
with

rfm_values as (

    select * from {{ rfm_values }}

),

thresholds as (

    select * from {{ thresholds }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

scored as (

    select
        rfm_values.*,
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from rfm_values
    left join thresholds as r
        on
            rfm_values.as_of_date = r.as_of_date
            and r.metric = 'recency_days'
            and (r.lower_bound is null or rfm_values.recency_days > r.lower_bound)
            and (r.upper_bound is null or rfm_values.recency_days <= r.upper_bound)
    left join thresholds as f
        on
            rfm_values.as_of_date = f.as_of_date
            and f.metric = 'frequency'
            and (f.lower_bound is null or rfm_values.frequency > f.lower_bound)
            and (f.upper_bound is null or rfm_values.frequency <= f.upper_bound)
    -- monetary is compared in the bounds' type: Spark would otherwise fit
    -- decimal(38, 2) and decimal(28, 6) into decimal(38, 2), rounding a
    -- bound of 46.348 to 46.35 and scoring 46.35 a band too low
    left join thresholds as m
        on
            rfm_values.as_of_date = m.as_of_date
            and m.metric = 'monetary'
            and (
                m.lower_bound is null
                or cast(rfm_values.monetary as {{ dbt.type_numeric() }})
                > m.lower_bound
            )
            and (
                m.upper_bound is null
                or cast(rfm_values.monetary as {{ dbt.type_numeric() }})
                <= m.upper_bound
            )

),

combined as (

    select
        *,
        -- frequency and monetary combined: their mean, halves rounded up
        cast(floor((f_score + m_score + 1) / 2.0) as {{ dbt.type_int() }})
            as fm_score
    from scored

),

final as (

    select
        -- ids
        combined.customer_unique_id,

        -- dates
        combined.as_of_date,
        combined.first_purchase_date,
        combined.last_purchase_date,

        -- values
        combined.recency_days,
        combined.frequency,
        combined.monetary,

        -- scores
        combined.r_score,
        combined.f_score,
        combined.m_score,
        combined.fm_score,
        {{ dbt.concat([
            dbt.cast('combined.r_score', dbt.type_string()),
            dbt.cast('combined.f_score', dbt.type_string()),
            dbt.cast('combined.m_score', dbt.type_string()),
        ]) }} as rfm_cell,

        -- segment
        segments.segment_name as rfm_segment

    from combined
    left join segments
        on
            combined.r_score between segments.r_score_min and segments.r_score_max
            and combined.fm_score
            between segments.fm_score_min and segments.fm_score_max

)

select * from final

{% endmacro %}
