"""The frozen model: the fitted pipeline as tables, and scoring with them.

:func:`transforms_frame` and :func:`centres_frame` export a fitted pipeline
as two plain tables (transforms per feature, centres per segment and
feature) that SQL can score on any adapter; :func:`score_frozen` is the
NumPy mirror of that SQL scoring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from olist_segmentation.model_tables import CENTRE_COLUMNS, SegmentationError
from olist_segmentation.segmentation.config import SegmentConfig
from olist_segmentation.segmentation.estimators import FeaturePreparer


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
