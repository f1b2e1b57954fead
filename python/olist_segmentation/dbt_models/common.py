"""What the dbt Python model bodies share: logging, flags, empty frames, imports."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

import pandas as pd

from olist_segmentation.log import get_logger

# The fitting code (scikit-learn, scipy, PyMC-Marketing) is imported inside
# the functions that fit: a build that reuses the frozen model never loads
# it. dbt runs Python models in parallel threads, and two threads importing
# scipy for the first time at once fail (a partially initialised module,
# e.g. `cannot import name 'euclidean' from partially initialized module
# 'scipy.spatial.distance'`), so every first import of those libraries, by
# any model, happens under this one lock.
_IMPORT_LOCK = threading.Lock()


def import_under_lock(*modules: str) -> None:
    """Import ``modules`` (dotted names) under the models' import lock.

    The lock guards Python's import machinery only; it holds no data, so no
    model sees anything another model computed.
    """
    with _IMPORT_LOCK:
        for module in modules:
            importlib.import_module(module)


def import_fitting_code() -> None:
    """Import scikit-learn, scipy and the modules that fit segments, once."""
    import_under_lock(
        "scipy.spatial",
        "scipy.stats",
        "sklearn",
        "olist_segmentation.naming",
        "olist_segmentation.segmentation",
        "olist_segmentation.stability",
    )


#: Reads the fit sample (``int_segment_fit_sample``, ordered by customer id).
SampleLoader = Callable[[], pd.DataFrame]


_LOG = get_logger("olist_segmentation.segments")


def log(message: str) -> None:
    """Write a progress line of the segment models to stderr (dbt's log)."""
    _LOG.info(message)


def flag(value: object) -> bool:
    """Return a boolean var's value; text "true", "1" and "yes" are true."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """Return a typed frame with no rows (what an unchanged version appends)."""
    frame = pd.DataFrame({name: pd.Series(dtype="float64") for name in columns})
    for name in columns:
        if name in {
            "model_version",
            "segment_id",
            "cluster_label",
            "feature_position",
            "rule_order",
            "condition_number",
            "definition_version",
            "sample_customers_moved",
            "sample_customers",
        }:
            frame[name] = frame[name].astype("int64")
        elif name.startswith("is_") or name == "log_transform":
            frame[name] = frame[name].astype("bool")
        elif name in {
            "feature",
            "operator",
            "segment_name",
            "model_segment_name",
            "definition",
            "rules_hash",
            "description",
            "recommended_action",
        }:
            frame[name] = frame[name].astype("object")
    return frame
