"""Drift arithmetic without a build: PSI, drift levels, bad drift vars."""

from __future__ import annotations

import math

import numpy as np
import pytest

from olist_segmentation import segmentation as seg
from olist_segmentation import stability

# --------------------------------------------------------------------------
# PSI: arithmetic on known distributions.


def test_psi_is_zero_for_the_same_distribution() -> None:
    values = np.arange(1000, dtype=float)
    assert stability.psi(values, values.copy()) == 0.0
    assert stability.psi(values, values[::-1].copy()) == 0.0


def test_psi_of_a_shift_into_one_decile_matches_the_formula() -> None:
    reference = np.arange(1000, dtype=float)  # 10% per decile
    current = np.full(500, 5.0)  # everyone in the lowest decile
    floor = stability.PSI_FLOOR
    expected = (1 - 0.1) * math.log(1 / 0.1) + 9 * (floor - 0.1) * math.log(floor / 0.1)
    assert stability.psi(reference, current) == pytest.approx(expected)
    assert stability.drift_level(expected) == "significant"


def test_psi_counts_missing_values_as_their_own_bin() -> None:
    reference = np.arange(1000, dtype=float)
    current = np.concatenate([reference, np.full(1000, np.nan)])  # half missing
    floor = stability.PSI_FLOOR
    # each decile halves (0.1 -> 0.05); the missing bin goes 0 -> 0.5
    expected = 10 * (0.05 - 0.1) * math.log(0.05 / 0.1) + (0.5 - floor) * math.log(
        0.5 / floor
    )
    assert stability.psi(reference, current) == pytest.approx(expected)


def test_psi_bins_merge_on_a_feature_with_one_dominant_value() -> None:
    reference = np.array([1.0] * 97 + [2.0, 3.0, 4.0])  # frequency: 97% buy once
    assert list(stability.psi_bin_edges(reference)) == [1.0]  # deciles all 1
    same_shares = np.array([1.0] * 970 + [2.0] * 10 + [3.0] * 10 + [4.0] * 10)
    assert stability.psi(reference, same_shares) == pytest.approx(0.0)


def test_drift_levels_follow_the_usual_bands() -> None:
    assert [stability.drift_level(v) for v in (0.0, 0.099, 0.1, 0.249, 0.25)] == [
        "stable",
        "stable",
        "moderate",
        "moderate",
        "significant",
    ]


def test_bad_drift_vars_get_a_clear_error() -> None:
    values = {
        "stability_ari_threshold": 0.8,
        "drift_psi_threshold": "high",
        "segment_refresh_interval_weeks": 8,
    }
    with pytest.raises(seg.SegmentationError, match="drift_psi_threshold"):
        stability.DriftThresholds.from_vars(values.get)
    values["drift_psi_threshold"] = 0.25
    values["segment_refresh_interval_weeks"] = 0
    with pytest.raises(seg.SegmentationError, match="at least 1"):
        stability.DriftThresholds.from_vars(values.get)


def test_the_refresh_interval_var_is_the_measured_number() -> None:
    """One number, one place: docs/stability_results.json is written by
    `make stability`; the var the drift check reads must say the same."""
    import json

    import yaml

    from olist_segmentation.build import PROJECT_DIR

    measured = json.loads((PROJECT_DIR / "docs" / "stability_results.json").read_text())
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert (
        project["vars"]["segment_refresh_interval_weeks"]
        == measured["recommended_interval_weeks"]
    )
    assert measured["ari_threshold"] == project["vars"]["stability_ari_threshold"]
