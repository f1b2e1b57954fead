-- One row per person with a qualifying order before the as-of date: every
-- customer feature (RFM, basket, payment, delivery, satisfaction,
-- geography), from the one definition in macros/customer_features.sql.
{{ customer_features(ref('int_as_of_date')) }}
