-- RFM scores and segments as of the lift backtest's past date (same
-- definition as customer_rfm: macros/rfm_scoring.sql).
{{ rfm_scores_sql(
    ref('int_customer_features_lift'), ref('int_rfm_score_thresholds_lift')
) }}
