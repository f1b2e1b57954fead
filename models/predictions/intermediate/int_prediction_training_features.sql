-- The customer features as of the purchase model's training date (same
-- definition as int_customer_features: macros/customer_features.sql).
{{ customer_features(ref('int_prediction_training_date')) }}
