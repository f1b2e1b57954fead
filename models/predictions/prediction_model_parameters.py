"""The frozen purchase model: regression rows and the revenue regression.

Appends a version only when none exists or the var segment_refit is true
(one switch refits every model); the training set is read only then.
"""


def model(dbt, session):
    """Return the rows to append (none when the latest version is reused)."""
    from olist_segmentation import predictions

    # dbt passes a config key to a Python model only when it is read with a
    # literal dbt.config.get("...") call.
    settings = {
        "prediction_features": dbt.config.get("prediction_features"),
    }
    refit = dbt.config.get("segment_refit")
    training = dbt.ref("int_prediction_training_set")
    dates = dbt.ref("int_prediction_training_date")
    latest = 0
    stale = False
    if dbt.is_incremental:
        latest, stale = session.execute(
            "select coalesce(max(prediction_model_version), 0), "
            "coalesce(max(case when method = 'logistic_regression' then 1 end), 0) "
            "- coalesce(max(case when parameter = 'revenue:intercept' then 1 end), 0) "
            "= 1 "
            f"from {dbt.this} where prediction_model_version = "
            f"(select max(prediction_model_version) from {dbt.this})"
        ).fetchall()[0]
    return predictions.model_parameters(
        lambda: training.order("customer_unique_id").df(),
        int(latest),
        refit,
        settings.get,
        lambda: dates.df(),
        bool(stale),
    )
