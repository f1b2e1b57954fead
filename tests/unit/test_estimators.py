"""The pipeline's own estimators keep scikit-learn's estimator contract.

``parametrize_with_checks`` runs every check of ``check_estimator`` on
``FeaturePreparer`` and ``WardClustering``: input validation (NaN and
infinity, complex, sparse, 1-D and empty data, the number of features),
unfitted use, pickling, idempotent fits, clustering quality on blobs...
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from olist_segmentation.segmentation import FeaturePreparer, WardClustering


@parametrize_with_checks([FeaturePreparer(), WardClustering(n_clusters=3)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_feature_preparer_fills_clips_and_logs():
    rng = np.random.default_rng(0)
    skewed = rng.lognormal(0, 1.5, 500)
    symmetric = rng.normal(0, 1, 500)
    x = np.column_stack([skewed, symmetric])
    x[::10, 1] = np.nan
    prepare = FeaturePreparer(clip_quantiles=(0.01, 0.99)).fit(x)
    assert prepare.n_features_in_ == 2
    assert prepare.log_transform_.tolist() == [True, False]
    out = prepare.transform(x)
    assert not np.isnan(out).any()
    assert out[0, 1] == pytest.approx(np.nanmedian(x[:, 1]))
    assert out[:, 0].max() == pytest.approx(np.log1p(np.quantile(skewed, 0.99)))


def test_feature_preparer_refuses_infinity_and_other_widths():
    x = np.arange(20, dtype=float).reshape(10, 2)
    with pytest.raises(NotFittedError):
        FeaturePreparer().transform(x)
    prepare = FeaturePreparer().fit(x)
    with pytest.raises(ValueError, match="infinity"):
        prepare.transform(np.array([[np.inf, 1.0]]))
    with pytest.raises(ValueError, match="3 features"):
        prepare.transform(np.ones((2, 3)))


def test_ward_clustering_assigns_to_the_nearest_mean():
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(c, 0.1, size=(30, 2)) for c in (0.0, 5.0, 10.0)])
    ward = WardClustering(n_clusters=3, sample_size=60, random_state=0).fit(x)
    assert ward.cluster_centers_.shape == (3, 2)
    assert len(np.unique(ward.labels_)) == 3
    np.testing.assert_array_equal(ward.predict(x), ward.labels_)
    assert ward.predict(np.array([[9.9, 10.1]]))[0] == ward.predict(x[-1:])[0]
    with pytest.raises(ValueError, match="1 sample"):
        WardClustering().fit(x[:1])
