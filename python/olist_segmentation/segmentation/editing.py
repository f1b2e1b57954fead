"""A marketer's edits of the segment rules, checked before anything is served.

The seed ``seeds/segment_rule_overrides.csv`` has one row per changed
condition: ``segment_name`` (the name the model gave the segment, column
``model_segment_name`` of ``segment_definitions``), ``feature``,
``operator`` (one of ``>=``, ``<=``, ``>``, ``<``) and ``threshold``. A row
replaces the segment's condition on that feature, or adds one when the
segment has none on it. :func:`apply_overrides` returns the effective rules
or raises one :class:`SegmentationError` that names every bad row (its line
in the CSV) and the fix; :func:`check_shares` refuses a rule set that would
leave a segment with under ``segment_min_share`` of customers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from olist_segmentation.model_tables import SegmentationError
from olist_segmentation.segmentation.rules import (
    OPERATORS,
    _is_blank,
    _records,
    apply_rules,
)

#: The seed's file, as errors name it.
OVERRIDES_FILE = "seeds/segment_rule_overrides.csv"
#: Features a condition may use: the numeric columns of
#: int_customer_features, as the macro ``segment_feature_columns()`` lists
#: them (a test keeps the two equal).
RULE_FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "avg_items_per_order",
    "distinct_category_count",
    "freight_share",
    "avg_installments",
    "credit_card_share",
    "boleto_share",
    "voucher_share",
    "avg_delivery_days",
    "late_delivery_share",
    "avg_review_score",
    "distance_to_sao_paulo_km",
)
#: The seed's columns.
OVERRIDE_COLUMNS = ("segment_name", "feature", "operator", "threshold")


def _line(index: int) -> str:
    # data row 0 is line 2 of the CSV (line 1 is the header)
    return f"{OVERRIDES_FILE} line {index + 2}"


def _number(value: object) -> float | None:
    if _is_blank(value):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def apply_overrides(
    rules: pd.DataFrame,
    names: Mapping[int, str],
    overrides: pd.DataFrame,
    known_features: Sequence[str],
) -> pd.DataFrame:
    """Return ``rules`` with the marketer's edits applied, or raise.

    Args:
        rules: The fitted rules of one model version (``segment_model_rules``).
        names: Model segment name of each segment id of that version.
        overrides: The seed's rows (every column read as text).
        known_features: Features a condition may use (columns of
            int_customer_features, ``segment_feature_columns()``).

    Returns:
        The effective rules: the columns of ``rules`` plus ``is_edited``.

    Raises:
        SegmentationError: Naming every bad row, with the fix.
    """
    missing = [c for c in OVERRIDE_COLUMNS if c not in overrides.columns]
    if missing:
        raise SegmentationError(
            f"{OVERRIDES_FILE} lacks the columns {missing}. Fix: its header must "
            f"be {','.join(OVERRIDE_COLUMNS)}."
        )
    by_name = {name: segment for segment, name in names.items()}
    catch_all = {
        int(row["segment_id"]) for row in _records(rules) if _is_blank(row["feature"])
    }
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    edits: list[tuple[int, str, str, float]] = []
    listed = ", ".join(f"'{n}'" for n in sorted(by_name))
    for index, row in enumerate(overrides.itertuples(index=False)):
        where = _line(index)
        name = "" if _is_blank(row.segment_name) else str(row.segment_name).strip()
        feature = "" if _is_blank(row.feature) else str(row.feature).strip()
        operator = "" if _is_blank(row.operator) else str(row.operator).strip()
        threshold = _number(row.threshold)
        if name not in by_name:
            problems.append(
                f"{where}: segment '{name}' is not a segment of this model version. "
                f"Fix: use one of {listed} (column model_segment_name of "
                "segment_definitions)."
            )
            continue
        if by_name[name] in catch_all:
            problems.append(
                f"{where}: '{name}' is the last segment, 'everyone else': it takes "
                "the customers no other segment takes, so a condition on it would "
                "leave customers without a segment. Fix: change the conditions of "
                "the segments before it instead."
            )
            continue
        if feature not in known_features:
            problems.append(
                f"{where}: unknown feature '{feature}'. Fix: use a column of "
                f"int_customer_features: {', '.join(known_features)}."
            )
        if operator not in OPERATORS:
            problems.append(
                f"{where}: unknown operator '{operator}'. Fix: use one of "
                f"{', '.join(OPERATORS)}."
            )
        if threshold is None:
            written = "" if _is_blank(row.threshold) else str(row.threshold)
            problems.append(
                f"{where}: threshold '{written}'"
                " is not a number. Fix: write a number such as 2 or 2.5 (a dot "
                "for decimals)."
            )
        key = (name, feature)
        if key in seen:
            problems.append(
                f"{where}: overlaps {_line(seen[key])}: both set the condition of "
                f"'{name}' on {feature}. Fix: keep one row per segment and feature."
            )
        seen.setdefault(key, index)
        if (
            feature in known_features
            and operator in OPERATORS
            and threshold is not None
        ):
            edits.append((by_name[name], feature, operator, threshold))
    if problems:
        raise SegmentationError(
            "The segment rule edits cannot be used; nothing was changed:\n  "
            + "\n  ".join(problems)
        )
    effective = rules.assign(is_edited=False)
    for segment_id, feature, operator, threshold in edits:
        mask = (effective["segment_id"] == segment_id) & (
            effective["feature"] == feature
        )
        if mask.any():
            effective.loc[mask, "operator"] = operator
            effective.loc[mask, "threshold"] = threshold
            effective.loc[mask, "is_edited"] = True
            continue
        first = effective.loc[effective["segment_id"] == segment_id].iloc[0]
        added = first.copy()
        added["condition_number"] = (
            int(
                effective.loc[
                    effective["segment_id"] == segment_id, "condition_number"
                ].max()
            )
            + 1
        )
        added["feature"], added["operator"], added["threshold"] = (
            feature,
            operator,
            threshold,
        )
        added["precision"], added["recall"], added["is_edited"] = np.nan, np.nan, True
        effective = pd.concat([effective, added.to_frame().T], ignore_index=True)
    return effective.astype(
        {
            "segment_id": "int64",
            "rule_order": "int64",
            "condition_number": "int64",
            "threshold": "float64",
            "is_edited": "bool",
        }
    ).sort_values(["rule_order", "condition_number"], ignore_index=True)


def check_shares(
    customers: pd.DataFrame,
    rules: pd.DataFrame,
    names: Mapping[int, str],
    min_share: float,
) -> dict[int, float]:
    """Share of ``customers`` per segment under ``rules``; raise on a small one.

    Args:
        customers: Feature rows (the fit sample: at most
            segment_fit_sample_size customers, so the check's cost is bounded).
        rules: Effective rules (with ``is_edited``).
        names: Model segment name of each segment id.
        min_share: The smallest share a segment may hold (segment_min_share).

    Raises:
        SegmentationError: A segment would hold less than ``min_share``.
    """
    ids = apply_rules(customers, rules)
    counts = pd.Series(ids).value_counts()
    shares = {
        int(segment): float(counts.get(segment, 0)) / max(len(ids), 1)
        for segment in sorted(set(rules["segment_id"]))
    }
    small = [s for s, share in shares.items() if share < min_share]
    if small and len(ids):
        edited = set(rules.loc[rules["is_edited"], "segment_id"])
        lines = []
        for segment in small:
            fix = (
                f"loosen or remove its rows in {OVERRIDES_FILE}"
                if segment in edited
                else "change the edits of the segments before it, or refit "
                "with other segment_k_values"
            )
            lines.append(
                f"segment '{names.get(segment, segment)}' would hold "
                f"{shares[segment]:.1%} of customers ({int(counts.get(segment, 0)):,} "
                f"of {len(ids):,} in the fit sample), under segment_min_share "
                f"{min_share:.0%}. Fix: {fix}."
            )
        raise SegmentationError(
            "The segment rules leave a segment (almost) empty; nothing was "
            "changed:\n  " + "\n  ".join(lines)
        )
    return shares
