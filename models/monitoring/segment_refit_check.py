"""Is a refit of the frozen segment model due? One row with the verdict.

Compares the frozen model's segments (its fitted rules, segment_model_rules,
on today's features) with refits on today's features of the fit sample's
customers (same hyper-parameters, distilled into rules) by ARI, reads the
features' PSI
from segment_drift and the model's age.
"""


def model(dbt, session):
    """Return the segment_refit_check row."""
    from olist_segmentation.dbt_models import monitoring

    # dbt passes a config key to a Python model only when it is read with a
    # literal dbt.config.get("...") call.
    settings = {
        "stability_ari_threshold": dbt.config.get("stability_ari_threshold"),
        "drift_psi_threshold": dbt.config.get("drift_psi_threshold"),
        "segment_refresh_interval_weeks": dbt.config.get(
            "segment_refresh_interval_weeks"
        ),
    }
    features = dbt.ref("int_customer_features").order("customer_unique_id").df()
    rules = dbt.ref("segment_model_rules").df()
    drift = dbt.ref("segment_drift").df()
    trained_customers = dbt.ref("int_segment_training_features").df()
    trained = dbt.ref("int_segment_training_as_of_date").df()
    selection = dbt.ref("segment_model_selection").df()
    # the refits see the bounded fit sample, as the model's own fit did
    fit_sample = dbt.ref("int_segment_fit_sample").df()
    return monitoring.segment_refit_check(
        features,
        rules,
        drift,
        trained,
        trained_customers,
        selection,
        settings.get,
        fit_sample,
    )
