-- RFM scores and segments at every date of the purchase-score backtest:
-- the steps of customer_rfm on int_prediction_backtest_features (keep them
-- the same).
with

rfm_values as (

    select * from {{ ref('int_prediction_backtest_features') }}

),

thresholds as (

    select * from {{ ref('int_prediction_backtest_rfm_thresholds') }}

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

recency_bands as (

    select * from thresholds
    where metric = 'recency_days'

),

frequency_bands as (

    select * from thresholds
    where metric = 'frequency'

),

monetary_bands as (

    select * from thresholds
    where metric = 'monetary'

),

scored as (

    -- each value scores the band it lies in: lower_bound < value <= upper_bound
    select
        rfm_values.*,
        recency_bands.score as r_score,
        frequency_bands.score as f_score,
        monetary_bands.score as m_score
    from rfm_values
    left join recency_bands
        on
            rfm_values.as_of_date = recency_bands.as_of_date
            and {{ rfm_value_in_band('rfm_values.recency_days', 'recency_bands') }}
    left join frequency_bands
        on
            rfm_values.as_of_date = frequency_bands.as_of_date
            and {{ rfm_value_in_band('rfm_values.frequency', 'frequency_bands') }}
    -- monetary is compared in the bounds' type: Spark would otherwise fit
    -- decimal(38, 2) and decimal(28, 6) into decimal(38, 2), rounding a
    -- bound of 46.348 to 46.35 and scoring 46.35 a band too low
    left join monetary_bands
        on
            rfm_values.as_of_date = monetary_bands.as_of_date
            and {{ rfm_value_in_band(
                'cast(rfm_values.monetary as ' ~ dbt.type_numeric() ~ ')',
                'monetary_bands'
            ) }}

),

combined as (

    -- frequency and monetary combined: their mean, halves rounded up
    select
        *,
        {{ rfm_fm_score('f_score', 'm_score') }} as fm_score
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
        {{ rfm_cell('combined.r_score', 'combined.f_score', 'combined.m_score') }}
            as rfm_cell,

        -- segment: the cell of the R x FM grid the scores fall in
        segments.segment_name as rfm_segment

    from combined
    left join segments
        on
            combined.r_score between segments.r_score_min and segments.r_score_max
            and combined.fm_score
            between segments.fm_score_min and segments.fm_score_max

)

select * from final
