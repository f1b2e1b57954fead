"""The bodies of the dbt Python models, one module per folder of ``models/``.

A model file (``models/<area>/<model>.py``) only reads its inputs (dbt needs
the ``dbt.ref`` calls in it to draw the DAG) and calls one function of
``dbt_models/<area>.py``, so the logic is plain, testable Python on
DataFrames, with no database API inside:

* :mod:`~.segments`: the frozen segment model (``segment_model_selection``,
  ``_transforms``, ``_centres``, ``_definitions``).
* :mod:`~.monitoring`: the lift backtest's segments and the production
  drift check (``segment_lift_assignments``, ``segment_drift``,
  ``segment_refit_check``).
* :mod:`~.stability`: the refresh-interval simulation (``stability_ari``,
  ``stability_drift``).
* :mod:`~.common`: what they share (logging, flags, typed empty frames, the
  guarded import of the fitting code).

The purchase models' bodies are :func:`olist_segmentation.predictions.model_parameters`
and :func:`~olist_segmentation.predictions.backtest_scores`.

No state is shared between models: each function computes its table from
its arguments (the model's dbt refs and, for an incremental model, its own
stored rows). A later model that needs a fitted object refits it from the
stored settings (fits are seeded, so the refit is the same model) or
scores with the frozen tables an upstream model wrote. This package's
namespace re-exports the public names of its modules.
"""

from olist_segmentation.dbt_models.common import SampleLoader, empty_frame, flag
from olist_segmentation.dbt_models.monitoring import (
    DRIFT_CHECK_COLUMNS,
    backtest_assignments,
    segment_drift,
    segment_refit_check,
)
from olist_segmentation.dbt_models.segments import (
    DEFINITION_COLUMNS,
    fitted_pipeline,
    model_centres,
    model_definitions,
    model_selection,
    model_transforms,
    needs_new_version,
    segment_ids_of,
)
from olist_segmentation.dbt_models.stability import stability_ari, stability_drift

__all__ = [
    "DEFINITION_COLUMNS",
    "DRIFT_CHECK_COLUMNS",
    "SampleLoader",
    "backtest_assignments",
    "empty_frame",
    "fitted_pipeline",
    "flag",
    "model_centres",
    "model_definitions",
    "model_selection",
    "model_transforms",
    "needs_new_version",
    "segment_drift",
    "segment_ids_of",
    "segment_refit_check",
    "stability_ari",
    "stability_drift",
]
