"""Behavioural segmentation: features -> fitted pipeline -> segments.

The flow, used by the dbt Python models in ``models/segments/`` and by the
CLI:

1. :func:`select_model` fits every candidate (algorithm x number of
   segments) on the customer features and scores it: silhouette on a
   sample, Davies-Bouldin, Calinski-Harabasz, stability across seeds (ARI)
   and the smallest segment's share. :func:`choose` applies the explicit
   choice rule.
2. :func:`fit_pipeline` fits the chosen candidate as one scikit-learn
   :class:`~sklearn.pipeline.Pipeline` (impute, clip, log of skewed
   features, standard scaling, clustering).
3. :func:`freeze` exports the fitted pipeline as two plain tables
   (transforms per feature, centres per segment and feature) that SQL can
   score on any adapter; :func:`match_segments` keeps segment ids across a
   refit.

Everything is deterministic: the same features and :class:`SegmentConfig`
give the same tables.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from scipy.stats import skew
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
)
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from olist_segmentation.model_tables import (
    CENTRE_COLUMNS,
    SELECTION_COLUMNS,
    TRANSFORM_COLUMNS,
    SegmentationError,
    chosen_candidate,
    selection_frame,
)

__all__ = [
    "CENTRE_COLUMNS",
    "SELECTION_COLUMNS",
    "TRANSFORM_COLUMNS",
    "SegmentationError",
    "chosen_candidate",
    "selection_frame",
]

#: Algorithms the model selection knows.
ALGORITHMS = ("kmeans", "gaussian_mixture", "agglomerative_ward")


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
        silhouette_tolerance: Silhouettes this close to the best count as
            tied; the more stable of tied candidates is chosen.
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
    silhouette_tolerance: float = 0.01
    clip_quantiles: tuple[float, float] = (0.005, 0.995)
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
        if not 0 <= self.silhouette_tolerance < 1:
            problems.append("segment_silhouette_tolerance must be in [0, 1)")
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
            "silhouette_tolerance": "segment_silhouette_tolerance",
            "match_max_distance": "segment_match_max_distance",
        }
        values: dict[str, object] = {}
        for attribute, var in names.items():
            value = get(var)
            if value is None:
                continue
            if isinstance(value, list | tuple):
                value = tuple(value)
            values[attribute] = value
        if "features" not in values:
            raise SegmentationError("var segment_features is not set")
        return cls(**values)  # type: ignore[arg-type]

    def to_json(self) -> str:
        """Return the settings as sorted JSON text (stored with each model)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SegmentConfig:
        """Read settings written by :meth:`to_json`."""
        values = json.loads(text)
        return cls(
            **{
                key: tuple(value) if isinstance(value, list) else value
                for key, value in values.items()
            }
        )


