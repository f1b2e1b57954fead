"""Who to target: the purchase score, its frozen model and its backtest.

Production (``customer_predictions``) scores every customer in SQL with a
frozen model (``prediction_model_parameters``) fitted here once per model
version:

* a logistic regression (scikit-learn) of "at least one qualifying order in
  the next ``horizon_days``" on behaviour features, trained out of time:
  features as of ``horizon_days`` before the as-of date, outcome in the
  window that ends at the as-of date;
* a Poisson regression (log link) of the revenue in that horizon on the
  same features, trained out of time too: the expected revenue, and the
  value ranking; expected order value = expected revenue / expected
  purchases. When the training window cannot fit them, a documented
  fallback ranks by orders, then recency (:mod:`~.production`).

The backtest (``prediction_backtest_scores``) compares, at each cut date,
that method with BG/NBD + Gamma-Gamma (PyMC-Marketing), the RFM grid and a
frequency-then-recency ordering, each fitted only on data before the cut.
The metric arithmetic (lift, revenue share, AUC, calibration) is SQL
(``prediction_backtest``, ``prediction_backtest_deciles``).

Modules: :mod:`~.regression` (the two regressions), :mod:`~.clv`
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
    FALLBACK_METHOD,
    FITTED_METHOD,
    PARAMETER_COLUMNS,
    log,
    model_parameters,
)
from olist_segmentation.predictions.regression import (
    LOG_FEATURES,
    REVENUE_PREFIX,
    PredictionError,
    fit_logistic,
    fit_revenue,
    logistic_scores,
    revenue_scores,
)

__all__ = [
    "FALLBACK_METHOD",
    "FITTED_METHOD",
    "LOG_FEATURES",
    "METHODS",
    "PARAMETER_COLUMNS",
    "REVENUE_PREFIX",
    "SCORE_COLUMNS",
    "BetaGeo",
    "GammaGamma",
    "PredictionError",
    "backtest_scores",
    "beta_geo_scores",
    "fit_beta_geo",
    "fit_gamma_gamma",
    "fit_logistic",
    "fit_revenue",
    "log",
    "logistic_scores",
    "model_parameters",
    "order_values",
    "revenue_scores",
]
