"""Readable segment definitions: rules distilled from the clustering.

The served segments are a *decision list*: each segment is one or more
conditions on named customer features (``frequency >= 2``), the segments
are tried in ``rule_order`` and a customer belongs to the first whose
conditions all hold; the last segment has no condition ("everyone else"),
so every customer gets exactly one segment. A missing value (a customer
without a review) never meets a condition.

The clustering (k-means on the prepared, scaled features) discovers the
structure; :func:`distill` turns its clusters into such a list, one
condition per segment, with thresholds from a fixed ladder of round
numbers (:func:`round_thresholds`), so the same structure gives the same
rules from any sample. :class:`RuleSegmenter` is the whole step as one
scikit-learn estimator (cluster, then distill; ``predict`` applies the
rules), which the stability simulation and the drift check refit.
:func:`apply_rules` is the one Python implementation of the rules; SQL
(``macros/assign_segments.sql``) implements the same, and a test proves
they agree on every customer.

A marketer edits a rule as data (seed ``segment_rule_overrides``):
:func:`apply_overrides` checks each row and says which row is wrong and how
to fix it before anything is served.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

from olist_segmentation.model_tables import RULE_COLUMNS, SegmentationError

#: Comparison operators a condition may use.
OPERATORS = (">=", "<=", ">", "<")

#: Mantissas of the round thresholds (times a power of ten).
ROUND_MANTISSAS = (1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 7.5, 8, 9)

#: Splits whose F1 is within this of a cluster's best split count as equal
#: (the sampling noise of an F1 on a 50,000-customer fit sample); the
#: roundest threshold among them is taken.
F1_TOLERANCE = 0.002

#: How operators read in a definition.
OPERATOR_WORDS = {">=": "at least", "<=": "at most", ">": "above", "<": "below"}


def round_thresholds(values: np.ndarray) -> np.ndarray:
    """Return the round numbers strictly inside the range of ``values``.

    A mantissa of :data:`ROUND_MANTISSAS` times a power of ten from 0.1 to
    10 million: 0.1, 0.2 ... for shares, whole and half stars for reviews,
    R$ 100, 150, 200 ... for money. A fixed ladder, not quantiles of the
    sample, so two samples of the same customers offer the same
    thresholds.
    """
    known = values[~np.isnan(values)]
    if len(known) == 0:
        return np.array([])
    low, high = float(known.min()), float(known.max())
    ladder = sorted(
        {round(m * 10.0**power, 6) for power in range(-1, 8) for m in ROUND_MANTISSAS}
    )
    return np.array(
        [t for t in ladder if low < t < high] + ([0.0] if low < 0 < high else [])
    )


def condition_holds(values: np.ndarray, operator: str, threshold: float) -> np.ndarray:
    """Return where ``values <operator> threshold`` holds (never for NaN)."""
    with np.errstate(invalid="ignore"):
        if operator == ">=":
            result = values >= threshold
        elif operator == "<=":
            result = values <= threshold
        elif operator == ">":
            result = values > threshold
        elif operator == "<":
            result = values < threshold
        else:
            raise SegmentationError(f"unknown operator {operator!r}")
    return np.asarray(result, dtype=bool) & ~np.isnan(values)


@dataclass(frozen=True)
class Rule:
    """One distilled condition: the cluster it describes and how well."""

    cluster_label: int
    feature: str | None
    operator: str | None
    threshold: float | None
    precision: float
    recall: float


def _best_conditions(
    x: np.ndarray,
    labels: np.ndarray,
    remaining: np.ndarray,
    clusters: Sequence[int],
    features: Sequence[str],
    ladders: Sequence[np.ndarray],
    k: int,
) -> dict[int, tuple[float, float, float, int, str, float]]:
    """Best condition per remaining cluster by F1: (f1, precision, recall, ...)."""
    in_cluster = np.bincount(labels[remaining], minlength=k).astype(float)
    candidates: dict[int, list[tuple[float, float, float, int, str, float]]] = {}
    for j in range(len(features)):
        column = x[remaining, j]
        for operator in (">=", "<="):
            for threshold in ladders[j]:
                t = float(threshold)
                holds = condition_holds(column, operator, t)
                captured = holds.sum()
                if captured == 0:
                    continue
                hits = np.bincount(labels[remaining][holds], minlength=k)
                for c in clusters:
                    tp = float(hits[c])
                    if tp == 0:
                        continue
                    f1 = 2 * tp / (captured + in_cluster[c])
                    candidates.setdefault(c, []).append(
                        (f1, tp / captured, tp / in_cluster[c], j, operator, t)
                    )
    best: dict[int, tuple[float, float, float, int, str, float]] = {}
    for c, entries in candidates.items():
        top = max(entry[0] for entry in entries)
        # within F1_TOLERANCE of the best split (sampling noise), the
        # roundest threshold wins: frequency >= 2 rather than >= 1.5,
        # review <= 2 rather than <= 2.5 when both split alike
        near = [e for e in entries if e[0] >= top - F1_TOLERANCE]
        best[c] = max(near, key=lambda e: (_roundness(e[5]), e[0], -e[3]))
    return best


def _roundness(threshold: float) -> int:
    """2 for a whole number, 1 for a half, 0 otherwise."""
    if float(threshold).is_integer():
        return 2
    return 1 if float(2 * threshold).is_integer() else 0


def distill(x: np.ndarray, labels: np.ndarray, features: Sequence[str]) -> list[Rule]:
    """Turn clusters into a decision list of one condition per segment.

    Greedy sequential covering on the customers not yet covered: for each
    remaining cluster, the condition (feature, ``>=`` or ``<=``, a round
    threshold) that best matches it (F1); of those, the most precise is
    taken next (ties: higher F1, then the feature listed first); its
    customers are removed. The last cluster is everyone else.

    Args:
        x: Raw feature values (NaN = missing), columns in ``features`` order.
        labels: Cluster label (0..k-1) of each row.
        features: Feature names.

    Returns:
        The rules in order; the last has no condition.
    """
    x = np.asarray(x, dtype=float)
    labels = np.asarray(labels, dtype=int)
    k = int(labels.max()) + 1 if len(labels) else 0
    ladders = [round_thresholds(x[:, j]) for j in range(x.shape[1])]
    remaining = np.ones(len(x), dtype=bool)
    clusters = [c for c in range(k) if (labels == c).any()]
    rules: list[Rule] = []
    while len(clusters) > 1:
        best = _best_conditions(x, labels, remaining, clusters, features, ladders, k)
        if not best:
            break
        cluster = min(
            best, key=lambda c: (-best[c][1], -best[c][0], best[c][3], best[c][4], c)
        )
        f1, precision, recall, j, operator, threshold = best[cluster]
        rules.append(Rule(cluster, features[j], operator, threshold, precision, recall))
        remaining &= ~condition_holds(x[:, j], operator, threshold)
        clusters.remove(cluster)
    rest = clusters[0] if clusters else 0
    in_rest = remaining.sum()
    tp = float((labels[remaining] == rest).sum())
    rules.append(
        Rule(
            rest,
            None,
            None,
            None,
            tp / in_rest if in_rest else math.nan,
            tp / max((labels == rest).sum(), 1),
        )
    )
    return rules


def apply_rules(frame: pd.DataFrame, rules: pd.DataFrame) -> np.ndarray:
    """Segment id of each row of ``frame`` under ``rules`` (-1: none matched).

    Args:
        frame: One row per customer with the features the rules name.
        rules: Rows with segment_id, rule_order, feature, operator and
            threshold (a row without feature is a condition that always
            holds).

    Returns:
        The segment id of the first segment (by rule_order) whose
        conditions all hold.
    """
    result = np.full(len(frame), -1, dtype=np.int64)
    ordered = rules.sort_values(["rule_order", "segment_id"], kind="stable")
    for (_, segment_id), conditions in ordered.groupby(
        ["rule_order", "segment_id"], sort=True
    ):
        holds = np.ones(len(frame), dtype=bool)
        for row in _records(conditions):
            if _is_blank(row["feature"]):
                continue
            values = frame[str(row["feature"])].astype(float).to_numpy()
            holds &= condition_holds(
                values, str(row["operator"]), float(row["threshold"])
            )
        result[(result == -1) & holds] = int(cast(Any, segment_id))
    return result


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts (cells typed ``Any`` for the checks)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def format_threshold(value: float) -> str:
    """Return a threshold as a marketer reads it (``2``, ``2.5``, ``0.5``)."""
    return f"{value:g}"


def definition_text(conditions: pd.DataFrame) -> str:
    """Return a segment's conditions as text (``frequency >= 2 and ...``)."""
    parts = [
        f"{row['feature']} {row['operator']} "
        f"{format_threshold(float(row['threshold']))}"
        for row in _records(conditions.sort_values("condition_number"))
        if not _is_blank(row["feature"])
    ]
    return " and ".join(parts) if parts else "everyone else"


