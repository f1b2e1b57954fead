"""Refitting the chosen model and comparing segmentations by ARI.

:class:`ChosenModel` holds the hyper-parameters of a stored model version
and refits them on other features; :func:`agreement` compares the frozen
model's labels with those refits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline

from olist_segmentation import segmentation as seg


@dataclass(frozen=True)
class ChosenModel:
    """The hyper-parameters the simulation and the drift check refit with."""

    model_version: int
    algorithm: str
    n_segments: int
    config: seg.SegmentConfig

    @classmethod
    def from_selection(
        cls, selection: pd.DataFrame, model_version: int | None = None
    ) -> ChosenModel:
        """Return the chosen candidate of ``model_version`` (default: latest).

        Raises:
            SegmentationError: No model version, or not exactly one chosen
                candidate.
        """
        row = seg.chosen_candidate(selection, model_version)
        return cls(
            int(row["model_version"]),
            str(row["algorithm"]),
            int(row["n_segments"]),
            seg.SegmentConfig.from_json(row["settings"]),
        )

    def fit(self, features: pd.DataFrame, seed: int | None = None) -> Pipeline:
        """Fit the chosen pipeline on ``features`` (default: the first seed)."""
        return seg.fit_pipeline(
            features, self.algorithm, self.n_segments, self.config, seed
        )

    def refit_labels(self, features: pd.DataFrame) -> list[np.ndarray]:
        """Refit with each configured seed; return each refit's labels."""
        x = seg.feature_matrix(features, self.config)
        return [self.fit(features, seed).predict(x) for seed in self.config.seeds]


def agreement(frozen: np.ndarray, refits: Sequence[np.ndarray]) -> dict[str, float]:
    """Compare frozen labels with the refits of each seed.

    Returns:
        ``ari`` (the median over the seeds' refits of the ARI with the
        frozen labels, so that one refit landing in another local optimum
        does not decide), ``ari_lowest_seed``, ``ari_highest_seed`` and
        ``refit_agreement`` (mean pairwise ARI between the refits: the
        agreement a frozen model cannot be expected to beat).
    """
    scores = [float(adjusted_rand_score(frozen, refit)) for refit in refits]
    return {
        "ari": float(np.median(scores)),
        "ari_lowest_seed": min(scores),
        "ari_highest_seed": max(scores),
        "refit_agreement": seg.mean_pairwise_ari(refits),
    }
