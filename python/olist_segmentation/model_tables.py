"""The frozen model's tables: their columns, typed empty frames, lookups.

Plain pandas, no scikit-learn: a build that reuses the frozen model only
needs these, so it never imports the fitting code.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from olist_segmentation.errors import OlistError

#: Columns of the ``segment_model_selection`` table, in order.
#: Algorithms the model selection knows (here, not in segmentation.config,
#: so the command line names them without importing scikit-learn).
ALGORITHMS = ("kmeans", "gaussian_mixture", "agglomerative_ward")

SELECTION_COLUMNS = (
    "model_version",
    "algorithm",
    "n_segments",
    "parameters",
    "is_deployable",
    "silhouette",
    "davies_bouldin",
    "calinski_harabasz",
    "stability_ari",
    "min_segment_share",
    "prediction_strength",
    "rule_strength",
    "rule_agreement",
    "is_eligible",
    "is_chosen",
    "selection_rank",
    "choice_rule",
    "trained_as_of_date",
    "trained_customers",
    "settings",
)

#: Columns of ``segment_model_rules`` (one row per condition; the catch-all
#: segment has one row without feature, operator and threshold).
RULE_COLUMNS = (
    "model_version",
    "segment_id",
    "cluster_label",
    "rule_order",
    "condition_number",
    "feature",
    "operator",
    "threshold",
    "precision",
    "recall",
)


class SegmentationError(OlistError, ValueError):
    """The features or the settings cannot give a segmentation."""


def as_timestamp(value: object) -> pd.Timestamp:
    """Return a date read from a table or a var as a pandas Timestamp.

    Args:
        value: A date as text, ``datetime.date``, ``datetime.datetime``,
            ``pandas.Timestamp`` or ``numpy.datetime64``.

    Raises:
        TypeError: ``value`` is none of those.
    """
    if isinstance(value, str | dt.date | np.datetime64):
        return pd.Timestamp(value)
    raise TypeError(f"Expected a date, got {value!r} ({type(value).__name__})")


def selection_frame(rows: list[dict[str, object]] | None = None) -> pd.DataFrame:
    """Return selection rows as a typed frame (also when empty)."""
    frame = pd.DataFrame(rows or [], columns=list(SELECTION_COLUMNS))
    types = {
        "model_version": "int64",
        "n_segments": "int64",
        "is_deployable": "bool",
        "silhouette": "float64",
        "davies_bouldin": "float64",
        "calinski_harabasz": "float64",
        "stability_ari": "float64",
        "min_segment_share": "float64",
        "prediction_strength": "float64",
        "rule_strength": "float64",
        "rule_agreement": "float64",
        "is_eligible": "bool",
        "is_chosen": "bool",
        "selection_rank": "int64",
        "trained_customers": "int64",
    }
    frame = frame.astype(types)
    frame["trained_as_of_date"] = pd.to_datetime(frame["trained_as_of_date"])
    return frame


def chosen_candidate(
    selection: pd.DataFrame, model_version: int | None = None
) -> pd.Series:
    """Return the chosen row of ``segment_model_selection`` for a version.

    Args:
        selection: Rows of ``segment_model_selection``.
        model_version: The version; default the latest.

    Raises:
        SegmentationError: No version yet, or not exactly one chosen row.
    """
    if selection.empty:
        raise SegmentationError(
            "segment_model_selection is empty: run a full build "
            "(`dbt build --full-refresh -s segment_model_selection+`)."
        )
    version = (
        selection["model_version"].max() if model_version is None else model_version
    )
    chosen = selection[(selection["model_version"] == version) & selection["is_chosen"]]
    if len(chosen) != 1:
        raise SegmentationError(
            f"segment_model_selection version {version} has {len(chosen)} chosen "
            "rows instead of 1"
        )
    return chosen.iloc[0]


TRANSFORM_COLUMNS = (
    "model_version",
    "feature",
    "feature_position",
    "fill_value",
    "clip_lower",
    "clip_upper",
    "log_transform",
    "mean",
    "scale",
)
CENTRE_COLUMNS = (
    "model_version",
    "segment_id",
    "cluster_label",
    "feature",
    "centre",
    "variance",
    "log_weight",
)
