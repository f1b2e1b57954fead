-- The RFM score bands as of the lift backtest's past date (same definition
-- as rfm_score_thresholds: macros/rfm_scoring.sql).
{{ rfm_score_thresholds_sql(ref('int_customer_features_lift')) }}
