-- One row per person with at least one qualifying order before the as-of
-- date: recency, frequency and monetary values, their 1-5 scores (5 best)
-- and the named RFM segment.
with

rfm_values as (

    select * from {{ ref('int_customer_rfm_values') }}

),

thresholds as (

    select * from {{ ref('rfm_score_thresholds') }}

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
            r.metric = 'recency_days'
            and (r.lower_bound is null or rfm_values.recency_days > r.lower_bound)
            and (r.upper_bound is null or rfm_values.recency_days <= r.upper_bound)
    left join thresholds as f
        on
            f.metric = 'frequency'
            and (f.lower_bound is null or rfm_values.frequency > f.lower_bound)
            and (f.upper_bound is null or rfm_values.frequency <= f.upper_bound)
    left join thresholds as m
        on
            m.metric = 'monetary'
            and (m.lower_bound is null or rfm_values.monetary > m.lower_bound)
            and (m.upper_bound is null or rfm_values.monetary <= m.upper_bound)

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
