"""Model selection: fit and score every candidate, rank them by the rule.

:func:`select_model` fits every candidate (algorithm x number of segments)
and scores it: silhouette on a sample, Davies-Bouldin, Calinski-Harabasz,
stability across seeds and subsamples (ARI) and the smallest segment's
share. :func:`choose` applies the explicit choice rule and
:func:`selection_table` writes the ``segment_model_selection`` rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
)

from olist_segmentation.model_tables import as_timestamp, selection_frame
from olist_segmentation.segmentation.config import ALGORITHMS, SegmentConfig
from olist_segmentation.segmentation.estimators import (
    cut_ward_tree,
    nearest_centre,
    ward_tree,
)
from olist_segmentation.segmentation.pipeline import (
    feature_matrix,
    make_estimator,
    make_pipeline,
)
from olist_segmentation.segmentation.rules import RuleSegmenter, distill


@dataclass
class Candidate:
    """One fitted candidate of the model selection."""

    algorithm: str
    n_segments: int
    parameters: dict[str, object]
    labels: np.ndarray
    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    stability_ari: float
    min_segment_share: float
    prediction_strength: float = math.nan
    rule_strength: float = math.nan
    rule_agreement: float = math.nan
    extra: dict[str, object] = field(default_factory=dict)


def sample_distances(z: np.ndarray) -> np.ndarray:
    """Return the Euclidean distance matrix of ``z`` (float32, for silhouettes).

    Computed once per model selection and shared by every candidate's
    silhouette: the distances were most of the selection's time when each
    silhouette recomputed them.
    """
    z = np.asarray(z, dtype=np.float64)
    distances = np.empty((len(z), len(z)), dtype=np.float32)
    for start in range(0, len(z), 2048):
        distances[start : start + 2048] = cdist(z[start : start + 2048], z)
    return distances


def silhouette_from_distances(distances: np.ndarray, labels: np.ndarray) -> float:
    """Return the mean silhouette of ``labels`` from a distance matrix.

    The definition of scikit-learn's ``silhouette_score``: for each point,
    a = mean distance to the other members of its cluster, b = lowest mean
    distance to another cluster, s = (b - a) / max(a, b), and s = 0 for a
    point alone in its cluster.
    """
    codes, labels = np.unique(labels, return_inverse=True)
    if len(codes) < 2:
        return math.nan
    counts = np.bincount(labels).astype(np.float64)
    onehot = np.zeros((len(labels), len(codes)), dtype=np.float32)
    onehot[np.arange(len(labels)), labels] = 1.0
    sums = (distances @ onehot).astype(np.float64)
    rows = np.arange(len(labels))
    own = counts[labels]
    a = sums[rows, labels] / np.maximum(own - 1.0, 1.0)
    means = sums / counts[None, :]
    means[rows, labels] = np.inf
    b = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s = np.where(own > 1, np.nan_to_num(s), 0.0)
    return float(s.mean())


def _metrics(
    z: np.ndarray,
    labels: np.ndarray,
    silhouette_index: np.ndarray,
    distances: np.ndarray,
) -> tuple[float, float, float]:
    if len(np.unique(labels)) < 2:
        return math.nan, math.nan, math.nan
    silhouette = silhouette_from_distances(distances, labels[silhouette_index])
    return (
        silhouette,
        float(davies_bouldin_score(z, labels)),
        float(calinski_harabasz_score(z, labels)),
    )


def mean_pairwise_ari(labels_per_seed: Sequence[np.ndarray]) -> float:
    """Return the mean adjusted Rand index over every pair of labelings (1 for one)."""
    scores = [
        adjusted_rand_score(labels_per_seed[i], labels_per_seed[j])
        for i in range(len(labels_per_seed))
        for j in range(i + 1, len(labels_per_seed))
    ]
    return float(np.mean(scores)) if scores else 1.0


def _subsample(n: int, share: float, seed: int) -> np.ndarray:
    """Return sorted indexes of a seeded random subsample of ``share * n``."""
    rng = np.random.default_rng(seed)
    size = max(1, min(n, round(share * n)))
    return np.sort(rng.choice(n, size=size, replace=False))


def _strength(by_b: np.ndarray, by_a: np.ndarray) -> float:
    """Lowest share of a B-cluster's pairs that A's labels also put together."""
    table = pd.crosstab(by_b, by_a).to_numpy().astype(float)
    sizes = table.sum(axis=1)
    together = (table * (table - 1) / 2).sum(axis=1)
    pairs = sizes * (sizes - 1) / 2
    strengths = np.where(pairs > 0, together / np.maximum(pairs, 1), 1.0)
    return float(strengths.min())


def prediction_strength(
    x: np.ndarray, algorithm: str, k: int, config: SegmentConfig
) -> tuple[float, float]:
    """Return the lowest prediction strength of the clusters and of the rules.

    Tibshirani and Walther (2005): split the customers in two random halves
    A and B and fit the whole model on each (clipping, scaling and
    clustering: what another fit sample would change); for every cluster of
    B, the share of its pairs of customers that A's model also puts
    together; the strength of a split is the lowest of these shares (the
    worst-reproduced cluster). The same is measured for the served rules
    (:func:`distill` on each half, applied to B). A structure that is in
    the data is found again from another sample (1.0); one a sample
    invents is not. The lowest over ``config.prediction_strength_splits``
    splits is returned, so one unlucky split is enough to fail.

    Args:
        x: Raw feature matrix (:func:`feature_matrix`).
        algorithm: Candidate algorithm.
        k: Candidate number of segments.
        config: The settings.

    Returns:
        ``(clusters, rules)``: the lowest strength of each over the splits.
    """
    rng = np.random.default_rng(config.seeds[0])
    features = list(config.features)
    lowest_clusters, lowest_rules = 1.0, 1.0
    for split in range(config.prediction_strength_splits):
        order = rng.permutation(len(x))
        half = len(x) // 2
        a, b = x[np.sort(order[:half])], x[np.sort(order[half:])]
        seed = config.seeds[split % len(config.seeds)]
        model_a = make_pipeline(algorithm, k, seed, config).fit(a)
        model_b = make_pipeline(algorithm, k, seed, config).fit(b)
        by_b = model_b.predict(b)
        lowest_clusters = min(lowest_clusters, _strength(by_b, model_a.predict(b)))
        rules_a = distill(a, model_a.predict(a), features)
        rules_b = distill(b, by_b, features)
        served_a = RuleSegmenter.apply(rules_a, b, config.features)
        served_b = RuleSegmenter.apply(rules_b, b, config.features)
        lowest_rules = min(lowest_rules, _strength(served_b, served_a))
    return lowest_clusters, lowest_rules


def rule_agreement(x: np.ndarray, labels: np.ndarray, config: SegmentConfig) -> float:
    """Share of customers the distilled rules put in their own cluster.

    The served segments are readable rules (:func:`distill`); a clustering
    the rules cannot describe is not one a marketer can be given.
    """
    rules = distill(x, labels, list(config.features))
    served = RuleSegmenter.apply(rules, x, config.features)
    return float(np.mean(served == labels))


def select_model(
    features: pd.DataFrame,
    config: SegmentConfig,
    progress: Callable[[str], None] | None = None,
) -> list[Candidate]:
    """Fit and score every candidate algorithm and number of segments.

    The preparation and scaling are fitted once (they do not depend on the
    algorithm). Metrics come from the fit on every customer with the first
    seed (the model :func:`fit_pipeline` deploys), on every customer except
    the silhouette (a fixed random sample). Stability is the mean pairwise
    ARI, on every customer, of fits on a different random subsample
    (``stability_subsample``) with each seed: a model whose segments change
    with a small change of the data or of the seed is not stable (Ward's
    tree is always built on a seeded subsample).

    Args:
        features: One row per customer with the ``config.features`` columns.
        config: The settings.
        progress: Called with a line of text after each candidate.

    Returns:
        The candidates, in the order of ``config.algorithms`` and
        ``config.k_values``.
    """
    x = feature_matrix(features, config)
    prepare = make_pipeline("kmeans", 2, 0, config)[:-1]
    z = prepare.fit_transform(x)
    rng = np.random.default_rng(config.seeds[0])
    silhouette_index = np.sort(
        rng.choice(len(z), size=min(config.silhouette_sample, len(z)), replace=False)
    )
    distances = sample_distances(z[silhouette_index])
    candidates = []
    for algorithm in config.algorithms:
        trees = {}
        if algorithm == "agglomerative_ward":
            trees = {
                seed: ward_tree(z, config.agglomerative_sample, seed)
                for seed in config.seeds
            }
        for k in config.k_values:
            labels_per_seed = []
            for seed in config.seeds:
                if algorithm == "agglomerative_ward":
                    tree, sample = trees[seed]
                    labels = nearest_centre(z, cut_ward_tree(tree, sample, k))
                else:
                    subsample = _subsample(len(z), config.stability_subsample, seed)
                    estimator = make_estimator(algorithm, k, seed, config)
                    labels = estimator.fit(z[subsample]).predict(z)
                labels_per_seed.append(labels)
            labels = (
                labels_per_seed[0]
                if algorithm == "agglomerative_ward"
                else make_estimator(algorithm, k, config.seeds[0], config)
                .fit(z)
                .predict(z)
            )
            silhouette, davies_bouldin, calinski = _metrics(
                z, labels, silhouette_index, distances
            )
            shares = np.bincount(labels, minlength=k) / len(labels)
            strength, rule_strength = prediction_strength(x, algorithm, k, config)
            candidate = Candidate(
                algorithm=algorithm,
                n_segments=k,
                parameters=_estimator_parameters(algorithm, k, config),
                labels=labels,
                silhouette=silhouette,
                davies_bouldin=davies_bouldin,
                calinski_harabasz=calinski,
                stability_ari=mean_pairwise_ari(labels_per_seed),
                min_segment_share=float(shares.min()),
                prediction_strength=strength,
                rule_strength=rule_strength,
                rule_agreement=rule_agreement(x, labels, config),
            )
            candidates.append(candidate)
            if progress:
                progress(
                    f"{algorithm:<19} k={k}: silhouette {silhouette:.3f}, "
                    f"DB {davies_bouldin:.3f}, CH {calinski:,.0f}, "
                    f"stability {candidate.stability_ari:.3f}, "
                    f"prediction strength {candidate.prediction_strength:.3f} "
                    f"(rules {candidate.rule_strength:.3f}), "
                    f"rules agree {candidate.rule_agreement:.1%}, "
                    f"smallest {candidate.min_segment_share:.1%}"
                )
    return candidates


def _estimator_parameters(
    algorithm: str, k: int, config: SegmentConfig
) -> dict[str, object]:
    base: dict[str, object] = {"n_segments": k, "random_state": config.seeds[0]}
    if algorithm == "kmeans":
        base["n_init"] = config.n_init
    elif algorithm == "gaussian_mixture":
        base.update(covariance_type="diag", reg_covar=config.gmm_reg_covar)
    else:
        base["tree_sample"] = config.agglomerative_sample
    return base


#: The choice rule, stored with every selection row.
CHOICE_RULE = (
    "Eligible: the lowest prediction strength over {splits} random half-splits "
    ">= {min_strength}, of the clusters and of the rules distilled from them "
    "(the segments are found again from another sample), "
    "stability ARI >= {min_stability} across seeds and random subsamples, "
    "readable rules that put >= {min_agreement:.0%} of customers in their "
    "own cluster, and every segment >= {min_share:.0%} of customers. Chosen: "
    "the eligible candidate with the most segments (the finest structure "
    "that reproduces and reads as rules); ties go to the higher prediction "
    "strength, then to the "
    "algorithm listed first. When none is eligible, the candidate with the "
    "highest prediction strength."
)


def is_eligible(c: Candidate, config: SegmentConfig) -> bool:
    """Whether a candidate passes the choice rule's thresholds."""
    return bool(
        c.prediction_strength >= config.min_prediction_strength
        and c.rule_strength >= config.min_prediction_strength
        and c.rule_agreement >= config.min_rule_agreement
        and c.stability_ari >= config.min_stability
        and c.min_segment_share >= config.min_share
    )


