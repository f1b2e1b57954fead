"""How long a segmentation stays valid, and whether a refit is due now.

Two uses, one set of functions:

* The refresh-interval simulation (``make stability``; dbt models
  ``stability_ari`` and ``stability_drift``). For each start date T0 the
  chosen pipeline is fitted on the features as of T0 (model M0: clip, log,
  scaler and centres frozen). For every weekly horizon the customers as of
  T0 + horizon are assigned by M0 and by a refit with the same
  hyper-parameters on the features as of that date; the adjusted Rand index
  (ARI) between the two says how far the frozen segments have moved. Each
  feature's drift is the population stability index (PSI) and the
  Kolmogorov-Smirnov statistic between T0 and T0 + horizon.
* The production drift check (``segment_drift``, ``segment_refit_check``,
  ``make drift``): the same ARI between the frozen model's current segments
  and a refit on today's features, the same PSI between the features the
  model was trained on and today's, and a verdict.

The features of every date come from the one SQL definition
(``macros/customer_features.sql``); nothing here recomputes a feature.

Modules: :mod:`~.drift` (PSI and KS), :mod:`~.refit` (refitting the chosen
model, ARI agreement), :mod:`~.simulation` (the refresh-interval
simulation) and :mod:`~.refit_check` (the production verdict). This
package's namespace re-exports their public names.
"""

from olist_segmentation.stability.drift import (
    PSI_BANDS,
    PSI_FLOOR,
    PSI_QUANTILES,
    bin_shares,
    drift_level,
    feature_drift,
    psi,
    psi_bin_edges,
)
from olist_segmentation.stability.refit import ChosenModel, agreement
from olist_segmentation.stability.refit_check import (
    CHECK_COLUMNS,
    DriftThresholds,
    refit_check,
)
from olist_segmentation.stability.simulation import (
    ARI_COLUMNS,
    DRIFT_COLUMNS,
    POPULATIONS,
    drift_over_time,
    simulate,
)

__all__ = [
    "ARI_COLUMNS",
    "CHECK_COLUMNS",
    "DRIFT_COLUMNS",
    "POPULATIONS",
    "PSI_BANDS",
    "PSI_FLOOR",
    "PSI_QUANTILES",
    "ChosenModel",
    "DriftThresholds",
    "agreement",
    "bin_shares",
    "drift_level",
    "drift_over_time",
    "feature_drift",
    "psi",
    "psi_bin_edges",
    "refit_check",
    "simulate",
]
