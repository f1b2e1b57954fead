-- The customer features as of the lift backtest's past date (same
-- definition as int_customer_features: macros/customer_features.sql).
{{ customer_features(ref('int_lift_as_of_date')) }}
