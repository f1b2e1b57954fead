"""How long a segmentation stays valid, and whether a refit is due now.

Two uses, one set of functions:

* The refresh-interval simulation (``make stability``; dbt models
  ``stability_ari`` and ``stability_drift``). For each start date T0 the
  chosen pipeline is fitted on the features as of T0 (model M0: clip, log,
  scaler and centres frozen). For every weekly horizon the customers as of
  T0 + horizon are assigned by M0 and by a refit with the same
  hyper-parameters on the features as of that date; the adjusted Rand index
  (ARI) between the two says how far the frozen segments have moved. Each
  feature's drift is the population stability index (PSI) and the
  Kolmogorov-Smirnov statistic between T0 and T0 + horizon.
* The production drift check (``segment_drift``, ``segment_refit_check``,
  ``make drift``): the same ARI between the frozen model's current segments
  and a refit on today's features, the same PSI between the features the
  model was trained on and today's, and a verdict.

The features of every date come from the one SQL definition
(``macros/customer_features.sql``); nothing here recomputes a feature.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline

from olist_segmentation import segmentation as seg

#: Reference-distribution quantiles that bound the PSI bins (deciles).
PSI_QUANTILES = tuple(np.arange(1, 10) / 10)
#: Share given to an empty bin, so that the PSI stays finite.
PSI_FLOOR = 1e-4
#: Conventional PSI bands: below 0.1 stable, below 0.25 moderate shift.
PSI_BANDS = ((0.1, "stable"), (0.25, "moderate"), (math.inf, "significant"))

#: The two customer populations the ARI is measured on.
POPULATIONS = ("all_customers", "known_at_start")

ARI_COLUMNS = (
    "start_date",
    "horizon_weeks",
    "as_of_date",
    "population",
    "customers",
    "ari",
    "ari_lowest_seed",
    "ari_highest_seed",
    "refit_agreement",
    "model_version",
    "algorithm",
    "n_segments",
)
DRIFT_COLUMNS = (
    "start_date",
    "horizon_weeks",
    "as_of_date",
    "feature",
    "psi",
    "drift_level",
    "ks_statistic",
    "reference_mean",
    "current_mean",
    "reference_missing_share",
    "current_missing_share",
)


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

    def fit(self, features: pd.DataFrame, seed: int | None = None) -> Pipeline:
        """Fit the chosen pipeline on ``features`` (default: the first seed)."""
        return seg.fit_pipeline(
            features, self.algorithm, self.n_segments, self.config, seed
        )

    def refit_labels(self, features: pd.DataFrame) -> list[np.ndarray]:
        """Refit with each configured seed; return each refit's labels."""
        x = seg.feature_matrix(features, self.config)
        return [self.fit(features, seed).predict(x) for seed in self.config.seeds]


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


def _check_grid(
    grid: pd.DataFrame,
    by_date: dict[object, pd.DataFrame],
    start_dates: Sequence[object] | None,
    chosen: ChosenModel,
) -> None:
    if grid.empty:
        raise seg.SegmentationError(
            "The stability grid is empty: every start date in "
            "stability_start_dates is after the data's as-of date. Fix: choose "
            "start dates inside the data (the real Olist data runs 2016-09 to "
            "2018-09)."
        )
    present = {pd.Timestamp(d) for d in grid["start_date"]}
    wanted = {pd.Timestamp(d) for d in (start_dates or [])}
    outside = sorted(d.date().isoformat() for d in wanted - present)
    if outside:
        raise seg.SegmentationError(
            f"Stability start dates {outside} are after the data's as-of date. "
            "Fix: choose stability_start_dates inside the data, at least "
            "stability_horizon_weeks before its end."
        )
    needed = 10 * chosen.n_segments
    for start in sorted(present):
        customers = len(by_date.get(start, ()))
        if customers < needed:
            raise seg.SegmentationError(
                f"Only {customers} customers bought before the stability start "
                f"date {start.date()}; fitting {chosen.n_segments} segments needs "
                f"at least {needed}. Fix: choose later stability_start_dates."
            )


def _by_date(
    features: pd.DataFrame, grid: pd.DataFrame
) -> tuple[dict[pd.Timestamp, pd.DataFrame], pd.DataFrame]:
    """Split the features by as-of date; normalise the grid's dates."""
    features = features.assign(as_of_date=pd.to_datetime(features["as_of_date"]))
    grid = grid.assign(
        start_date=pd.to_datetime(grid["start_date"]),
        as_of_date=pd.to_datetime(grid["as_of_date"]),
    ).sort_values(["start_date", "horizon_weeks"], ignore_index=True)
    by_date = {
        date: frame.reset_index(drop=True)
        for date, frame in features.groupby("as_of_date", sort=True)
    }
    return by_date, grid


