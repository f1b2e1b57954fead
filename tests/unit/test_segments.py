"""Behavioural segments without a build: matching, errors, silhouette."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from olist_segmentation import segmentation as seg


def test_match_segments_follows_centres_not_labels() -> None:
    transforms = pd.DataFrame(
        {
            "feature": ["a", "b"],
            "feature_position": [1, 2],
            "clip_lower": [-10.0, -10.0],
            "clip_upper": [10.0, 10.0],
            "log_transform": [False, False],
            "mean": [0.0, 0.0],
            "scale": [1.0, 1.0],
        }
    )
    old_centres = pd.DataFrame(
        {
            "segment_id": [1, 1, 2, 2, 3, 3],
            "feature": ["a", "b"] * 3,
            "centre": [0.0, 0.0, 3.0, 3.0, -3.0, 3.0],
        }
    )
    # new labels 0, 1, 2 sit near old ids 2, 1 and (far from all) new
    new = np.array([[3.1, 2.9], [0.1, 0.0], [6.0, -6.0]])
    labels = np.array([0, 0, 1, 2, 2, 2])
    ids = seg.match_segments(
        new, transforms, labels, old_centres, transforms, 1.0, next_id=4
    )
    assert ids == {0: 2, 1: 1, 2: 4}


def test_too_few_customers_is_a_clear_error() -> None:
    config = seg.SegmentConfig(features=("monetary",), k_values=(4, 5))
    few = pd.DataFrame({"customer_unique_id": ["a", "b"], "monetary": [1.0, 2.0]})
    with pytest.raises(seg.SegmentationError, match="Only 2 customers"):
        seg.select_model(few, config)
    empty = few.iloc[0:0]
    with pytest.raises(seg.SegmentationError, match="nothing to segment"):
        seg.select_model(empty, config)
    with pytest.raises(seg.SegmentationError, match="lacks \\['recency_days'\\]"):
        seg.select_model(few, seg.SegmentConfig(features=("recency_days",)))


def test_silhouette_from_shared_distances_equals_scikit_learn() -> None:
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(3)
    z = np.vstack([rng.normal(c, 1.0, size=(300, 4)) for c in (0.0, 2.0, 5.0)])
    distances = seg.sample_distances(z)
    for labels in (
        np.repeat([0, 1, 2], 300),
        rng.integers(0, 4, size=900),
        # a cluster of one point scores 0, as in scikit-learn
        np.r_[np.zeros(899, dtype=int), 1],
    ):
        assert seg.silhouette_from_distances(distances, labels) == pytest.approx(
            silhouette_score(z, labels), abs=1e-6
        )
