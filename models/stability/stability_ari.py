"""Refresh-interval simulation: ARI of the frozen model M0 vs a refit.

One row per start date, weekly horizon and population (all customers at the
horizon, or only those already known at the start date).
"""


def model(dbt, session):
    """Return the stability_ari rows."""
    from olist_segmentation.dbt_models import stability

    # dbt passes a config key to a Python model only when it is read with a
    # literal dbt.config.get("...") call.
    start_dates = dbt.config.get("stability_start_dates")
    fit_sample_size = dbt.config.get("segment_fit_sample_size")
    grid = dbt.ref("int_stability_as_of_dates").df()
    features = (
        dbt.ref("int_stability_features").order("as_of_date, customer_unique_id").df()
    )
    selection = dbt.ref("segment_model_selection").df()
    return stability.stability_ari(
        features, grid, selection, start_dates, fit_sample_size
    )
