-- RFM score bands at every date of the purchase-score backtest (same
-- definition as rfm_score_thresholds: macros/rfm_scoring.sql).
{{ rfm_score_thresholds_sql(ref('int_prediction_backtest_features')) }}
