"""The BG/NBD comparator recovers simulated buyers (no build)."""

from __future__ import annotations

import numpy as np
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
