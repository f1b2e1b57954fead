"""Who to target: the purchase score, its frozen model and its backtest.

Production (``customer_predictions``) scores every customer in SQL with a
frozen model (``prediction_model_parameters``) fitted here once per model
version:

* a logistic regression (scikit-learn) of "at least one qualifying order in
  the next ``horizon_days``" on behaviour features, trained out of time:
  features as of ``horizon_days`` before the as-of date, outcome in the
  window that ends at the as-of date;
* a Gamma-Gamma model of order value (PyMC-Marketing, MAP) for the
  expected order value; expected revenue = expected purchases x value.

The backtest (``prediction_backtest_scores``) compares, at each cut date,
that method with BG/NBD + Gamma-Gamma (PyMC-Marketing), the RFM grid and a
frequency-then-recency ordering, each fitted only on data before the cut.
The metric arithmetic (lift, revenue share, AUC, calibration) is SQL
(``prediction_backtest``, ``prediction_backtest_deciles``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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

#: Columns of ``prediction_backtest_scores``.
SCORE_COLUMNS = [
    "cut_date",
    "method",
    "customer_unique_id",
    "purchase_score",
    "revenue_score",
    "is_buyer",
    "revenue",
]

#: The methods the backtest compares, in the order they are shown.
METHODS = (
    "logistic_regression",
    "bgnbd_gamma_gamma",
    "rfm_grid",
    "frequency_recency",
)

# pymc and pytensor are imported lazily (a reuse build never loads them),
# once, under a lock: dbt runs Python models in threads.
_IMPORT_LOCK = threading.Lock()


class PredictionError(OlistError):
    """The purchase model cannot be fitted on these data."""


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma order-value parameters (Fader, Hardie and Lee 2005)."""

    p: float
    q: float
    v: float

    def expected_order_value(
        self, orders: np.ndarray, mean_value: np.ndarray
    ) -> np.ndarray:
        """Return E[value of an order | orders observed, their mean value]."""
        return (self.v + mean_value * orders) * self.p / (self.p * orders + self.q - 1)


@dataclass(frozen=True)
class BetaGeo:
    """BG/NBD parameters, time in weeks."""

    r: float
    alpha: float
    a: float
    b: float


def _quiet_imports() -> None:
    import logging  # noqa: PLC0415
    import warnings  # noqa: PLC0415

    warnings.filterwarnings("ignore", module="arviz")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="pymc")
    for name in ("pymc", "pytensor", "pymc_marketing", "arviz"):
        logging.getLogger(name).setLevel(logging.ERROR)
    with _IMPORT_LOCK:
        import pymc_marketing.clv  # noqa: F401, PLC0415


def _map_value(model: object, name: str) -> float:
    posterior = model.idata.posterior  # type: ignore[attr-defined]
    return float(np.asarray(posterior[name].values).ravel()[0])


def fit_gamma_gamma(frequency: np.ndarray, mean_value: np.ndarray) -> GammaGamma:
    """Fit Gamma-Gamma (PyMC-Marketing, MAP, flat priors) on order values.

    Every order counts (the first one too): ``frequency`` is the number of
    qualifying orders and ``mean_value`` their mean payment. Customers
    whose orders were all free (mean 0) are left out of the fit.
    """
    _quiet_imports()
    from pymc_marketing.clv import GammaGammaModel  # noqa: PLC0415
    from pymc_marketing.prior import Prior  # noqa: PLC0415

    keep = (mean_value > 0) & (frequency > 0)
    if keep.sum() < 10:
        raise PredictionError(
            "Gamma-Gamma order-value model: fewer than 10 customers with a paid "
            "order. Fix: build on more data."
        )
    data = pd.DataFrame(
        {
            "customer_id": np.arange(int(keep.sum())),
            "frequency": frequency[keep],
            "monetary_value": mean_value[keep],
        }
    )
    flat = {name: Prior("HalfFlat") for name in ("p", "q", "v")}
    model = GammaGammaModel(data=data, model_config=flat)
    model.fit(method="map", progressbar=False)
    return GammaGamma(*(_map_value(model, n) for n in ("p", "q", "v")))


