"""Readable segment rules without a build: distillation, edits, strength."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from olist_segmentation import segmentation as seg
from olist_segmentation.build import PROJECT_DIR

FEATURES = ["frequency", "avg_review_score", "credit_card_share"]


def _customers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three planted groups on three features, with their labels."""
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=[0.1, 0.3, 0.6])
    frequency = np.where(group == 0, rng.integers(2, 5, n), 1).astype(float)
    review = np.where(group == 1, rng.integers(1, 3, n), rng.integers(4, 6, n))
    card = np.where(group == 2, rng.uniform(0.6, 1.0, n), rng.uniform(0.0, 1.0, n))
    x = np.column_stack([frequency, review.astype(float), card])
    return x, group


def test_rule_features_are_the_macro_list() -> None:
    macro = (PROJECT_DIR / "macros" / "segment_model.sql").read_text()
    body = macro.split("macro segment_feature_columns()")[1].split("endmacro")[0]
    assert tuple(re.findall(r"'([a-z_0-9]+)'", body)) == seg.RULE_FEATURES


def test_round_thresholds_are_round_and_inside_the_range() -> None:
    values = np.array([0.0, 0.37, 1.0])
    ladder = seg.round_thresholds(values)
    assert 0.5 in ladder and 0.1 in ladder
    assert ladder.min() > 0.0 and ladder.max() < 1.0
    assert list(seg.round_thresholds(np.array([1.0, 5.0]))) == [
        1.5,
        2.0,
        2.5,
        3.0,
        3.5,
        4.0,
        4.5,
    ]


def test_distill_finds_the_planted_conditions_from_any_sample() -> None:
    found = []
    for seed in range(3):
        x, labels = _customers(20_000, seed)
        rules = seg.distill(x, labels, FEATURES)
        found.append(
            [(r.cluster_label, r.feature, r.operator, r.threshold) for r in rules]
        )
        served = seg.RuleSegmenter.apply(rules, x, FEATURES)
        assert (served == labels).mean() > 0.9
    assert found[0] == found[1] == found[2]
    assert found[0][0] == (0, "frequency", ">=", 2.0)
    assert found[0][-1][1:] == (None, None, None)  # everyone else


def test_apply_rules_first_match_wins_and_missing_never_matches() -> None:
    rules = pd.DataFrame(
        {
            "segment_id": [7, 8, 9],
            "rule_order": [1, 2, 3],
            "condition_number": [1, 1, 0],
            "feature": ["frequency", "avg_review_score", None],
            "operator": [">=", "<=", None],
            "threshold": [2.0, 2.0, np.nan],
        }
    )
    frame = pd.DataFrame(
        {"frequency": [3, 3, 1, 1, 1], "avg_review_score": [1, 5, 1, 5, np.nan]}
    )
    assert list(seg.apply_rules(frame, rules)) == [7, 7, 8, 9, 9]


def _fitted_rules() -> tuple[pd.DataFrame, dict[int, str]]:
    x, labels = _customers(5_000, 0)
    rules = seg.rules_table(seg.distill(x, labels, FEATURES), {0: 1, 1: 2, 2: 3}, 1)
    return rules, {1: "Repeat", 2: "Unhappy", 3: "Card"}


def _overrides(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(seg.OVERRIDE_COLUMNS), dtype=object)


def test_an_edit_replaces_a_condition_and_marks_it() -> None:
    rules, names = _fitted_rules()
    edited = seg.apply_overrides(
        rules,
        names,
        _overrides(("Unhappy", "avg_review_score", "<=", "3")),
        seg.RULE_FEATURES,
    )
    row = edited[edited["segment_id"] == 2].iloc[0]
    assert (row.operator, row.threshold, bool(row.is_edited)) == ("<=", 3.0, True)
    assert edited["is_edited"].sum() == 1
    assert seg.rules_hash(edited) != seg.rules_hash(rules)
    added = seg.apply_overrides(
        rules,
        names,
        _overrides(("Unhappy", "monetary", ">=", "100")),
        seg.RULE_FEATURES,
    )
    assert seg.definition_text(added[added["segment_id"] == 2]) == (
        "avg_review_score <= 2 and monetary >= 100"
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("Unhappy", "basket", "<=", "3"), "line 2: unknown feature 'basket'"),
        (("Unhappy", "", "", ""), "line 2: unknown feature ''"),
        (("Unhappy", "monetary", "=<", "3"), "line 2: unknown operator '=<'"),
        (
            ("Unhappy", "monetary", "<=", "3,5"),
            "line 2: threshold '3,5' is not a number",
        ),
        (
            ("Nobody", "monetary", "<=", "3"),
            "line 2: segment 'Nobody' is not a segment",
        ),
        (("Card", "monetary", "<=", "3"), "line 2: 'Card' is the last segment"),
    ],
)
def test_a_bad_edit_names_its_line_and_the_fix(
    row: tuple[str, str, str, str], message: str
) -> None:
    rules, names = _fitted_rules()
    with pytest.raises(seg.SegmentationError) as error:
        seg.apply_overrides(rules, names, _overrides(row), seg.RULE_FEATURES)
    assert message in str(error.value)
    assert "Fix:" in str(error.value)


def test_two_rows_on_one_condition_overlap() -> None:
    rules, names = _fitted_rules()
    rows = _overrides(
        ("Unhappy", "monetary", "<=", "3"), ("Unhappy", "monetary", ">=", "1")
    )
    with pytest.raises(seg.SegmentationError, match="line 3: overlaps .* line 2"):
        seg.apply_overrides(rules, names, rows, seg.RULE_FEATURES)


def test_a_segment_under_the_minimum_share_is_refused() -> None:
    rules, names = _fitted_rules()
    x, _ = _customers(5_000, 0)
    customers = pd.DataFrame(x, columns=FEATURES)
    seg.check_shares(customers, rules.assign(is_edited=False), names, 0.02)
    greedy = seg.apply_overrides(
        rules, names, _overrides(("Repeat", "frequency", ">=", "0")), seg.RULE_FEATURES
    )
    with pytest.raises(seg.SegmentationError, match="'Unhappy' would hold 0.0%"):
        seg.check_shares(customers, greedy, names, 0.02)


def test_prediction_strength_separates_a_real_structure_from_an_invented_one() -> None:
    x, _ = _customers(4_000, 1)
    config = seg.SegmentConfig(
        features=tuple(FEATURES), algorithms=("kmeans",), prediction_strength_splits=3
    )
    clusters, rules = seg.prediction_strength(x, "kmeans", 3, config)
    assert clusters > 0.9 and rules > 0.9
    # uniform noise has no 6 groups to find again
    noise = np.random.default_rng(0).uniform(size=(4_000, 3))
    clusters, _ = seg.prediction_strength(noise, "kmeans", 6, config)
    assert clusters < 0.8
