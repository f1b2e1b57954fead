-- The customer features as of the current model's training date, by the
-- same definition as int_customer_features (macros/customer_features.sql):
-- the reference distribution of the drift check.
{{ customer_features(ref('int_segment_training_as_of_date')) }}
