"""The BG/NBD comparator recovers simulated buyers (no build)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from olist_segmentation import predictions


def _simulate_beta_geo(
    n: int, r: float, alpha: float, a: float, b: float, horizon: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Customers drawn from BG/NBD: (x, t_x, T, bought in (T, T + horizon])."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(r, 1.0 / alpha, n)
    dropouts = rng.beta(a, b, n)
    t_end = rng.uniform(20.0, 80.0, n)
    x, t_x, bought = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1.0 / rates[i])
            if t > t_end[i] + horizon:
                break
            if t > t_end[i]:
                bought[i] = True
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < dropouts[i]:
                break
    return x, t_x, t_end, bought


def test_beta_geo_fit_recovers_simulated_buyers():
    """The BG/NBD comparator (PyMC-Marketing MAP) predicts how many buy next."""
    horizon = 13.0
    x, t_x, t_end, bought = _simulate_beta_geo(
        4000, r=0.25, alpha=4.0, a=0.8, b=2.5, horizon=horizon, seed=7
    )
    params = predictions.fit_beta_geo(x, t_x, t_end)
    assert 0.8 < (params.r / params.alpha) / (0.25 / 4.0) < 1.25
    probability, expected = predictions.beta_geo_scores(params, x, t_x, t_end, horizon)
    assert abs(probability.sum() - bought.sum()) < 0.1 * bought.sum()
    assert (expected >= probability - 1e-9).all()
    assert roc_auc_score(bought, probability) > 0.75


def _training(n: int, seed: int, buyers: bool = True) -> pd.DataFrame:
    """A training set whose revenue follows a known Poisson-log model."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "recency_days": rng.integers(1, 400, n).astype(float),
            "frequency": rng.integers(1, 4, n).astype(float),
            "credit_card_share": rng.uniform(0, 1, n),
        }
    )
    rate = np.exp(-3.0 + 0.8 * frame["credit_card_share"] + 0.5 * frame["frequency"])
    orders = rng.poisson(rate) if buyers else np.zeros(n, dtype=int)
    frame["future_orders"] = orders
    frame["future_revenue"] = orders * 100.0
    frame["is_buyer"] = (orders > 0).astype(int)
    frame["as_of_date"] = pd.Timestamp("2018-01-01")
    frame["window_end_date"] = pd.Timestamp("2018-04-01")
    frame["horizon_days"] = 90
    return frame


NAMES = ["recency_days", "frequency", "credit_card_share"]


def _get(name: str) -> object:
    return {"prediction_features": NAMES}[name]


def test_revenue_regression_recovers_a_known_model() -> None:
    frame = _training(40000, seed=3)
    rows = predictions.fit_revenue(frame, frame["future_revenue"].to_numpy(), NAMES)
    logistic = predictions.fit_logistic(frame, frame["is_buyer"].to_numpy(), NAMES)
    parameters = pd.concat([logistic, rows], ignore_index=True)
    revenue = predictions.revenue_scores(parameters, frame)
    # the model's mean equals the data's (a Poisson GLM with an intercept)
    assert abs(revenue.mean() / frame["future_revenue"].mean() - 1) < 0.01
    truth = 100.0 * np.exp(
        -3.0 + 0.8 * frame["credit_card_share"] + 0.5 * frame["frequency"]
    )
    assert np.corrcoef(revenue, truth)[0, 1] > 0.99


def test_a_window_without_buyers_gives_the_fallback_not_an_error() -> None:
    frame = _training(300, seed=4, buyers=False)
    rows = predictions.model_parameters(lambda: frame, 0, False, _get)
    assert list(rows["method"].unique()) == [predictions.FALLBACK_METHOD]
    assert list(rows["parameter"]) == ["training_base_rate"]
    assert rows["training_customers"].iloc[0] == 300
    assert rows["training_buyers"].iloc[0] == 0
    assert rows["prediction_model_version"].iloc[0] == 1
    assert rows["trained_as_of_date"].iloc[0] == pd.Timestamp("2018-04-01")


def test_an_empty_training_set_takes_its_dates_from_the_training_date() -> None:
    empty = _training(10, seed=5).iloc[0:0]
    dates = pd.DataFrame(
        {
            "as_of_date": [pd.Timestamp("2016-12-06")],
            "horizon_days": [90],
            "window_end_date": [pd.Timestamp("2017-03-06")],
        }
    )
    rows = predictions.model_parameters(lambda: empty, 2, True, _get, lambda: dates)
    assert list(rows["method"]) == [predictions.FALLBACK_METHOD]
    assert rows["prediction_model_version"].iloc[0] == 3
    assert rows["trained_as_of_date"].iloc[0] == pd.Timestamp("2017-03-06")
    assert rows["training_customers"].iloc[0] == 0


def test_a_window_with_buyers_fits_both_regressions() -> None:
    frame = _training(5000, seed=6)
    rows = predictions.model_parameters(lambda: frame, 0, False, _get)
    assert set(rows["method"]) == {predictions.FITTED_METHOD}
    names = set(rows["parameter"])
    assert {*NAMES, "intercept", "purchases_per_buyer"} <= names
    assert {f"revenue:{n}" for n in [*NAMES, "intercept"]} <= names


def test_a_model_from_before_the_revenue_regression_asks_for_a_refit() -> None:
    import pytest  # noqa: PLC0415

    frame = _training(500, seed=7)
    with pytest.raises(predictions.PredictionError, match="--refit"):
        predictions.model_parameters(lambda: frame, 3, False, _get, None, True)
    refitted = predictions.model_parameters(lambda: frame, 3, True, _get, None, True)
    assert refitted["prediction_model_version"].iloc[0] == 4
