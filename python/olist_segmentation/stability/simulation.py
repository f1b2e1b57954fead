"""The refresh-interval simulation (``make stability``).

For each start date T0 the chosen pipeline is fitted on the features as of
T0 (model M0: clip, log, scaler and centres frozen). For every weekly
horizon the customers as of T0 + horizon are assigned by M0 and by a refit
with the same hyper-parameters on the features as of that date; the
adjusted Rand index (ARI) between the two says how far the frozen segments
have moved (``stability_ari``). Each feature's drift between T0 and
T0 + horizon is ``stability_drift``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from olist_segmentation import segmentation as seg
from olist_segmentation.model_tables import as_timestamp
from olist_segmentation.stability.drift import feature_drift
from olist_segmentation.stability.refit import ChosenModel, agreement

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


def _check_grid(
    grid: pd.DataFrame,
    by_date: dict[pd.Timestamp, pd.DataFrame],
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
    present = {as_timestamp(d) for d in grid["start_date"]}
    wanted = {as_timestamp(d) for d in (start_dates or [])}
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
        as_timestamp(date): frame.reset_index(drop=True)
        for date, frame in features.groupby("as_of_date", sort=True)
    }
    return by_date, grid


def _grid_steps(grid: pd.DataFrame) -> list[tuple[pd.Timestamp, int, pd.Timestamp]]:
    """Return the grid's rows as (start date, horizon in weeks, as-of date)."""
    return [
        (as_timestamp(start), int(weeks), as_timestamp(as_of))
        for start, weeks, as_of in zip(
            grid["start_date"], grid["horizon_weeks"], grid["as_of_date"], strict=True
        )
    ]


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

    horizons: dict[pd.Timestamp, list[tuple[int, pd.Timestamp]]] = {}
    for start, weeks, as_of in _grid_steps(grid):  # sorted by start, horizon
        horizons.setdefault(start, []).append((weeks, as_of))
    rows: list[dict[str, object]] = []
    for start, steps in horizons.items():
        reference = by_date[start]
        frozen = chosen.fit(reference)  # M0: the first seed, as deployed
        known = set(reference["customer_unique_id"])
        lowest = 1.0
        for weeks, as_of in steps:
            current = by_date[as_of]
            frozen_labels = frozen.predict(seg.feature_matrix(current, chosen.config))
            labels = refits_on(as_of)
            is_known = current["customer_unique_id"].isin(known).to_numpy()
            everyone = np.ones(len(current), dtype=bool)
            for population, mask in zip(POPULATIONS, (everyone, is_known), strict=True):
                scores = agreement(frozen_labels[mask], [r[mask] for r in labels])
                if population == POPULATIONS[0]:
                    lowest = min(lowest, scores["ari"])
                rows.append(
                    {
                        "start_date": start,
                        "horizon_weeks": weeks,
                        "as_of_date": as_of,
                        "population": population,
                        "customers": int(mask.sum()),
                        **scores,
                    }
                )
        progress(
            f"start {start.date()}: M0 fitted on {len(reference):,} customers; "
            f"{max(w for w, _ in steps)} weekly horizons; lowest ARI {lowest:.3f} "
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
    for start, weeks, as_of in _grid_steps(grid):
        if start not in by_date:
            continue
        drift = feature_drift(by_date[start], by_date[as_of], feature_names)
        frames.append(
            drift.assign(start_date=start, horizon_weeks=weeks, as_of_date=as_of)
        )
    if not frames:
        return pd.DataFrame(columns=list(DRIFT_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(DRIFT_COLUMNS)]
