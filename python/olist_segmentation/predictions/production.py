"""The frozen purchase model: ``prediction_model_parameters`` rows.

A version holds the purchase regression's rows, the revenue regression's
coefficients and the orders per buyer; it is fitted only when none exists
or the var ``segment_refit`` is true. When the training window cannot fit
them (no buyer, only buyers, nobody spent), the version is a documented
fallback instead of a failed build: method ``frequency_recency`` ranks
customers by orders, then recency, and leaves the scores empty with the
reason (``customer_predictions.score_note``).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from olist_segmentation.dbt_models.common import flag, import_under_lock
from olist_segmentation.log import get_logger
from olist_segmentation.predictions.regression import (
    PredictionError,
    fit_logistic,
    fit_revenue,
)

#: Columns of ``prediction_model_parameters``.
PARAMETER_COLUMNS = [
    "prediction_model_version",
    "method",
    "trained_as_of_date",
    "features_as_of_date",
    "horizon_days",
    "training_customers",
    "training_buyers",
    "parameter",
    "fill_value",
    "log_transform",
    "mean",
    "scale",
    "value",
]

#: The fitted method, and the fallback when the training window cannot fit it.
FITTED_METHOD = "logistic_regression"
FALLBACK_METHOD = "frequency_recency"


def _fitted_rows(training: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    is_buyer = training["is_buyer"].to_numpy(dtype=int)
    revenue = training["future_revenue"].fillna(0).to_numpy(dtype=float)
    rows = pd.concat(
        [
            fit_logistic(training, is_buyer, names),
            fit_revenue(training, revenue, names),
        ],
        ignore_index=True,
    )
    buyers = training[training["is_buyer"] == 1]
    per_buyer = float(buyers["future_orders"].mean())
    extra = pd.DataFrame([{"parameter": "purchases_per_buyer", "value": per_buyer}])
    rows = pd.concat([rows, extra], ignore_index=True)
    rows["method"] = FITTED_METHOD
    return rows


def _fallback_rows(training: pd.DataFrame, error: PredictionError) -> pd.DataFrame:
    log(f"purchase model not fitted, ranking by orders then recency: {error}")
    buyers = int(training["is_buyer"].sum()) if len(training) else 0
    rate = buyers / len(training) if len(training) else 0.0
    rows = pd.DataFrame([{"parameter": "training_base_rate", "value": rate}])
    rows["method"] = FALLBACK_METHOD
    return rows


def model_parameters(
    load_training: Callable[[], pd.DataFrame],
    latest_version: int,
    refit: object,
    get: Callable[[str], object],
    load_dates: Callable[[], pd.DataFrame] | None = None,
    latest_is_stale: bool = False,
) -> pd.DataFrame:
    """Rows of ``prediction_model_parameters`` to append in this build.

    Args:
        load_training: Reads ``int_prediction_training_set``; called only
            when a new version is fitted.
        latest_version: Highest stored version; 0 when none.
        refit: The var ``segment_refit`` (one switch refits every model).
        get: Reads the model's config (prediction vars).
        load_dates: Reads ``int_prediction_training_date`` (as_of_date,
            horizon_days, window_end_date): the dates of a version whose
            training set is empty.
        latest_is_stale: The latest version is a fitted model from before
            the revenue regression (it cannot score expected revenue).

    Raises:
        PredictionError: The latest version is stale and no refit was asked.
    """
    if latest_version and not flag(refit):
        if latest_is_stale:
            raise PredictionError(
                f"purchase model version {latest_version} predates the revenue "
                "regression (it has no revenue:* rows), so expected revenue "
                "cannot be scored. Nothing was served. Fix: refit once with "
                "`olist-seg build --refit` (or var segment_refit: true)."
            )
        return pd.DataFrame(columns=PARAMETER_COLUMNS)
    names = list(get("prediction_features"))  # type: ignore[call-overload]
    # other models may import scipy in their threads at the same moment
    import_under_lock("sklearn.linear_model")
    training = load_training()
    try:
        if training.empty:
            raise PredictionError(
                "purchase model: no customer had a qualifying order before the "
                "training date (as-of date minus var prediction_horizon_days). "
                "Fix: build on more data or shorten the horizon."
            )
        rows = _fitted_rows(training, names)
    except PredictionError as error:
        rows = _fallback_rows(training, error)
    dates = training if len(training) or load_dates is None else load_dates()
    rows["log_transform"] = rows.get("log_transform", pd.Series(dtype=bool))
    rows["log_transform"] = rows["log_transform"].fillna(False).astype(bool)
    rows["prediction_model_version"] = latest_version + 1
    rows["trained_as_of_date"] = dates["window_end_date"].iloc[0]
    rows["features_as_of_date"] = dates["as_of_date"].iloc[0]
    rows["horizon_days"] = int(dates["horizon_days"].iloc[0])
    rows["training_customers"] = len(training)
    rows["training_buyers"] = int(training["is_buyer"].sum()) if len(training) else 0
    return rows.reindex(columns=PARAMETER_COLUMNS)


_LOG = get_logger("olist_segmentation.predictions")


def log(message: str) -> None:
    """Write a progress line of the purchase models to stderr."""
    _LOG.info(message)
