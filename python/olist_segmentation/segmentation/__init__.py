"""Behavioural segmentation: features -> fitted pipeline -> segments.

One module per step, used by the dbt Python models in ``models/segments/``
(through :mod:`olist_segmentation.dbt_models`) and by the CLI:

* :mod:`~.config`: :class:`SegmentConfig`, the settings (dbt vars).
* :mod:`~.estimators`: :class:`FeaturePreparer` (impute, clip, log of
  skewed features) and :class:`WardClustering`, scikit-learn estimators.
* :mod:`~.pipeline`: :func:`make_pipeline` and :func:`fit_pipeline`, one
  scikit-learn :class:`~sklearn.pipeline.Pipeline` per candidate (prepare,
  standard scaling, clustering).
* :mod:`~.selection`: :func:`select_model` fits and scores every candidate
  (algorithm x number of segments); :func:`choose` applies the explicit
  choice rule.
* :mod:`~.frozen`: the fitted pipeline as two plain tables (transforms per
  feature, centres per segment and feature) that SQL can score on any
  adapter, and :func:`score_frozen`, the NumPy mirror of that SQL.
* :mod:`~.matching`: segment ids, kept across a refit.
* :mod:`~.rules`: the served segments, readable rules distilled from the
  clustering (:func:`distill`, :func:`apply_rules`, :class:`RuleSegmenter`).
* :mod:`~.editing`: a marketer's edits of the rules, checked
  (:func:`apply_overrides`, :func:`check_shares`).

Everything is deterministic: the same features and :class:`SegmentConfig`
give the same tables. This package's namespace re-exports the public names
of its modules, so ``segmentation.select_model`` and
``segmentation.selection.select_model`` are the same function.
"""

from olist_segmentation.model_tables import (
    CENTRE_COLUMNS,
    SELECTION_COLUMNS,
    TRANSFORM_COLUMNS,
    SegmentationError,
    chosen_candidate,
    selection_frame,
)
from olist_segmentation.segmentation.config import ALGORITHMS, SegmentConfig
from olist_segmentation.segmentation.editing import (
    OVERRIDE_COLUMNS,
    OVERRIDES_FILE,
    RULE_FEATURES,
    apply_overrides,
    check_shares,
)
from olist_segmentation.segmentation.estimators import (
    FeaturePreparer,
    WardClustering,
    cut_ward_tree,
    nearest_centre,
    ward_tree,
)
from olist_segmentation.segmentation.frozen import (
    centres_frame,
    cluster_parameters,
    score_frozen,
    to_original_units,
    to_scaled_units,
    transforms_frame,
)
from olist_segmentation.segmentation.matching import (
    initial_segment_ids,
    match_segments,
)
from olist_segmentation.segmentation.pipeline import (
    feature_matrix,
    fit_pipeline,
    fit_segmenter,
    make_estimator,
    make_pipeline,
)
from olist_segmentation.segmentation.rules import (
    OPERATORS,
    Rule,
    RuleSegmenter,
    apply_rules,
    condition_holds,
    definition_text,
    distill,
    format_threshold,
    round_thresholds,
    rules_hash,
    rules_table,
)
from olist_segmentation.segmentation.selection import (
    CHOICE_RULE,
    Candidate,
    choose,
    is_eligible,
    mean_pairwise_ari,
    prediction_strength,
    sample_distances,
    select_model,
    selection_table,
    silhouette_from_distances,
)

__all__ = [
    "ALGORITHMS",
    "OPERATORS",
    "OVERRIDES_FILE",
    "OVERRIDE_COLUMNS",
    "RULE_FEATURES",
    "Rule",
    "RuleSegmenter",
    "apply_overrides",
    "apply_rules",
    "check_shares",
    "condition_holds",
    "definition_text",
    "distill",
    "format_threshold",
    "is_eligible",
    "prediction_strength",
    "round_thresholds",
    "rules_hash",
    "rules_table",
    "CENTRE_COLUMNS",
    "CHOICE_RULE",
    "SELECTION_COLUMNS",
    "TRANSFORM_COLUMNS",
    "Candidate",
    "FeaturePreparer",
    "SegmentConfig",
    "SegmentationError",
    "WardClustering",
    "centres_frame",
    "chosen_candidate",
    "choose",
    "cluster_parameters",
    "cut_ward_tree",
    "feature_matrix",
    "fit_pipeline",
    "fit_segmenter",
    "initial_segment_ids",
    "make_estimator",
    "make_pipeline",
    "match_segments",
    "mean_pairwise_ari",
    "nearest_centre",
    "sample_distances",
    "score_frozen",
    "select_model",
    "selection_frame",
    "selection_table",
    "silhouette_from_distances",
    "to_original_units",
    "to_scaled_units",
    "transforms_frame",
    "ward_tree",
]