def fit_beta_geo(x: np.ndarray, t_x: np.ndarray, t: np.ndarray) -> BetaGeo:
    """Fit BG/NBD (PyMC-Marketing, MAP, flat priors = maximum likelihood).

    Args:
        x: Repeat purchase days (distinct days with a purchase - 1; several
            orders on one day are one purchase, else the fit degenerates).
        t_x: Weeks from the first to the latest purchase.
        t: Weeks from the first purchase to the cut date.
    """
    _quiet_imports()
    from pymc_marketing.clv import BetaGeoModel  # noqa: PLC0415
    from pymc_marketing.prior import Prior  # noqa: PLC0415

    data = pd.DataFrame(
        {"customer_id": np.arange(len(x)), "frequency": x, "recency": t_x, "T": t}
    )
    flat = {name: Prior("HalfFlat") for name in ("r", "alpha", "a", "b")}
    model = BetaGeoModel(data=data, model_config=flat)
    model.fit(method="map", progressbar=False)
    return BetaGeo(*(_map_value(model, n) for n in ("r", "alpha", "a", "b")))


def beta_geo_scores(
    params: BetaGeo, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """P(at least one purchase in the horizon) and E[purchases] under BG/NBD.

    P = P(alive) * (1 - ((alpha + T) / (alpha + T + h))^(r + x)); E[Y(h)] is
    Fader, Hardie and Lee (2005), eq. 10, with scipy's hypergeometric 2F1.
    """
    from scipy.special import hyp2f1  # noqa: PLC0415

    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = np.where(
            x > 0,
            a / np.maximum(b + x - 1, 1e-12) * ((alpha + t) / (alpha + t_x)) ** (r + x),
            0.0,
        )
    alive = 1.0 / (1.0 + odds)
    decay = ((alpha + t) / (alpha + t + horizon)) ** (r + x)
    probability = alive * (1.0 - decay)
    z = horizon / (alpha + t + horizon)
    expected = (
        (a + b + x - 1)
        / (a - 1)
        * (1.0 - decay * hyp2f1(r + x, b + x, a + b + x - 1, z))
        / (1.0 + odds)
    )
    return probability, expected


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


def _mean_value(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    frequency = features["frequency"].to_numpy(dtype=float)
    monetary = features["monetary"].fillna(0).to_numpy(dtype=float)
    return frequency, np.where(frequency > 0, monetary / frequency, 0.0)


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
    from olist_segmentation.dbt_models import _flag  # noqa: PLC0415

    if latest_version and not _flag(refit):
        return pd.DataFrame(columns=PARAMETER_COLUMNS)
    names = list(get("prediction_features"))  # type: ignore[call-overload]
    training = load_training()
    if training.empty:
        raise PredictionError(
            "purchase model: no customer had a qualifying order before the "
            "training date (as-of date minus var prediction_horizon_days). "
            "Fix: build on more data or shorten the horizon."
        )
    is_buyer = training["is_buyer"].to_numpy(dtype=int)
    rows = fit_logistic(training, is_buyer, names)
    frequency, mean_value = _mean_value(training)
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


def _decile_rates(
    train_score: np.ndarray,
    train_buyer: np.ndarray,
    train_revenue: np.ndarray,
    score: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Calibrate an ordering by the training customers' score deciles.

    Each customer gets the buyer rate and revenue per customer of the
    training customers in the same score decile.
    """
    edges = np.quantile(train_score, np.linspace(0, 1, 11)[1:-1])
    train_bin = np.searchsorted(edges, train_score, side="right")
    bins = np.searchsorted(edges, score, side="right")
    rate = np.zeros(11)
    value = np.zeros(11)
    for b in range(11):
        mask = train_bin == b
        if mask.any():
            rate[b] = train_buyer[mask].mean()
            value[b] = train_revenue[mask].mean()
    # a later bin never scores below an earlier one (monotone in the order)
    return np.maximum.accumulate(rate)[bins], np.maximum.accumulate(value)[bins]


def _hash_order(ids: pd.Series) -> np.ndarray:
    """Row positions ordered by md5 of the id: a seeded, portable sample."""
    keys = [hashlib.md5(str(i).encode()).hexdigest() for i in ids]  # noqa: S324
    return np.argsort(np.array(keys), kind="stable")


def _weeks(days: pd.Series) -> np.ndarray:
    return days.to_numpy(dtype=float) / 7.0


def backtest_scores(
    features: pd.DataFrame,
    rfm: pd.DataFrame,
    dates: pd.DataFrame,
    names: Sequence[str],
    fit_sample_size: int,
    progress: Callable[[str], None] = lambda _m: None,
) -> pd.DataFrame:
    """Score every customer at every cut date with every method.

    Args:
        features: ``int_prediction_backtest_features`` with the outcome
            columns (``is_buyer``, ``future_orders``, ``future_revenue``)
            of the window starting at each row's as-of date.
        rfm: ``int_prediction_backtest_rfm`` (as_of_date, customer, segment).
        dates: ``int_prediction_backtest_dates`` (cut_date, train_date,
            horizon_days).
        names: The regression's features (var ``prediction_features``).
        fit_sample_size: At most this many customers fit BG/NBD.
        progress: Called with a line per cut date and method.
    """
    frames = []
    features = features.merge(
        rfm[["as_of_date", "customer_unique_id", "rfm_segment"]],
        on=["as_of_date", "customer_unique_id"],
        how="left",
    )
    for row in dates.sort_values("cut_date").itertuples():
        cut = features[features["as_of_date"] == row.cut_date]
        cut = cut.sort_values("customer_unique_id").reset_index(drop=True)
        train = features[features["as_of_date"] == row.train_date]
        train = train.sort_values("customer_unique_id").reset_index(drop=True)
        horizon = float(row.horizon_days)
        y_train = train["is_buyer"].to_numpy(dtype=int)
        rev_train = train["future_revenue"].fillna(0).to_numpy(dtype=float)
        frequency, mean_value = _mean_value(cut)
        gg = fit_gamma_gamma(*_mean_value(cut))
        order_value = gg.expected_order_value(frequency, mean_value)
        scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}

        parameters = fit_logistic(train, y_train, names)
        tr_freq, tr_mean = _mean_value(train)
        buyers = train[train["is_buyer"] == 1]
        per_buyer = float(buyers["future_orders"].mean()) if len(buyers) else 1.0
        probability = logistic_scores(parameters, cut)
        scores["logistic_regression"] = (
            probability,
            probability * per_buyer * order_value,
        )
        progress(f"{row.cut_date}: logistic regression on {len(train):,} customers")

        sample = cut.loc[_hash_order(cut["customer_unique_id"])[:fit_sample_size]]
        # Repeat purchase *days*: orders placed the same day are one purchase
        # to BG/NBD (as lifetimes' summary_data_from_transaction_data counts).
        x = sample["purchase_days"].to_numpy(dtype=float) - 1
        t_x = _weeks(sample["tenure_days"] - sample["recency_days"])
        t_all = _weeks(sample["tenure_days"])
        bg = fit_beta_geo(x, t_x, t_all)
        cx = cut["purchase_days"].to_numpy(dtype=float) - 1
        bg_prob, bg_expected = beta_geo_scores(
            bg,
            cx,
            _weeks(cut["tenure_days"] - cut["recency_days"]),
            _weeks(cut["tenure_days"]),
            horizon / 7.0,
        )
        scores["bgnbd_gamma_gamma"] = (bg_prob, bg_expected * order_value)
        progress(f"{row.cut_date}: BG/NBD on {len(sample):,} customers")

        by_segment = (
            pd.DataFrame({"seg": train["rfm_segment"], "y": y_train, "rev": rev_train})
            .groupby("seg")
            .mean()
        )
        seg = cut["rfm_segment"]
        base = y_train.mean()
        scores["rfm_grid"] = (
            seg.map(by_segment["y"]).fillna(base).to_numpy(dtype=float),
            seg.map(by_segment["rev"]).fillna(rev_train.mean()).to_numpy(dtype=float),
        )

        def ordering(frame: pd.DataFrame) -> np.ndarray:
            return frame["frequency"].to_numpy(dtype=float) * 100000.0 - frame[
                "recency_days"
            ].to_numpy(dtype=float)

        scores["frequency_recency"] = _decile_rates(
            ordering(train), y_train, rev_train, ordering(cut)
        )
        # the ordering itself ranks; the calibrated rate is for calibration
        for method in METHODS:
            purchase, revenue = scores[method]
            if method == "frequency_recency":
                purchase_rank = ordering(cut)
                frame = pd.DataFrame(
                    {
                        "purchase_score": purchase_rank,
                        "probability": purchase,
                        "revenue_score": purchase_rank,
                    }
                )
            else:
                frame = pd.DataFrame(
                    {
                        "purchase_score": purchase,
                        "probability": purchase,
                        "revenue_score": revenue,
                    }
                )
            frame.insert(0, "customer_unique_id", cut["customer_unique_id"])
            frame.insert(0, "method", method)
            frame.insert(0, "cut_date", row.cut_date)
            frame["is_buyer"] = cut["is_buyer"].to_numpy(dtype=int)
            frame["revenue"] = cut["future_revenue"].fillna(0).to_numpy(dtype=float)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*SCORE_COLUMNS, "probability"])
    return pd.concat(frames, ignore_index=True)


def log(message: str) -> None:
    """Write a progress line of the purchase models to stderr."""
    import sys  # noqa: PLC0415

    print(f"[predictions] {message}", file=sys.stderr, flush=True)
