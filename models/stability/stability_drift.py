"""Refresh-interval simulation: each feature's drift since the start date.

One row per start date, weekly horizon and model feature: PSI and
Kolmogorov-Smirnov statistic against the features as of the start date.
"""


def model(dbt, session):
    """Return the stability_drift rows."""
    from olist_segmentation.dbt_models import stability

    grid = dbt.ref("int_stability_as_of_dates").df()
    features = (
        dbt.ref("int_stability_features").order("as_of_date, customer_unique_id").df()
    )
    selection = dbt.ref("segment_model_selection").df()
    return stability.stability_drift(features, grid, selection)
