"""BG/NBD and Gamma-Gamma (PyMC-Marketing, MAP): purchases and order value.

Gamma-Gamma gives the production model's expected order value; BG/NBD +
Gamma-Gamma is one of the methods the backtest compares.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from olist_segmentation.predictions.regression import PredictionError

# pymc and pytensor are imported lazily (a reuse build never loads them),
# once, under a lock: dbt runs Python models in threads.
_IMPORT_LOCK = threading.Lock()


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


def order_values(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return each customer's number of orders and mean order value (0 if none)."""
    frequency = features["frequency"].to_numpy(dtype=float)
    monetary = features["monetary"].fillna(0).to_numpy(dtype=float)
    return frequency, np.where(frequency > 0, monetary / frequency, 0.0)
