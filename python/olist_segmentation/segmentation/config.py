"""The settings of the model selection and of the final fit (dbt vars)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from olist_segmentation.model_tables import ALGORITHMS, SegmentationError

__all__ = ["ALGORITHMS", "SegmentConfig"]


@dataclass(frozen=True)
class SegmentConfig:
    """Settings of the model selection and of the final fit.

    Attributes:
        features: Feature columns, in order.
        algorithms: Candidate algorithms (see :data:`ALGORITHMS`).
        k_values: Candidate numbers of segments.
        seeds: Random seeds; the first gives the fitted model, all of them
            the stability ARI.
        silhouette_sample: Customers in the silhouette sample.
        agglomerative_sample: Customers the Ward tree is built on.
        min_stability: Lowest stability ARI a chosen model may have.
        min_share: Smallest share of customers a chosen model's segments may
            have.
        n_init: K-means initialisations per fit (the Gaussian mixture
            starts once, from k-means).
        stability_subsample: Share of customers each stability fit sees (a
            different random subsample per seed).
        min_prediction_strength: Lowest prediction strength (over random
            half-splits) an eligible candidate may have.
        prediction_strength_splits: Random half-splits of the prediction
            strength.
        min_rule_agreement: Lowest share of customers the distilled rules
            must put in their own cluster.
        clip_quantiles: Lower and upper quantile each feature is clipped at.
        skew_threshold: Features more skewed than this get ``log1p``.
        gmm_reg_covar: Variance floor of the Gaussian mixture (scaled units).
        match_max_distance: Largest centre distance (scaled units) at which
            a refitted segment inherits an old segment's id and name.
    """

    features: tuple[str, ...]
    algorithms: tuple[str, ...] = ALGORITHMS
    k_values: tuple[int, ...] = (4, 5, 6, 7, 8)
    seeds: tuple[int, ...] = (0, 1, 2)
    silhouette_sample: int = 10_000
    agglomerative_sample: int = 8_000
    min_stability: float = 0.8
    min_share: float = 0.02
    n_init: int = 10
    stability_subsample: float = 0.8
    min_prediction_strength: float = 0.8
    prediction_strength_splits: int = 10
    min_rule_agreement: float = 0.88
    clip_quantiles: tuple[float, float] = (0.01, 0.99)
    skew_threshold: float = 1.0
    gmm_reg_covar: float = 0.01
    match_max_distance: float = 1.0

    def __post_init__(self) -> None:
        """Check the settings; raise :class:`SegmentationError` on bad ones."""
        problems = []
        if not self.features:
            problems.append("segment_features is empty")
        if len(set(self.features)) != len(self.features):
            problems.append("segment_features lists a feature twice")
        unknown = sorted(set(self.algorithms) - set(ALGORITHMS))
        if unknown or not self.algorithms:
            problems.append(
                f"segment_algorithms must be a non-empty subset of {list(ALGORITHMS)}"
                f", got {list(self.algorithms)}"
            )
        if not self.k_values or min(self.k_values) < 2:
            problems.append(
                f"segment_k_values must list numbers >= 2, got {list(self.k_values)}"
            )
        if not self.seeds:
            problems.append("segment_seeds is empty")
        if not 0 <= self.min_stability <= 1:
            problems.append("segment_min_stability must be between 0 and 1")
        if not 0 <= self.min_share < 1:
            problems.append("segment_min_share must be between 0 and 1")
        if not 0 <= self.min_prediction_strength <= 1:
            problems.append("segment_min_prediction_strength must be between 0 and 1")
        if not 0 <= self.min_rule_agreement <= 1:
            problems.append("segment_min_rule_agreement must be between 0 and 1")
        if self.prediction_strength_splits < 1:
            problems.append("segment_prediction_strength_splits must be at least 1")
        if not 0 < self.stability_subsample <= 1:
            problems.append("segment_stability_subsample must be in (0, 1]")
        if problems:
            raise SegmentationError(
                "Segmentation settings: " + "; ".join(problems) + ". Fix: correct "
                "the segment_* vars in dbt_project.yml or --vars."
            )

    @classmethod
    def from_vars(cls, get: Callable[[str], object]) -> SegmentConfig:
        """Build the settings from dbt vars.

        Args:
            get: Returns the value of a var (e.g. ``dbt.config.get`` in a
                dbt Python model whose config copies the vars).

        Returns:
            The settings; unset vars keep their defaults.
        """
        names = {
            "features": "segment_features",
            "algorithms": "segment_algorithms",
            "k_values": "segment_k_values",
            "seeds": "segment_seeds",
            "silhouette_sample": "segment_silhouette_sample",
            "min_stability": "segment_min_stability",
            "min_share": "segment_min_share",
            "stability_subsample": "segment_stability_subsample",
            "min_prediction_strength": "segment_min_prediction_strength",
            "prediction_strength_splits": "segment_prediction_strength_splits",
            "min_rule_agreement": "segment_min_rule_agreement",
            "match_max_distance": "segment_match_max_distance",
        }
        values: dict[str, Any] = {}
        for attribute, var in names.items():
            value = get(var)
            if value is None:
                continue
            if isinstance(value, list | tuple):
                value = tuple(value)
            values[attribute] = value
        if "features" not in values:
            raise SegmentationError("var segment_features is not set")
        return cls(**values)

    def to_json(self) -> str:
        """Return the settings as sorted JSON text (stored with each model)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SegmentConfig:
        """Read settings written by :meth:`to_json`.

        Keys this version does not know (settings of an older version) are
        ignored; missing ones take their defaults.
        """
        known = set(cls.__dataclass_fields__)
        values: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in json.loads(text).items()
            if key in known
        }
        return cls(**values)
