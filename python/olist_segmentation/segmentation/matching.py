"""Segment ids: numbered by size at first, kept across a refit by matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from olist_segmentation.segmentation.frozen import to_original_units, to_scaled_units


def initial_segment_ids(labels: np.ndarray, n_segments: int) -> dict[int, int]:
    """Return segment ids 1..k by descending size (ties: lower label first)."""
    sizes = np.bincount(labels, minlength=n_segments)
    order = sorted(range(n_segments), key=lambda label: (-sizes[label], label))
    return {label: rank + 1 for rank, label in enumerate(order)}


def match_segments(
    new_centres: np.ndarray,
    new_transforms: pd.DataFrame,
    labels: np.ndarray,
    previous_centres: pd.DataFrame,
    previous_transforms: pd.DataFrame,
    max_distance: float,
    next_id: int,
) -> dict[int, int]:
    """Give refitted clusters the ids of the old segments they continue.

    Old centres are mapped to feature units with the old transforms, then to
    the new scaled units, and paired with new centres by minimum total
    distance (Hungarian algorithm, pairs further apart than
    ``max_distance`` excluded); a paired new cluster keeps the old id; the
    other new clusters get fresh ids from ``next_id`` on, largest first.

    Returns:
        Segment id of each new cluster label.
    """
    features = new_transforms.sort_values("feature_position")["feature"].tolist()
    old = previous_centres.pivot(index="segment_id", columns="feature", values="centre")
    old_transforms = previous_transforms.set_index("feature")
    common = [f for f in features if f in old.columns and f in old_transforms.index]
    ids: dict[int, int] = {}
    if common and len(common) == len(features):
        old_t = old_transforms.loc[features].reset_index()
        old_t["feature_position"] = np.arange(1, len(features) + 1)
        old_units = to_original_units(old[features].to_numpy(), old_t)
        old_scaled = to_scaled_units(old_units, new_transforms)
        cost = np.sqrt(
            ((new_centres[:, None, :] - old_scaled[None, :, :]) ** 2).sum(axis=2)
        )
        # pairs beyond the threshold all cost the same, so that they never
        # outweigh a valid pair in the minimum total
        capped = np.where(cost <= max_distance, cost, 1e6)
        rows, cols = linear_sum_assignment(capped)
        for r, c in zip(rows, cols, strict=True):
            if cost[r, c] <= max_distance:
                ids[int(r)] = int(old.index[c])
    sizes = np.bincount(labels, minlength=len(new_centres))
    unmatched = sorted(
        (label for label in range(len(new_centres)) if label not in ids),
        key=lambda label: (-sizes[label], label),
    )
    for offset, label in enumerate(unmatched):
        ids[label] = next_id + offset
    return ids
