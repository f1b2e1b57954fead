"""The refresh-interval simulation (``make stability``).

For each start date T0 the chosen clustering is fitted on the features as
of T0 and distilled into rules (model M0, frozen: the segments a marketer
is served). For every weekly horizon the customers as of T0 + horizon are
assigned by M0 and by a refit (clustering and rules) with the same
hyper-parameters on the features as of that date: the adjusted Rand index
(ARI) between the two is what a refit would change for the marketer, the
same customers on the same date (``stability_ari``). For the customers
known at T0 it also measures what the frozen M0 does to them over time:
the ARI of their segments at T0 + horizon against T0, and how many of
those who did nothing (no order, no review) changed segment. Each
feature's drift between T0 and T0 + horizon is ``stability_drift``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from olist_segmentation import segmentation as seg
from olist_segmentation.model_tables import as_timestamp
from olist_segmentation.stability.drift import feature_drift
from olist_segmentation.stability.refit import ChosenModel, agreement, fit_sample

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
    "ari_since_start",
    "idle_customers",
    "idle_customers_moved",
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


#: Columns that tell whether a customer did anything between two dates.
IDLE_KEYS = ("customer_unique_id", "frequency", "reviewed_order_count")


def _since_start(
    current: pd.DataFrame, frozen_labels: np.ndarray, at_start: pd.DataFrame
) -> dict[str, object]:
    """M0's segments of the customers known at the start: now vs at the start."""
    now = current[list(IDLE_KEYS)].assign(segment_now=frozen_labels)
    both = at_start.merge(
        now, on="customer_unique_id", suffixes=("_start", "_now"), validate="1:1"
    )
    idle = (both["frequency_start"] == both["frequency_now"]) & (
        both["reviewed_order_count_start"] == both["reviewed_order_count_now"]
    )
    moved = both["segment_at_start"] != both["segment_now"]
    return {
        "ari_since_start": float(
            adjusted_rand_score(both["segment_at_start"], both["segment_now"])
        ),
        "idle_customers": int(idle.sum()),
        "idle_customers_moved": int((idle & moved).sum()),
    }


def simulate(
    features: pd.DataFrame,
    grid: pd.DataFrame,
    chosen: ChosenModel,
    start_dates: Sequence[object] | None = None,
    progress: Callable[[str], None] = lambda _: None,
    fit_sample_size: int | None = None,
) -> pd.DataFrame:
    """Run the refresh-interval simulation: frozen M0 vs refits, by ARI.

    M0 is fitted on the start date's features with the first seed (as a
    build deploys it); at every horizon the customers are assigned by M0's
    rules and by a refit with each configured seed; see :func:`agreement`.
    On the ``known_at_start`` rows, ``ari_since_start`` compares M0's
    segments of those customers at the horizon with M0's at the start, and
    ``idle_customers`` / ``idle_customers_moved`` count those with the same
    number of orders and of reviewed orders as at the start, and how many
    of them changed segment.

    Args:
        features: ``int_stability_features``: one row per (as_of_date,
            customer), sorted by as_of_date and customer_unique_id.
        grid: ``int_stability_as_of_dates``: start_date, horizon_weeks,
            as_of_date.
        chosen: The hyper-parameters to fit M0 and the refits with.
        start_dates: The configured start dates, to report the ones the
            grid lost because they are after the data's end.
        progress: Called with one line per start date.
        fit_sample_size: Each fit sees at most this many customers (as a
            build's fit sample); every customer is assigned by the rules.

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
            refits[date] = chosen.refit_labels(by_date[date], fit_sample_size)
        return refits[date]

    horizons: dict[pd.Timestamp, list[tuple[int, pd.Timestamp]]] = {}
    for start, weeks, as_of in _grid_steps(grid):  # sorted by start, horizon
        horizons.setdefault(start, []).append((weeks, as_of))
    rows: list[dict[str, object]] = []
    for start, steps in horizons.items():
        reference = by_date[start]
        # M0: the first seed, as deployed, on the bounded fit sample
        frozen = chosen.fit(fit_sample(reference, fit_sample_size))
        at_start = reference.assign(
            segment_at_start=frozen.predict(
                seg.feature_matrix(reference, chosen.config)
            )
        )[[*IDLE_KEYS, "segment_at_start"]]
        known = set(reference["customer_unique_id"])
        lowest = 1.0
        for weeks, as_of in steps:
            current = by_date[as_of]
            frozen_labels = frozen.predict(seg.feature_matrix(current, chosen.config))
            labels = refits_on(as_of)
            is_known = current["customer_unique_id"].isin(known).to_numpy()
            everyone = np.ones(len(current), dtype=bool)
            since = _since_start(current, frozen_labels, at_start)
            for population, mask in zip(POPULATIONS, (everyone, is_known), strict=True):
                scores = agreement(frozen_labels[mask], [r[mask] for r in labels])
                if population == POPULATIONS[0]:
                    lowest = min(lowest, scores["ari"])
                    extra: dict[str, object] = dict.fromkeys(since)
                else:
                    extra = dict(since)
                rows.append(
                    {
                        "start_date": start,
                        "horizon_weeks": weeks,
                        "as_of_date": as_of,
                        "population": population,
                        "customers": int(mask.sum()),
                        **scores,
                        **extra,
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
