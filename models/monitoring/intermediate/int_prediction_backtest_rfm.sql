-- RFM scores and segments at every date of the purchase-score backtest
-- (same definition as customer_rfm: macros/rfm_scoring.sql).
{{ rfm_scores_sql(
    ref('int_prediction_backtest_features'),
    ref('int_prediction_backtest_rfm_thresholds')
) }}
