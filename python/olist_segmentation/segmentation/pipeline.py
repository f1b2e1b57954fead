"""The fitted model: one scikit-learn pipeline per candidate.

prepare (:class:`~olist_segmentation.segmentation.estimators.FeaturePreparer`)
-> scale (``StandardScaler``) -> cluster (k-means, Gaussian mixture or
:class:`~olist_segmentation.segmentation.estimators.WardClustering`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from olist_segmentation.model_tables import SegmentationError
from olist_segmentation.segmentation.config import SegmentConfig
from olist_segmentation.segmentation.estimators import FeaturePreparer, WardClustering
from olist_segmentation.segmentation.rules import RuleSegmenter


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


def fit_segmenter(
    features: pd.DataFrame,
    algorithm: str,
    n_segments: int,
    config: SegmentConfig,
    seed: int | None = None,
) -> RuleSegmenter:
    """Fit one candidate's clustering and distil it into served rules.

    ``predict`` of the result applies the rules (the segments a marketer
    sees); ``pipeline_`` is the clustering they were distilled from.
    """
    x = feature_matrix(features, config)
    seed = config.seeds[0] if seed is None else seed
    pipeline = make_pipeline(algorithm, n_segments, seed, config)
    return RuleSegmenter(pipeline, config.features).fit(x)
