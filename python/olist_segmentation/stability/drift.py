"""Feature drift: population stability index (PSI) and Kolmogorov-Smirnov.

Used by the refresh-interval simulation (``stability_drift``) and by the
production drift check (``segment_drift``). Plain NumPy and SciPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

#: Reference-distribution quantiles that bound the PSI bins (deciles).
PSI_QUANTILES = tuple(np.arange(1, 10) / 10)
#: Share given to an empty bin, so that the PSI stays finite.
PSI_FLOOR = 1e-4
#: Conventional PSI bands: below 0.1 stable, below 0.25 moderate shift.
PSI_BANDS = ((0.1, "stable"), (0.25, "moderate"), (math.inf, "significant"))


def psi_bin_edges(reference: np.ndarray) -> np.ndarray:
    """Return the inner edges of the PSI bins: the reference's deciles.

    Repeated edges (a feature with many equal values) are merged, so a
    feature that is 97% ones gets two bins, not ten.
    """
    values = reference[~np.isnan(reference)]
    if len(values) == 0:
        return np.array([])
    return np.unique(np.quantile(values, PSI_QUANTILES))


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Return the share of values per bin: (-inf, e1], ..., (e_n, inf), missing."""
    missing = np.isnan(values)
    bins = np.searchsorted(edges, values[~missing], side="left")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(float)
    counts = np.append(counts, missing.sum())
    return counts / max(len(values), 1)


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """Return the population stability index of ``current`` against ``reference``.

    Bins are the reference's deciles plus one bin for missing values (a
    customer with no delivered or reviewed order yet); empty bins count as
    a share of :data:`PSI_FLOOR`. ``sum((current - reference) * ln(current /
    reference))`` over the bins: 0 for the same distribution, above 0.25 for
    a significant shift by the usual rule of thumb.
    """
    reference = np.asarray(reference, dtype=float)
    current = np.asarray(current, dtype=float)
    edges = psi_bin_edges(reference)
    expected = np.maximum(bin_shares(reference, edges), PSI_FLOOR)
    actual = np.maximum(bin_shares(current, edges), PSI_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def drift_level(value: float) -> str:
    """Return the PSI band of a value: stable, moderate or significant."""
    return next(name for upper, name in PSI_BANDS if value < upper)


def feature_drift(
    reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str]
) -> pd.DataFrame:
    """PSI, KS statistic, means and missing shares of each feature.

    Args:
        reference: Feature rows of the reference date (training or T0).
        current: Feature rows of the current date.
        features: The model's feature columns.

    Returns:
        One row per feature: feature, psi, drift_level, ks_statistic,
        reference_mean, current_mean, reference_missing_share,
        current_missing_share.
    """
    rows = []
    for feature in features:
        ref = reference[feature].astype(float).to_numpy()
        cur = current[feature].astype(float).to_numpy()
        ref_known, cur_known = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
        value = psi(ref, cur)
        ks = (
            float(ks_2samp(ref_known, cur_known).statistic)
            if len(ref_known) and len(cur_known)
            else math.nan
        )
        rows.append(
            {
                "feature": feature,
                "psi": value,
                "drift_level": drift_level(value),
                "ks_statistic": ks,
                "reference_mean": float(np.mean(ref_known))
                if len(ref_known)
                else math.nan,
                "current_mean": float(np.mean(cur_known))
                if len(cur_known)
                else math.nan,
                "reference_missing_share": float(np.isnan(ref).mean())
                if len(ref)
                else math.nan,
                "current_missing_share": float(np.isnan(cur).mean())
                if len(cur)
                else math.nan,
            }
        )
    return pd.DataFrame(rows)
