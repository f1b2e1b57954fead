-- The customer features as of every date of the refresh-interval
-- simulation, in one pass: the same definition as int_customer_features
-- (macros/customer_features.sql), one row per (as_of_date, customer).
{{ customer_features(ref('int_stability_as_of_dates')) }}
