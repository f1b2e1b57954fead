"""Drift of each model feature since the current model was trained.

One row per feature: PSI and Kolmogorov-Smirnov statistic of today's
features (int_customer_features) against the features as of the training
date (int_segment_training_features).
"""


def model(dbt, session):
    """Return the segment_drift rows."""
    from olist_segmentation.dbt_models import monitoring

    psi_threshold = dbt.config.get("drift_psi_threshold")
    current = dbt.ref("int_customer_features").order("customer_unique_id").df()
    training = dbt.ref("int_segment_training_features").order("customer_unique_id").df()
    trained = dbt.ref("int_segment_training_as_of_date").df()
    selection = dbt.ref("segment_model_selection").df()
    return monitoring.segment_drift(
        current, training, trained, selection, psi_threshold
    )
