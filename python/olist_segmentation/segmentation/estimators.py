"""The two estimators of the pipeline that scikit-learn does not provide.

Both follow scikit-learn's estimator contract (``check_estimator`` passes,
see ``tests/python/test_estimators.py``): inputs are validated with
:func:`~sklearn.utils.validation.validate_data` (dense, finite, real, 2-D,
the number of features seen in ``fit``), fitted attributes end with an
underscore, and an unfitted estimator raises ``NotFittedError``.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.stats import skew
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data


class FeaturePreparer(TransformerMixin, BaseEstimator):
    """Fill missing values, clip outliers and log skewed features.

    Fitted attributes (one value per feature): ``fill_values_`` (training
    median; 0 for a feature that is always missing), ``clip_lower_`` and
    ``clip_upper_`` (training quantiles), ``skewness_`` (of the clipped
    feature) and ``log_transform_`` (``log1p`` when the clipped feature is
    non-negative and its skewness exceeds ``skew_threshold``), plus
    ``n_features_in_``.

    Missing values (NaN) are accepted: filling them is this step's job.
    Infinite values are refused.
    """

    def __init__(
        self,
        clip_quantiles: tuple[float, float] = (0.005, 0.995),
        skew_threshold: float = 1.0,
    ) -> None:
        """Set the clip quantiles and the skewness above which to log."""
        self.clip_quantiles = clip_quantiles
        self.skew_threshold = skew_threshold

    def __sklearn_tags__(self) -> Tags:
        """Declare that NaN is accepted (it is filled with the median)."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, x: np.ndarray, y: object = None) -> FeaturePreparer:  # noqa: ARG002
        """Learn fill values, clip bounds and which features to log."""
        x = validate_data(self, x, dtype=np.float64, ensure_all_finite="allow-nan")
        all_missing = np.isnan(x).all(axis=0)
        fill = np.zeros(x.shape[1])
        if not all_missing.all():
            fill[~all_missing] = np.nanmedian(x[:, ~all_missing], axis=0)
        filled = np.where(np.isnan(x), fill, x)
        low, high = self.clip_quantiles
        self.fill_values_ = fill
        self.clip_lower_ = np.quantile(filled, low, axis=0)
        self.clip_upper_ = np.quantile(filled, high, axis=0)
        clipped = np.clip(filled, self.clip_lower_, self.clip_upper_)
        with np.errstate(invalid="ignore", divide="ignore"):
            skewness = np.nan_to_num(skew(clipped, axis=0))
        self.skewness_ = skewness
        self.log_transform_ = (self.clip_lower_ >= 0) & (skewness > self.skew_threshold)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Apply the fill, clip and log learnt in :meth:`fit`."""
        check_is_fitted(self)
        x = validate_data(
            self, x, dtype=np.float64, ensure_all_finite="allow-nan", reset=False
        )
        filled = np.where(np.isnan(x), self.fill_values_, x)
        clipped = np.clip(filled, self.clip_lower_, self.clip_upper_)
        # log1p only where it applies (a column without it may be negative)
        logged = np.log1p(np.where(self.log_transform_, clipped, 0.0))
        return np.where(self.log_transform_, logged, clipped)


class WardClustering(ClusterMixin, BaseEstimator):
    """Ward agglomerative clustering that can assign new customers.

    The Ward tree is built on a random sample (it needs memory quadratic in
    the number of rows); every customer, sampled or not, is then assigned to
    the nearest cluster mean, which is also how SQL scores it.

    Fitted attributes: ``cluster_centers_`` (one row per cluster),
    ``labels_`` (of the training rows) and ``n_features_in_``.
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
        # a tree needs two rows to join
        x = validate_data(self, x, dtype=np.float64, ensure_min_samples=2)
        tree, sample = ward_tree(x, self.sample_size, self.random_state)
        self.cluster_centers_ = cut_ward_tree(tree, sample, self.n_clusters)
        self.labels_ = nearest_centre(x, self.cluster_centers_)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Assign each row to the nearest cluster mean."""
        check_is_fitted(self)
        x = validate_data(self, x, dtype=np.float64, reset=False)
        return nearest_centre(x, self.cluster_centers_)


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