def choose(candidates: Sequence[Candidate], config: SegmentConfig) -> list[int]:
    """Rank candidates by the choice rule; return indexes, chosen first.

    Eligible candidates come first, most segments first (then the higher
    prediction strength, then algorithm order); the ineligible ones follow
    by descending prediction strength. Silhouettes are reported, not used:
    on these data they near-tie between different structures (DECISIONLOG
    "Segments").
    """
    order = {name: i for i, name in enumerate(ALGORITHMS)}

    def key(i: int) -> tuple[object, ...]:
        c = candidates[i]
        strength = -1.0 if math.isnan(c.prediction_strength) else c.prediction_strength
        if is_eligible(c, config):
            return (0, -c.n_segments, -strength, order[c.algorithm])
        return (1, -strength, c.n_segments, order[c.algorithm])

    return sorted(range(len(candidates)), key=key)


def selection_table(
    candidates: Sequence[Candidate],
    config: SegmentConfig,
    model_version: int,
    as_of_date: object,
) -> pd.DataFrame:
    """Return the ``segment_model_selection`` rows of one model version."""
    ranking = choose(candidates, config)
    rank_of = {index: rank + 1 for rank, index in enumerate(ranking)}
    rule = CHOICE_RULE.format(
        splits=config.prediction_strength_splits,
        min_strength=config.min_prediction_strength,
        min_agreement=config.min_rule_agreement,
        min_stability=config.min_stability,
        min_share=config.min_share,
    )
    rows = []
    for i, c in enumerate(candidates):
        rows.append(
            {
                "model_version": model_version,
                "algorithm": c.algorithm,
                "n_segments": c.n_segments,
                "parameters": json.dumps(c.parameters, sort_keys=True),
                "is_deployable": True,
                "silhouette": c.silhouette,
                "davies_bouldin": c.davies_bouldin,
                "calinski_harabasz": c.calinski_harabasz,
                "stability_ari": c.stability_ari,
                "min_segment_share": c.min_segment_share,
                "prediction_strength": c.prediction_strength,
                "rule_strength": c.rule_strength,
                "rule_agreement": c.rule_agreement,
                "is_eligible": is_eligible(c, config),
                "is_chosen": rank_of[i] == 1,
                "selection_rank": rank_of[i],
                "choice_rule": rule,
                "trained_as_of_date": as_timestamp(as_of_date).date(),
                "trained_customers": len(c.labels),
                "settings": config.to_json(),
            }
        )
    return selection_frame(rows)
