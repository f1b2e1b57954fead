"""The purchase regression: logistic regression on behaviour features.

Fitted once per model version (scikit-learn) and stored as rows of
parameters (fill, log, mean, scale, coefficient) that SQL scores with;
:func:`logistic_scores` is the Python mirror of that SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from olist_segmentation.errors import OlistError

#: Features whose log1p enters the regression (skewed, non-negative).
LOG_FEATURES = frozenset(
    {
        "recency_days",
        "frequency",
        "monetary",
        "tenure_days",
        "avg_order_value",
        "avg_items_per_order",
        "distinct_category_count",
        "avg_installments",
        "avg_delivery_days",
        "distance_to_sao_paulo_km",
    }
)


class PredictionError(OlistError):
    """The purchase model cannot be fitted on these data."""


def _design(
    features: pd.DataFrame, names: Sequence[str], fills: pd.Series | None = None
) -> tuple[np.ndarray, pd.Series]:
    raw = features[list(names)].astype(float)
    if fills is None:
        fills = raw.median().fillna(0.0)
    filled = raw.fillna(fills)
    for name in names:
        if name in LOG_FEATURES:
            filled[name] = np.log1p(filled[name].clip(lower=0))
    return filled.to_numpy(), fills


def fit_logistic(
    features: pd.DataFrame, is_buyer: np.ndarray, names: Sequence[str]
) -> pd.DataFrame:
    """Fit the purchase regression; return its rows of parameters.

    Returns one row per feature (fill, log, mean, scale, coefficient) and
    one ``intercept`` row: what SQL needs to score.
    """
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    if int(is_buyer.sum()) == 0 or int(is_buyer.sum()) == len(is_buyer):
        raise PredictionError(
            "purchase model: the training window has "
            f"{int(is_buyer.sum())} buyers among {len(is_buyer):,} customers, so "
            "nothing separates buyers from the rest. Fix: build on more data "
            "(a longer history), or shorten var prediction_horizon_days."
        )
    x, fills = _design(features, names)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit((x - mean) / scale, is_buyer)
    rows = [
        {
            "parameter": name,
            "fill_value": float(fills[name]),
            "log_transform": name in LOG_FEATURES,
            "mean": float(mean[i]),
            "scale": float(scale[i]),
            "value": float(model.coef_[0][i]),
        }
        for i, name in enumerate(names)
    ]
    rows.append(
        {
            "parameter": "intercept",
            "fill_value": None,
            "log_transform": False,
            "mean": None,
            "scale": None,
            "value": float(model.intercept_[0]),
        }
    )
    return pd.DataFrame(rows)


def logistic_scores(parameters: pd.DataFrame, features: pd.DataFrame) -> np.ndarray:
    """Score ``features`` with stored regression rows (as the SQL does)."""
    rows = parameters[parameters["scale"].notna()]
    names = list(rows["parameter"])
    fills = pd.Series(list(rows["fill_value"]), index=names)
    x, _ = _design(features, names, fills)
    z = (x - rows["mean"].to_numpy()) / rows["scale"].to_numpy()
    intercept = float(
        parameters.loc[parameters["parameter"] == "intercept", "value"].iloc[0]
    )
    return 1.0 / (1.0 + np.exp(-(intercept + z @ rows["value"].to_numpy())))
