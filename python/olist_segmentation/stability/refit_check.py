"""The production drift check: is a refit of the frozen model due today.

``segment_refit_check`` (``make drift``): the ARI between the frozen
model's current segments and refits on today's features, the features' PSI
since training (from ``segment_drift``) and the model's age give a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from olist_segmentation import segmentation as seg
from olist_segmentation.model_tables import as_timestamp
from olist_segmentation.stability.refit import ChosenModel, agreement

CHECK_COLUMNS = (
    "model_version",
    "trained_as_of_date",
    "as_of_date",
    "weeks_since_training",
    "customers",
    "new_customers",
    "ari_frozen_vs_refit",
    "ari_highest_seed",
    "refit_agreement",
    "ari_threshold",
    "max_psi",
    "max_psi_feature",
    "psi_threshold",
    "drifted_features",
    "refresh_interval_weeks",
    "is_refit_due",
    "verdict",
)


def _number(value: object) -> int | float | str:
    """Return a var that must be a number (or its text); TypeError if not."""
    if isinstance(value, int | float | str):
        return value
    raise TypeError(f"{value!r} is not a number")


@dataclass(frozen=True)
class DriftThresholds:
    """When the drift check says a refit is due."""

    ari: float
    psi: float
    interval_weeks: int

    @classmethod
    def from_vars(cls, get: Callable[[str], object]) -> DriftThresholds:
        """Read the thresholds from the vars; raise on bad values.

        The vars are stability_ari_threshold, drift_psi_threshold and
        segment_refresh_interval_weeks.
        """
        try:
            thresholds = cls(
                float(_number(get("stability_ari_threshold"))),
                float(_number(get("drift_psi_threshold"))),
                int(_number(get("segment_refresh_interval_weeks"))),
            )
        except (TypeError, ValueError) as error:
            raise seg.SegmentationError(
                "Drift check vars: stability_ari_threshold and "
                "drift_psi_threshold must be numbers and "
                "segment_refresh_interval_weeks a whole number of weeks "
                f"({error}). Fix: correct them in dbt_project.yml or --vars."
            ) from error
        if not 0 < thresholds.ari <= 1 or thresholds.psi <= 0:
            raise seg.SegmentationError(
                "Drift check vars: stability_ari_threshold must be in (0, 1] "
                "and drift_psi_threshold above 0. Fix: correct them in "
                "dbt_project.yml or --vars."
            )
        if thresholds.interval_weeks < 1:
            raise seg.SegmentationError(
                "Drift check vars: segment_refresh_interval_weeks must be at "
                "least 1. Fix: correct it in dbt_project.yml or --vars."
            )
        return thresholds


def refit_check(
    features: pd.DataFrame,
    segments: pd.DataFrame,
    drift: pd.DataFrame,
    chosen: ChosenModel,
    trained_as_of_date: object,
    trained_customers: set[str],
    thresholds: DriftThresholds,
    refit_on: set[str] | None = None,
) -> pd.DataFrame:
    """Return one row that says whether the frozen model needs a refit today.

    Args:
        features: ``int_customer_features`` (today), sorted by customer.
        segments: ``customer_segments``: customer_unique_id, segment_id (the
            frozen model's assignments, scored in SQL).
        drift: ``segment_drift``: feature, psi (today vs training).
        chosen: The frozen model's hyper-parameters (refit with them).
        trained_as_of_date: As-of date of the frozen model's training data.
        trained_customers: Customers known at the training date.
        thresholds: When a refit is due.
        refit_on: Customers the refits are fitted and compared on (the fit
            sample, so the check's cost stops growing with the data);
            default every customer.

    Returns:
        The ``segment_refit_check`` row.
    """
    frozen = features[["customer_unique_id"]].merge(
        segments[["customer_unique_id", "segment_id"]],
        on="customer_unique_id",
        how="left",
        validate="one_to_one",
    )
    if frozen["segment_id"].isna().any():
        missing = int(frozen["segment_id"].isna().sum())
        raise seg.SegmentationError(
            f"{missing} customers of int_customer_features have no segment in "
            "customer_segments; rebuild customer_segments."
        )
    compared = (
        features["customer_unique_id"].isin(refit_on).to_numpy()
        if refit_on is not None
        else np.ones(len(features), dtype=bool)
    )
    scores = agreement(
        frozen["segment_id"].to_numpy()[compared],
        chosen.refit_labels(features.loc[compared].reset_index(drop=True)),
    )
    ari = scores["ari"]
    as_of = as_timestamp(features["as_of_date"].iloc[0])
    trained = as_timestamp(trained_as_of_date)
    # never negative: the build refuses as-of dates before the training date
    weeks = max(0, int((as_of - trained).days // 7))
    top = drift.sort_values(["psi", "feature"], ascending=[False, True]).iloc[0]
    drifted = drift.loc[drift["psi"] >= thresholds.psi].sort_values(
        ["psi", "feature"], ascending=[False, True]
    )
    reasons = []
    if ari < thresholds.ari:
        reasons.append(
            f"segments moved: ARI frozen vs refit {ari:.3f} < {thresholds.ari:g} "
            f"(refits with different seeds agree at {scores['refit_agreement']:.3f})"
        )
    if not drifted.empty:
        listed = ", ".join(
            f"{row.feature} {row.psi:.2f}" for row in drifted.itertuples()
        )
        reasons.append(f"feature drift: PSI >= {thresholds.psi:g} for {listed}")
    if weeks > thresholds.interval_weeks:
        reasons.append(
            f"age: trained {weeks} weeks ago, more than the measured refresh "
            f"interval of {thresholds.interval_weeks} weeks"
        )
    verdict = (
        "refit due: " + "; ".join(reasons)
        if reasons
        else (
            f"no refit due: ARI {ari:.3f} >= {thresholds.ari:g}, largest PSI "
            f"{top['psi']:.3f} ({top['feature']}) < {thresholds.psi:g}, trained "
            f"{weeks} of at most {thresholds.interval_weeks} weeks ago"
        )
    )
    customers = features["customer_unique_id"]
    row = {
        "model_version": chosen.model_version,
        "trained_as_of_date": trained,
        "as_of_date": as_of,
        "weeks_since_training": weeks,
        "customers": len(features),
        "new_customers": int((~customers.isin(trained_customers)).sum()),
        "ari_frozen_vs_refit": ari,
        "ari_highest_seed": scores["ari_highest_seed"],
        "refit_agreement": scores["refit_agreement"],
        "ari_threshold": thresholds.ari,
        "max_psi": float(top["psi"]),
        "max_psi_feature": str(top["feature"]),
        "psi_threshold": thresholds.psi,
        "drifted_features": ", ".join(drifted["feature"]),
        "refresh_interval_weeks": thresholds.interval_weeks,
        "is_refit_due": bool(reasons),
        "verdict": verdict,
    }
    return pd.DataFrame([row], columns=list(CHECK_COLUMNS))