class FeaturePreparer(TransformerMixin, BaseEstimator):
    """Fill missing values, clip outliers and log skewed features.

    Fitted attributes (one value per feature): ``fill_values_`` (training
    median), ``clip_lower_`` and ``clip_upper_`` (training quantiles) and
    ``log_transform_`` (``log1p`` when the clipped feature is non-negative
    and its skewness exceeds ``skew_threshold``).
    """

    def __init__(
        self,
        clip_quantiles: tuple[float, float] = (0.005, 0.995),
        skew_threshold: float = 1.0,
    ) -> None:
        """Set the clip quantiles and the skewness above which to log."""
        self.clip_quantiles = clip_quantiles
        self.skew_threshold = skew_threshold

    def fit(self, x: np.ndarray, y: object = None) -> FeaturePreparer:  # noqa: ARG002
        """Learn fill values, clip bounds and which features to log."""
        x = np.asarray(x, dtype=float)
        fill = np.nanmedian(x, axis=0)
        fill = np.where(np.isnan(fill), 0.0, fill)
        filled = np.where(np.isnan(x), fill, x)
        low, high = self.clip_quantiles
        self.fill_values_ = fill
        self.clip_lower_ = np.quantile(filled, low, axis=0)
        self.clip_upper_ = np.quantile(filled, high, axis=0)
        clipped = np.clip(filled, self.clip_lower_, self.clip_upper_)
        skewness = np.nan_to_num(skew(clipped, axis=0))
        self.skewness_ = skewness
        self.log_transform_ = (self.clip_lower_ >= 0) & (skewness > self.skew_threshold)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Apply the fill, clip and log learnt in :meth:`fit`."""
        x = np.asarray(x, dtype=float)
        filled = np.where(np.isnan(x), self.fill_values_, x)
        clipped = np.clip(filled, self.clip_lower_, self.clip_upper_)
        return np.where(self.log_transform_, np.log1p(clipped), clipped)


class WardClustering(ClusterMixin, BaseEstimator):
    """Ward agglomerative clustering that can assign new customers.

    The Ward tree is built on a random sample (it needs memory quadratic in
    the number of rows); every customer, sampled or not, is then assigned to
    the nearest cluster mean, which is also how SQL scores it.
    """

    def __init__(
        self, n_clusters: int = 5, sample_size: int = 8_000, random_state: int = 0
    ) -> None:
        """Set the number of clusters, the tree's sample size and the seed."""
        self.n_clusters = n_clusters
        self.sample_size = sample_size
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: object = None) -> WardClustering:  # noqa: ARG002
        """Build the tree on a sample, cut it, keep the cluster means."""
        tree, sample = ward_tree(x, self.sample_size, self.random_state)
        self.cluster_centers_ = cut_ward_tree(tree, sample, self.n_clusters)
        self.labels_ = self.predict(x)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Assign each row to the nearest cluster mean."""
        return nearest_centre(np.asarray(x, dtype=float), self.cluster_centers_)


def ward_tree(
    x: np.ndarray, sample_size: int, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Ward linkage of a random sample of ``x`` and that sample."""
    rng = np.random.default_rng(random_state)
    n = len(x)
    index = np.sort(rng.choice(n, size=min(sample_size, n), replace=False))
    sample = np.asarray(x, dtype=float)[index]
    return linkage(sample, method="ward"), sample


def cut_ward_tree(tree: np.ndarray, sample: np.ndarray, n_clusters: int) -> np.ndarray:
    """Cut a Ward tree into ``n_clusters`` and return the cluster means."""
    labels = fcluster(tree, t=n_clusters, criterion="maxclust") - 1
    return np.vstack([sample[labels == c].mean(axis=0) for c in np.unique(labels)])


