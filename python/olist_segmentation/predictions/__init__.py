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

Modules: :mod:`~.regression` (the logistic regression), :mod:`~.clv`
(BG/NBD and Gamma-Gamma), :mod:`~.production` (the frozen model's rows)
and :mod:`~.backtest`. This package's namespace re-exports their public
names.
"""

from olist_segmentation.predictions.backtest import (
    METHODS,
    SCORE_COLUMNS,
    backtest_scores,
)
from olist_segmentation.predictions.clv import (
    BetaGeo,
    GammaGamma,
    beta_geo_scores,
    fit_beta_geo,
    fit_gamma_gamma,
    order_values,
)
from olist_segmentation.predictions.production import (
    PARAMETER_COLUMNS,
    log,
    model_parameters,
)
from olist_segmentation.predictions.regression import (
    LOG_FEATURES,
    PredictionError,
    fit_logistic,
    logistic_scores,
)

__all__ = [
    "LOG_FEATURES",
    "METHODS",
    "PARAMETER_COLUMNS",
    "SCORE_COLUMNS",
    "BetaGeo",
    "GammaGamma",
    "PredictionError",
    "backtest_scores",
    "beta_geo_scores",
    "fit_beta_geo",
    "fit_gamma_gamma",
    "fit_logistic",
    "log",
    "logistic_scores",
    "model_parameters",
    "order_values",
]
