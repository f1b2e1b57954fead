"""The frozen purchase model: ``prediction_model_parameters`` rows.

A version holds the regression's rows and the Gamma-Gamma parameters; it
is fitted only when none exists or the var ``segment_refit`` is true.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from olist_segmentation.dbt_models.common import flag, import_under_lock
from olist_segmentation.log import get_logger
from olist_segmentation.predictions.clv import fit_gamma_gamma, order_values
from olist_segmentation.predictions.regression import PredictionError, fit_logistic

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


def model_parameters(
    load_training: Callable[[], pd.DataFrame],
    latest_version: int,
    refit: object,
    get: Callable[[str], object],
) -> pd.DataFrame:
    """Rows of ``prediction_model_parameters`` to append in this build.

    Args:
        load_training: Reads ``int_prediction_training_set``; called only
            when a new version is fitted.
        latest_version: Highest stored version; 0 when none.
        refit: The var ``segment_refit`` (one switch refits every model).
        get: Reads the model's config (prediction vars).
    """
    if latest_version and not flag(refit):
        return pd.DataFrame(columns=PARAMETER_COLUMNS)
    names = list(get("prediction_features"))  # type: ignore[call-overload]
    # other models may import scipy in their threads at the same moment
    import_under_lock("sklearn.linear_model", "pymc_marketing.clv")
    training = load_training()
    if training.empty:
        raise PredictionError(
            "purchase model: no customer had a qualifying order before the "
            "training date (as-of date minus var prediction_horizon_days). "
            "Fix: build on more data or shorten the horizon."
        )
    is_buyer = training["is_buyer"].to_numpy(dtype=int)
    rows = fit_logistic(training, is_buyer, names)
    frequency, mean_value = order_values(training)
    gg = fit_gamma_gamma(frequency, mean_value)
    buyers = training[training["is_buyer"] == 1]
    per_buyer = float(buyers["future_orders"].mean()) if len(buyers) else 1.0
    extra = pd.DataFrame(
        [
            {"parameter": "gamma_gamma_p", "value": gg.p},
            {"parameter": "gamma_gamma_q", "value": gg.q},
            {"parameter": "gamma_gamma_v", "value": gg.v},
            {"parameter": "purchases_per_buyer", "value": per_buyer},
        ]
    )
    rows = pd.concat([rows, extra], ignore_index=True)
    rows["log_transform"] = rows["log_transform"].fillna(False).astype(bool)
    rows["prediction_model_version"] = latest_version + 1
    rows["method"] = "logistic_regression"
    rows["trained_as_of_date"] = training["window_end_date"].iloc[0]
    rows["features_as_of_date"] = training["as_of_date"].iloc[0]
    rows["horizon_days"] = int(training["horizon_days"].iloc[0])
    rows["training_customers"] = len(training)
    rows["training_buyers"] = int(is_buyer.sum())
    return rows[PARAMETER_COLUMNS]


_LOG = get_logger("olist_segmentation.predictions")


def log(message: str) -> None:
    """Write a progress line of the purchase models to stderr."""
    _LOG.info(message)
