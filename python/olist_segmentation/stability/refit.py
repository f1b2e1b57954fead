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

    def fit(self, features: pd.DataFrame, seed: int | None = None) -> seg.RuleSegmenter:
        """Fit the chosen clustering on ``features`` and distil its rules.

        ``predict`` of the result gives the served segments (the rules); the
        default seed is the first, as a build deploys it.
        """
        return seg.fit_segmenter(
            features, self.algorithm, self.n_segments, self.config, seed
        )

    def refit_labels(
        self, features: pd.DataFrame, fit_sample_size: int | None = None
    ) -> list[np.ndarray]:
        """Refit with each configured seed; return each refit's served segments.

        Args:
            features: The customers to segment.
            fit_sample_size: Fit on at most this many of them (a seeded
                random sample, as a build fits on its bounded fit sample),
                then assign every customer by the fitted rules; default all.
        """
        fit_on = fit_sample(features, fit_sample_size)
        x = seg.feature_matrix(features, self.config)
        return [self.fit(fit_on, seed).predict(x) for seed in self.config.seeds]


def fit_sample(features: pd.DataFrame, size: int | None) -> pd.DataFrame:
    """Return at most ``size`` rows of ``features`` (seeded, in their order)."""
    if size is None or len(features) <= size:
        return features
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(features), size=size, replace=False))
    return features.iloc[keep].reset_index(drop=True)


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