def nearest_centre(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Return the index of the nearest centre of each row (ties: lowest)."""
    distances = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)


def make_estimator(
    algorithm: str, n_segments: int, seed: int, config: SegmentConfig
) -> BaseEstimator:
    """Return an unfitted clustering estimator of one candidate."""
    if algorithm == "kmeans":
        return KMeans(n_clusters=n_segments, n_init=config.n_init, random_state=seed)
    if algorithm == "gaussian_mixture":
        return GaussianMixture(
            n_components=n_segments,
            covariance_type="diag",
            reg_covar=config.gmm_reg_covar,
            n_init=1,
            max_iter=300,
            random_state=seed,
        )
    if algorithm == "agglomerative_ward":
        return WardClustering(n_segments, config.agglomerative_sample, seed)
    raise SegmentationError(f"unknown algorithm {algorithm!r}")


def make_pipeline(
    algorithm: str, n_segments: int, seed: int, config: SegmentConfig
) -> Pipeline:
    """Return the unfitted pipeline: prepare -> scale -> cluster."""
    return Pipeline(
        [
            ("prepare", FeaturePreparer(config.clip_quantiles, config.skew_threshold)),
            ("scale", StandardScaler()),
            ("cluster", make_estimator(algorithm, n_segments, seed, config)),
        ]
    )


def feature_matrix(features: pd.DataFrame, config: SegmentConfig) -> np.ndarray:
    """Check the feature table and return its model columns as floats.

    Raises:
        SegmentationError: A feature column is missing, the table has no
            customers, or fewer customers than the largest k.
    """
    missing = [name for name in config.features if name not in features.columns]
    if missing:
        raise SegmentationError(
            f"The customer feature table lacks {missing}. Fix: choose "
            "segment_features among the columns of int_customer_features "
            f"({sorted(features.columns)})."
        )
    if len(features) == 0:
        raise SegmentationError(
            "No customer has a qualifying order before the as-of date: there "
            "is nothing to segment. Fix: check OLIST_DATA_DIR and the as_of_date "
            "var."
        )
    if len(features) < 10 * max(config.k_values):
        raise SegmentationError(
            f"Only {len(features)} customers to segment; at least "
            f"{10 * max(config.k_values)} are needed for up to "
            f"{max(config.k_values)} segments. Fix: use more data or lower "
            "segment_k_values."
        )
    values = features[list(config.features)].astype(float).to_numpy()
    if np.isinf(values).any():
        raise SegmentationError("A customer feature is infinite.")
    return values


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
            )
            candidates.append(candidate)
            if progress:
                progress(
                    f"{algorithm:<19} k={k}: silhouette {silhouette:.3f}, "
                    f"DB {davies_bouldin:.3f}, CH {calinski:,.0f}, "
                    f"stability {candidate.stability_ari:.3f}, "
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
    "Eligible: stability ARI >= {min_stability} across seeds and random "
    "subsamples and every "
    "segment >= {min_share:.0%} of customers. Chosen: among the eligible "
    "candidates within {tolerance:g} of the best silhouette, the most stable; "
    "ties go to fewer segments, then to the algorithm listed first. When none "
    "is eligible, the most stable candidate."
)


def choose(candidates: Sequence[Candidate], config: SegmentConfig) -> list[int]:
    """Rank candidates by the choice rule; return indexes, chosen first.

    Eligible candidates (stable and without tiny segments) whose silhouette
    is within ``silhouette_tolerance`` of the best eligible one come first,
    the most stable first (then fewer segments, then algorithm order); the
    other eligible ones follow by descending silhouette; the ineligible ones
    last, by descending stability, then silhouette.
    """
    order = {name: i for i, name in enumerate(ALGORITHMS)}

    def eligible(c: Candidate) -> bool:
        return (
            c.stability_ari >= config.min_stability
            and c.min_segment_share >= config.min_share
            and not math.isnan(c.silhouette)
        )

    best = max((c.silhouette for c in candidates if eligible(c)), default=math.inf)

    def key(i: int) -> tuple[object, ...]:
        c = candidates[i]
        silhouette = -1.0 if math.isnan(c.silhouette) else c.silhouette
        if eligible(c) and silhouette >= best - config.silhouette_tolerance:
            return (0, -c.stability_ari, c.n_segments, order[c.algorithm])
        if eligible(c):
            return (1, -silhouette, c.n_segments, order[c.algorithm])
        return (2, -c.stability_ari, -silhouette, c.n_segments, order[c.algorithm])

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
        min_stability=config.min_stability,
        min_share=config.min_share,
        tolerance=config.silhouette_tolerance,
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
                "is_eligible": bool(
                    c.stability_ari >= config.min_stability
                    and c.min_segment_share >= config.min_share
                ),
                "is_chosen": rank_of[i] == 1,
                "selection_rank": rank_of[i],
                "choice_rule": rule,
                "trained_as_of_date": pd.Timestamp(as_of_date).date(),
                "trained_customers": len(c.labels),
                "settings": config.to_json(),
            }
        )
    return selection_frame(rows)


def fit_pipeline(
    features: pd.DataFrame,
    algorithm: str,
    n_segments: int,
    config: SegmentConfig,
    seed: int | None = None,
) -> Pipeline:
    """Fit the pipeline of one candidate (default: with the first seed)."""
    x = feature_matrix(features, config)
    seed = config.seeds[0] if seed is None else seed
    return make_pipeline(algorithm, n_segments, seed, config).fit(x)


# --------------------------------------------------------------------------
# Freezing: the fitted pipeline as tables that SQL can score.


def transforms_frame(
    pipeline: Pipeline, config: SegmentConfig, model_version: int
) -> pd.DataFrame:
    """Return the fitted per-feature transforms as a table."""
    prepare: FeaturePreparer = pipeline.named_steps["prepare"]
    scale: StandardScaler = pipeline.named_steps["scale"]
    frame = pd.DataFrame(
        {
            "model_version": model_version,
            "feature": list(config.features),
            "feature_position": np.arange(1, len(config.features) + 1),
            "fill_value": prepare.fill_values_,
            "clip_lower": prepare.clip_lower_,
            "clip_upper": prepare.clip_upper_,
            "log_transform": prepare.log_transform_.astype(bool),
            "mean": scale.mean_,
            "scale": scale.scale_,
        }
    )
    return frame.astype({"model_version": "int64", "feature_position": "int64"})


def cluster_parameters(pipeline: Pipeline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return centres, variances and log weights of the fitted clustering.

    Centres and variances are in scaled units, one row per cluster label.
    K-means and Ward store variance 1 and log weight 0, which makes the
    Gaussian score in SQL the nearest-centre rule.
    """
    cluster = pipeline.named_steps["cluster"]
    if isinstance(cluster, GaussianMixture):
        return cluster.means_, cluster.covariances_, np.log(cluster.weights_)
    centres = cluster.cluster_centers_
    return centres, np.ones_like(centres), np.zeros(len(centres))


def centres_frame(
    pipeline: Pipeline,
    config: SegmentConfig,
    model_version: int,
    segment_ids: dict[int, int],
) -> pd.DataFrame:
    """Return the centres (one row per segment and feature) as a table.

    Args:
        pipeline: The fitted pipeline.
        config: The settings (gives the feature order).
        model_version: Version stored on every row.
        segment_ids: Segment id of each cluster label.
    """
    centres, variances, log_weights = cluster_parameters(pipeline)
    rows = []
    for label in range(len(centres)):
        for position, feature in enumerate(config.features):
            rows.append(
                {
                    "model_version": model_version,
                    "segment_id": segment_ids[label],
                    "cluster_label": label,
                    "feature": feature,
                    "centre": float(centres[label, position]),
                    "variance": float(variances[label, position]),
                    "log_weight": float(log_weights[label]),
                }
            )
    frame = pd.DataFrame(rows, columns=list(CENTRE_COLUMNS))
    return frame.sort_values(["segment_id", "feature"], ignore_index=True)


def to_original_units(centres: np.ndarray, transforms: pd.DataFrame) -> np.ndarray:
    """Map centres from scaled units back to feature units."""
    t = transforms.sort_values("feature_position")
    values = centres * t["scale"].to_numpy() + t["mean"].to_numpy()
    return np.where(t["log_transform"].to_numpy(), np.expm1(values), values)


def to_scaled_units(values: np.ndarray, transforms: pd.DataFrame) -> np.ndarray:
    """Map feature values to scaled units with stored transforms."""
    t = transforms.sort_values("feature_position")
    clipped = np.clip(values, t["clip_lower"].to_numpy(), t["clip_upper"].to_numpy())
    logs = t["log_transform"].to_numpy()
    logged = np.where(logs, np.log1p(np.where(logs, clipped, 0.0)), clipped)
    return (logged - t["mean"].to_numpy()) / t["scale"].to_numpy()


def score_frozen(
    features: pd.DataFrame, transforms: pd.DataFrame, centres: pd.DataFrame
) -> np.ndarray:
    """Assign customers with a stored model, exactly as SQL scores them.

    The mirror of ``customer_segments``: fill, clip, log and scale each
    feature with the stored transforms, then take the segment with the
    highest diagonal-Gaussian log score (for k-means and Ward, variance 1
    and log weight 0: the nearest centre); ties go to the lowest segment id.

    Args:
        features: One row per customer with the model's feature columns.
        transforms: ``segment_model_transforms`` rows of one version.
        centres: ``segment_model_centres`` rows of the same version.

    Returns:
        The segment id of each row of ``features``.
    """
    t = transforms.sort_values("feature_position")
    names = t["feature"].tolist()
    missing = [name for name in names if name not in features.columns]
    if missing:
        raise SegmentationError(f"The customer features lack {missing}")
    values = features[names].to_numpy(dtype=float)
    values = np.where(np.isnan(values), t["fill_value"].to_numpy(), values)
    scaled = to_scaled_units(values, t)
    ids = np.sort(centres["segment_id"].unique())
    wide = centres.pivot(index="segment_id", columns="feature", values="centre")
    var = centres.pivot(index="segment_id", columns="feature", values="variance")
    weight = centres.groupby("segment_id")["log_weight"].max()
    mu = wide.loc[ids, names].to_numpy()
    sigma2 = var.loc[ids, names].to_numpy()
    diff = scaled[:, None, :] - mu[None, :, :]
    log_score = weight.loc[ids].to_numpy()[None, :] - 0.5 * (
        np.log(2 * np.pi * sigma2)[None, :, :] + diff**2 / sigma2[None, :, :]
    ).sum(axis=2)
    return ids[np.argmax(log_score, axis=1)]


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