def simulate(
    features: pd.DataFrame,
    grid: pd.DataFrame,
    chosen: ChosenModel,
    start_dates: Sequence[object] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> pd.DataFrame:
    """Run the refresh-interval simulation: frozen M0 vs refits, by ARI.

    M0 is fitted on the start date's features with the first seed (as a
    build deploys it); at every horizon the customers are assigned by M0
    (its fitted fill values, clip bounds, logs, scaler and centres) and by
    a refit with each configured seed; see :func:`agreement`.

    Args:
        features: ``int_stability_features``: one row per (as_of_date,
            customer), sorted by as_of_date and customer_unique_id.
        grid: ``int_stability_as_of_dates``: start_date, horizon_weeks,
            as_of_date.
        chosen: The hyper-parameters to fit M0 and the refits with.
        start_dates: The configured start dates, to report the ones the
            grid lost because they are after the data's end.
        progress: Called with one line per start date.

    Returns:
        The ``stability_ari`` rows: one per start date, horizon and
        population (:data:`POPULATIONS`).

    Raises:
        SegmentationError: A start date is outside the data or has too few
            customers to fit.
    """
    by_date, grid = _by_date(features, grid)
    _check_grid(grid, by_date, start_dates, chosen)
    refits: dict[pd.Timestamp, list[np.ndarray]] = {}

    def refits_on(date: pd.Timestamp) -> list[np.ndarray]:
        # The refits on one date are the same for every start date (same
        # hyper-parameters, features and seeds): fit each date once.
        if date not in refits:
            refits[date] = chosen.refit_labels(by_date[date])
        return refits[date]

    rows: list[dict[str, object]] = []
    for start, steps in grid.groupby("start_date", sort=True):
        reference = by_date[start]
        frozen = chosen.fit(reference)  # M0: the first seed, as deployed
        known = set(reference["customer_unique_id"])
        lowest = 1.0
        for step in steps.itertuples(index=False):
            current = by_date[step.as_of_date]
            frozen_labels = frozen.predict(seg.feature_matrix(current, chosen.config))
            labels = refits_on(step.as_of_date)
            is_known = current["customer_unique_id"].isin(known).to_numpy()
            everyone = np.ones(len(current), dtype=bool)
            for population, mask in zip(POPULATIONS, (everyone, is_known), strict=True):
                scores = agreement(frozen_labels[mask], [r[mask] for r in labels])
                if population == POPULATIONS[0]:
                    lowest = min(lowest, scores["ari"])
                rows.append(
                    {
                        "start_date": start,
                        "horizon_weeks": int(step.horizon_weeks),
                        "as_of_date": step.as_of_date,
                        "population": population,
                        "customers": int(mask.sum()),
                        **scores,
                    }
                )
        progress(
            f"start {start.date()}: M0 fitted on {len(reference):,} customers; "
            f"{steps['horizon_weeks'].max()} weekly horizons; lowest ARI {lowest:.3f} "
            f"({POPULATIONS[0]})"
        )
    frame = pd.DataFrame(rows).assign(
        model_version=chosen.model_version,
        algorithm=chosen.algorithm,
        n_segments=chosen.n_segments,
    )
    return frame[list(ARI_COLUMNS)]


def drift_over_time(
    features: pd.DataFrame, grid: pd.DataFrame, feature_names: Sequence[str]
) -> pd.DataFrame:
    """Feature drift of the simulation: each horizon against its start date.

    Args:
        features: ``int_stability_features`` (see :func:`simulate`).
        grid: ``int_stability_as_of_dates``.
        feature_names: The model's features.

    Returns:
        The ``stability_drift`` rows: one per start date, horizon and
        feature (see :func:`feature_drift`).
    """
    by_date, grid = _by_date(features, grid)
    frames = []
    for step in grid.itertuples(index=False):
        if step.start_date not in by_date:
            continue
        drift = feature_drift(
            by_date[step.start_date], by_date[step.as_of_date], feature_names
        )
        frames.append(
            drift.assign(
                start_date=step.start_date,
                horizon_weeks=int(step.horizon_weeks),
                as_of_date=step.as_of_date,
            )
        )
    if not frames:
        return pd.DataFrame(columns=list(DRIFT_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(DRIFT_COLUMNS)]


# --------------------------------------------------------------------------
# The production drift check.

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
                float(get("stability_ari_threshold")),
                float(get("drift_psi_threshold")),
                int(get("segment_refresh_interval_weeks")),
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
    as_of = pd.Timestamp(features["as_of_date"].iloc[0])
    trained = pd.Timestamp(trained_as_of_date)
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
