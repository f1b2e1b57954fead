"""Behavioural segments as of the lift backtest's past date.

The chosen model's algorithm, k and settings, fitted on the features as of
that date only (no look-ahead), then matched to the production model's
segments so that both carry the same ids and names.
"""


def model(dbt, session):
    """Return customer_unique_id, segment_id, segment_name, matches_production."""
    from olist_segmentation.dbt_models import monitoring

    dbt.config(materialized="table")
    features = dbt.ref("int_customer_features_lift").order("customer_unique_id").df()
    selection = dbt.ref("segment_model_selection").df()
    centres = dbt.ref("segment_model_centres").df()
    transforms = dbt.ref("segment_model_transforms").df()
    definitions = dbt.ref("segment_definitions").df()
    return monitoring.backtest_assignments(
        features, selection, centres, transforms, definitions
    )
