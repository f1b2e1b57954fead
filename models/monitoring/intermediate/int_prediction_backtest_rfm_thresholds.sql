-- The RFM score bands at every date of the purchase-score backtest: the
-- steps of rfm_score_thresholds on int_prediction_backtest_features (keep
-- them the same).
{%- set frequency_thresholds = var('rfm_frequency_thresholds') %}
with

rfm_values as (

    select * from {{ ref('int_prediction_backtest_features') }}

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

    -- band b (1..5) runs from the (b-1)th to the bth cut
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
        {{ rfm_band_bounds('bands.band', [
            'quantiles.recency_q1', 'quantiles.recency_q2',
            'quantiles.recency_q3', 'quantiles.recency_q4',
        ]) }}
    from bands
    cross join quantiles

),

frequency as (

    -- integer order counts: "at least t orders" is "more than t - 1"
    select
        quantiles.as_of_date,
        'frequency' as metric,
        bands.band as score,
        {{ rfm_band_bounds('bands.band', [
            frequency_thresholds[0] - 1, frequency_thresholds[1] - 1,
            frequency_thresholds[2] - 1, frequency_thresholds[3] - 1,
        ]) }}
    from bands
    cross join quantiles

),

monetary as (

    select
        quantiles.as_of_date,
        'monetary' as metric,
        bands.band as score,
        {{ rfm_band_bounds('bands.band', [
            'quantiles.monetary_q1', 'quantiles.monetary_q2',
            'quantiles.monetary_q3', 'quantiles.monetary_q4',
        ]) }}
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
