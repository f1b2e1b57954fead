-- The score bands of R, F and M at the as-of date: one row per metric and
-- score (see macros/rfm_scoring.sql).
{{ rfm_score_thresholds_sql(ref('int_customer_rfm_values')) }}
