"""The purchase and revenue regressions on behaviour features.

Both are fitted once per model version (scikit-learn) on the same design
(fill, log, mean, scale per feature) and stored as rows of parameters that
SQL scores with:

* a logistic regression of "at least one qualifying order in the horizon"
  (the purchase probability; :func:`logistic_scores` mirrors its SQL);
* a Poisson regression (log link) of the revenue in the horizon (the
  expected revenue; :func:`revenue_scores` mirrors its SQL). Its
  coefficients learn, out of time, how much a customer's past spend says
  about the next: a one-time buyer's single large order is shrunk toward
  everyone's as far as the training window's buyers warrant.
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

    Raises:
        PredictionError: No buyer, or only buyers, in the training window.
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


#: Prefix of the revenue regression's parameter rows (``revenue:<feature>``).
REVENUE_PREFIX = "revenue:"

#: L2 penalty of the revenue regression (on standardised features, revenue
#: scaled to mean 1): a light hold on coefficients of rare, extreme spenders.
REVENUE_ALPHA = 0.01


def fit_revenue(
    features: pd.DataFrame,
    revenue: np.ndarray,
    names: Sequence[str],
) -> pd.DataFrame:
    """Fit the revenue regression (Poisson, log link); return its rows.

    Fitted on the purchase regression's training set, so its design is the
    same (fills, logs, means and scales) and the rows hold only
    coefficients: ``revenue:<feature>`` per feature and
    ``revenue:intercept``. Revenue is scaled to mean 1 for the
    fit and the scale is folded back into the intercept.

    Raises:
        PredictionError: Nobody spent anything in the training window.
    """
    from sklearn.linear_model import PoissonRegressor  # noqa: PLC0415

    mean_revenue = float(np.mean(revenue)) if len(revenue) else 0.0
    if mean_revenue <= 0:
        raise PredictionError(
            "revenue model: nobody spent anything in the training window, so "
            "nothing predicts revenue. Fix: build on more data (a longer "
            "history), or shorten var prediction_horizon_days."
        )
    x, _ = _design(features, names)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = PoissonRegressor(alpha=REVENUE_ALPHA, max_iter=3000)
    model.fit((x - mean) / scale, revenue / mean_revenue)
    rows = [
        {"parameter": f"{REVENUE_PREFIX}{name}", "value": float(model.coef_[i])}
        for i, name in enumerate(names)
    ]
    rows.append(
        {
            "parameter": f"{REVENUE_PREFIX}intercept",
            "value": float(model.intercept_) + float(np.log(mean_revenue)),
        }
    )
    return pd.DataFrame(rows)


def _standardised(parameters: pd.DataFrame, features: pd.DataFrame) -> np.ndarray:
    rows = parameters[parameters["scale"].notna()]
    names = list(rows["parameter"])
    fills = pd.Series(list(rows["fill_value"]), index=names)
    x, _ = _design(features, names, fills)
    return (x - rows["mean"].to_numpy()) / rows["scale"].to_numpy()


def _value(parameters: pd.DataFrame, name: str) -> float:
    return float(parameters.loc[parameters["parameter"] == name, "value"].iloc[0])


def revenue_scores(parameters: pd.DataFrame, features: pd.DataFrame) -> np.ndarray:
    """Return the expected revenue in the horizon (as the SQL scores it)."""
    names = list(parameters.loc[parameters["scale"].notna(), "parameter"])
    z = _standardised(parameters, features)
    coefficients = np.array([_value(parameters, REVENUE_PREFIX + n) for n in names])
    intercept = _value(parameters, f"{REVENUE_PREFIX}intercept")
    return np.asarray(np.exp(intercept + z @ coefficients))


def logistic_scores(parameters: pd.DataFrame, features: pd.DataFrame) -> np.ndarray:
    """Score ``features`` with stored regression rows (as the SQL does)."""
    rows = parameters[parameters["scale"].notna()]
    z = _standardised(parameters, features)
    intercept = _value(parameters, "intercept")
    return np.asarray(1.0 / (1.0 + np.exp(-(intercept + z @ rows["value"].to_numpy()))))