def rules_hash(rules: pd.DataFrame) -> str:
    """Return a short fingerprint of a rule set (segment, order, conditions)."""
    canonical = [
        [
            int(row["segment_id"]),
            int(row["rule_order"]),
            None if _is_blank(row["feature"]) else str(row["feature"]),
            None if _is_blank(row["operator"]) else str(row["operator"]),
            None if _is_blank(row["feature"]) else float(row["threshold"]),
        ]
        for row in _records(
            rules.sort_values(["rule_order", "segment_id", "condition_number"])
        )
    ]
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()[:12]


class RuleSegmenter(ClusterMixin, BaseEstimator):
    """Cluster, then distil the clusters into rules; predict by the rules.

    Args:
        pipeline: An unfitted scikit-learn pipeline (prepare, scale,
            cluster) whose ``predict`` gives cluster labels.
        features: Names of the columns of ``x``, in order.

    Fitted attributes: ``pipeline_`` (the fitted clustering), ``rules_``
    (:class:`Rule` list) and ``labels_`` (rule labels of the training rows).
    """

    def __init__(self, pipeline: BaseEstimator, features: Sequence[str]) -> None:
        """Keep the clustering pipeline and the feature names."""
        self.pipeline = pipeline
        self.features = features

    def fit(self, x: np.ndarray, y: object = None) -> RuleSegmenter:  # noqa: ARG002
        """Fit the clustering on ``x`` and distil its clusters into rules."""
        from sklearn.base import clone  # noqa: PLC0415

        x = np.asarray(x, dtype=float)
        self.pipeline_ = clone(self.pipeline).fit(x)
        clusters = self.pipeline_.predict(x)
        self.rules_ = distill(x, clusters, list(self.features))
        self.labels_ = self.predict(x)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return each row's cluster label by the distilled rules."""
        check_is_fitted(self, "rules_")
        return self.apply(self.rules_, x, self.features)

    @staticmethod
    def apply(
        rules: Sequence[Rule], x: np.ndarray, features: Sequence[str]
    ) -> np.ndarray:
        """Return each row's cluster label under ``rules`` (columns: ``features``)."""
        frame = pd.DataFrame(np.asarray(x, dtype=float), columns=list(features))
        return apply_rules(frame, rules_table(rules, {}, 0))

    def cluster_labels(self, x: np.ndarray) -> np.ndarray:
        """Return each row's cluster by the clustering itself (not the rules)."""
        check_is_fitted(self, "pipeline_")
        return np.asarray(self.pipeline_.predict(np.asarray(x, dtype=float)))


def rules_table(
    rules: Sequence[Rule], segment_ids: Mapping[int, int], model_version: int
) -> pd.DataFrame:
    """Return distilled rules as ``segment_model_rules`` rows.

    Args:
        rules: From :func:`distill`, in order.
        segment_ids: Segment id of each cluster label (default: the label).
        model_version: The model version.
    """
    rows = [
        {
            "model_version": model_version,
            "segment_id": int(segment_ids.get(rule.cluster_label, rule.cluster_label)),
            "cluster_label": int(rule.cluster_label),
            "rule_order": order,
            "condition_number": 0 if rule.feature is None else 1,
            "feature": rule.feature,
            "operator": rule.operator,
            "threshold": rule.threshold,
            "precision": rule.precision,
            "recall": rule.recall,
        }
        for order, rule in enumerate(rules, start=1)
    ]
    frame = pd.DataFrame(rows, columns=list(RULE_COLUMNS))
    return frame.astype(
        {
            "model_version": "int64",
            "segment_id": "int64",
            "cluster_label": "int64",
            "rule_order": "int64",
            "condition_number": "int64",
            "threshold": "float64",
            "precision": "float64",
            "recall": "float64",
        }
    )
