"""Behavioural segments as of the lift backtest's past date.

The chosen model's algorithm, k and settings, fitted on the features as of
that date only (no look-ahead).
"""


def model(dbt, session):
    """Return customer_unique_id, segment_id, segment_name as of the past date."""
    from olist_segmentation import dbt_models

    dbt.config(materialized="table")
    features = dbt.ref("int_customer_features_lift").order("customer_unique_id").df()
    selection = dbt.ref("segment_model_selection").df()
    return dbt_models.backtest_assignments(features, selection)
