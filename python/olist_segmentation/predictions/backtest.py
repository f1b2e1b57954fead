"""The purchase-score backtest: every method's scores at every cut date."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from olist_segmentation.dbt_models.common import import_under_lock
from olist_segmentation.predictions.clv import (
    beta_geo_scores,
    fit_beta_geo,
    fit_gamma_gamma,
    order_values,
)
from olist_segmentation.predictions.regression import (
    fit_logistic,
    fit_revenue,
    logistic_scores,
    revenue_scores,
)

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
    # other monitoring models may import scipy in their threads at once
    import_under_lock("sklearn.linear_model", "pymc_marketing.clv")
    frames = []
    features = features.merge(
        rfm[["as_of_date", "customer_unique_id", "rfm_segment"]],
        on=["as_of_date", "customer_unique_id"],
        how="left",
    )
    ordered = dates.sort_values("cut_date")
    for cut_date, train_date, horizon_days in zip(
        ordered["cut_date"], ordered["train_date"], ordered["horizon_days"], strict=True
    ):
        cut = features[features["as_of_date"] == cut_date]
        cut = cut.sort_values("customer_unique_id").reset_index(drop=True)
        train = features[features["as_of_date"] == train_date]
        train = train.sort_values("customer_unique_id").reset_index(drop=True)
        horizon = float(horizon_days)
        y_train = train["is_buyer"].to_numpy(dtype=int)
        rev_train = train["future_revenue"].fillna(0).to_numpy(dtype=float)
        frequency, mean_value = order_values(cut)
        gg = fit_gamma_gamma(*order_values(cut))
        order_value = gg.expected_order_value(frequency, mean_value)
        scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}

        # the production method: both regressions, as prediction_model_parameters
        parameters = pd.concat(
            [
                fit_logistic(train, y_train, names),
                fit_revenue(train, rev_train, names),
            ],
            ignore_index=True,
        )
        scores["logistic_regression"] = (
            logistic_scores(parameters, cut),
            revenue_scores(parameters, cut),
        )
        progress(f"{cut_date}: logistic regression on {len(train):,} customers")

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
        progress(f"{cut_date}: BG/NBD on {len(sample):,} customers")

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
            frame.insert(0, "cut_date", cut_date)
            frame["is_buyer"] = cut["is_buyer"].to_numpy(dtype=int)
            frame["revenue"] = cut["future_revenue"].fillna(0).to_numpy(dtype=float)
            frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*SCORE_COLUMNS, "probability"])
    return pd.concat(frames, ignore_index=True)
