"""The purchase-score backtest: every method's scores at every cut date.

Each method learns only from data before the cut (the regression and the
rankings' calibration from the horizon that ends at the cut; BG/NBD and
Gamma-Gamma from the purchases before it) and is judged on the horizon
after it. prediction_backtest and prediction_backtest_deciles compute the
metrics from these rows in SQL.
"""


def model(dbt, session):
    """Return one row per cut date, method and customer."""
    from olist_segmentation import predictions

    dbt.config(materialized="table")
    settings = {
        "prediction_features": dbt.config.get("prediction_features"),
        "segment_fit_sample_size": dbt.config.get("segment_fit_sample_size"),
    }
    features = dbt.ref("int_prediction_backtest_features").df()
    rfm = dbt.ref("int_prediction_backtest_rfm").df()
    dates = dbt.ref("int_prediction_backtest_dates").df()
    cuts = dates[dates["date_role"] == "score"][["cut_date", "horizon_days"]]
    train = dates[dates["date_role"] == "train"][["cut_date", "as_of_date"]]
    cuts = cuts.merge(train.rename(columns={"as_of_date": "train_date"}), on="cut_date")
    return predictions.backtest_scores(
        features,
        rfm,
        cuts,
        list(settings["prediction_features"]),
        int(settings["segment_fit_sample_size"]),
        progress=predictions.log,
    )
