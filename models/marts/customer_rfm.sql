-- One row per person with at least one qualifying order before the as-of
-- date: recency, frequency and monetary values, their 1-5 scores (5 best)
-- and the named RFM segment (see macros/rfm_scoring.sql).
{{ rfm_scores_sql(ref('int_customer_rfm_values'), ref('rfm_score_thresholds')) }}
