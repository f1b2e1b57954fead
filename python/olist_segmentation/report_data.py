"""What the marketing report shows, read from a built warehouse.

:func:`load_report_data` opens the warehouse read-only and returns a
:class:`ReportData`: the current segment model version (the one that scores
``customer_segments``), its profiles, selection and fingerprint, the RFM grid,
and every optional table (lift backtest, drift check, refresh-interval
simulation, migration, value predictions). :func:`assess` then decides
whether all of it describes the same model version and data (the report's
trust line and banner); rendering lives in :mod:`report_render`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, SupportsFloat, SupportsIndex, SupportsInt, cast

import duckdb
import pandas as pd

from olist_segmentation.errors import WarehouseError
from olist_segmentation.report_predictions import PredictionData, load_predictions
from olist_segmentation.warehouse import connect

#: Segment tables the report reads (built by the segmentation models).
SEGMENT_TABLES = (
    "segment_model_selection",
    "segment_definitions",
    "customer_segments",
    "segment_profiles",
)
#: The lift backtest (``make drift``); optional: the page says how to run it.
LIFT_TABLE = "segment_lift"
#: The backtest's customer -> segment at the past date (names its segments).
LIFT_ASSIGNMENTS_TABLE = "segment_lift_assignments"
MIGRATION_TABLE = "segment_migration"
FINGERPRINT_TABLE = "segment_model_fingerprints"
#: RFM marts the report reads.
RFM_TABLES = ("customer_rfm", "rfm_segment_summary")
#: Tables of the refresh-interval simulation (``make stability``); optional.
STABILITY_TABLES = (
    "stability_ari",
    "stability_intervals",
    "stability_recommendation",
    "stability_drift",
)
#: Tables of the production drift check (every build); optional.
DRIFT_TABLES = ("segment_refit_check", "segment_drift")
#: Population of the simulation the report shows (every customer at the date).
STABILITY_POPULATION = "all_customers"


class ReportError(WarehouseError):
    """The warehouse lacks what the report needs."""


@dataclass
class RefreshData:
    """The refresh-interval simulation and the production drift check.

    Every table is optional: a missing one is an empty DataFrame (or None for
    the one-row refit check) and its name is in ``missing``.
    """

    ari: pd.DataFrame = field(default_factory=pd.DataFrame)
    intervals: pd.DataFrame = field(default_factory=pd.DataFrame)
    recommendation: pd.DataFrame = field(default_factory=pd.DataFrame)
    drift: pd.DataFrame = field(default_factory=pd.DataFrame)
    refit_check: dict | None = None
    segment_drift: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: model_version of the segment_drift rows shown (None: no rows).
    segment_drift_version: int | None = None
    missing: tuple[str, ...] = ()

    @property
    def has_simulation(self) -> bool:
        """Whether every table of the simulation is present."""
        return not any(t in self.missing for t in STABILITY_TABLES)


@dataclass
class ReportData:
    """Everything the report shows, read from the warehouse."""

    warehouse: Path
    model_version: int
    as_of_date: str
    customers: int
    chosen: dict
    selection: pd.DataFrame
    profiles: pd.DataFrame
    features: list[str]
    lift: pd.DataFrame | None
    rfm_grid: pd.DataFrame
    rfm_names: dict[tuple[int, int], str]
    rfm_summary: pd.DataFrame
    refresh: RefreshData = field(default_factory=RefreshData)
    #: segment_migration (moves since the previous as-of date), when built.
    migration: pd.DataFrame | None = None
    #: Manifests of the campaign exports beside the report (``exports/*/``).
    exports: list[dict] = field(default_factory=list)
    #: segment_model_fingerprints row of the current version, when present.
    fingerprint: dict | None = None
    #: Backtest segment name -> (today's segment most of it is in, share).
    lift_names: dict[str, tuple[str, float]] = field(default_factory=dict)
    predictions: PredictionData = field(default_factory=PredictionData)


@dataclass
class Trust:
    """Whether everything on the page is of one model version and data.

    ``problems`` are sentences for the banner; empty = the model fits.
    """

    model_version: int
    as_of_date: str
    trained_as_of_date: str | None
    trained_customers: int | None
    fit_sample_customers: int | None
    refresh_interval_weeks: int | None
    valid_until: str | None
    #: True/False from a current segment_refit_check; None = unknown.
    refit_due: bool | None
    #: The refit check is of this version and as-of date.
    check_is_current: bool
    verdict: str | None
    problems: list[str] = field(default_factory=list)
    #: The predictions are of this as-of date and cover these customers.
    predictions_current: bool = False


# --------------------------------------------------------------------- reading


def _connect(warehouse: Path | None) -> tuple[Path, duckdb.DuckDBPyConnection]:
    try:
        return connect(warehouse)
    except WarehouseError as error:
        raise ReportError(str(error)) from error


def _present_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main'"
        ).fetchall()
    }


def _require_tables(present: set[str], path: Path) -> None:
    missing = [t for t in (*RFM_TABLES, *SEGMENT_TABLES) if t not in present]
    if missing:
        raise ReportError(
            f"{path} has no table {', '.join('main.' + t for t in missing)}: "
            "the report needs the RFM marts and the segmentation. Run `make run` "
            "first (it builds them), then `make report`."
        )


def records(df: pd.DataFrame) -> list[dict]:
    """Return the rows of ``df`` as dicts, missing values as None."""
    return [
        {k: (None if missing(v) else v) for k, v in row.items()}
        for row in df.to_dict("records")
    ]


def missing(value: object) -> bool:
    """Whether ``value`` is None, NaN or NaT."""
    if value is None or value is pd.NaT:
        return True
    try:
        # pandas-stubs type isna() per kind of argument; it takes any object
        return bool(pd.isna(cast(Any, value)))
    except (TypeError, ValueError):
        return False


def as_float(value: object) -> float:
    """Return a cell as a float, as ``float()`` does (a number or numeric text).

    Raises:
        TypeError: ``value`` is neither a number nor text (None included).
    """
    if isinstance(value, str | bytes | SupportsFloat | SupportsIndex):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def as_int(value: object) -> int:
    """Return a cell as an int, as ``int()`` does (a number or integer text).

    Raises:
        TypeError: ``value`` is neither a number nor text (None included).
    """
    if isinstance(value, str | bytes | SupportsInt | SupportsIndex):
        return int(value)
    raise TypeError(f"not a number: {value!r}")


def _day(value: object) -> str | None:
    return None if missing(value) else str(value)[:10]


def load_report_data(warehouse: Path | None = None) -> ReportData:
    """Read what the report shows from a built warehouse (read-only).

    Args:
        warehouse: The DuckDB file; default ``$OLIST_DUCKDB_PATH`` or
            ``warehouse/olist.duckdb``.

    Returns:
        The report's data.

    Raises:
        ReportError: The file is missing or locked, or lacks a mart or a
            segment table, or holds no segmentation.
    """
    path, con = _connect(warehouse)
    try:
        present = _present_tables(con)
        _require_tables(present, path)
        data = _load(con, path, present)
    finally:
        con.close()
    return data


def _load(con: duckdb.DuckDBPyConnection, path: Path, present: set[str]) -> ReportData:
    # The version that scores customer_segments; segment_profiles is built
    # from it, so both always agree.
    (model_version,) = con.execute(
        "select max(model_version) from main.segment_profiles"
    ).fetchall()[0]
    if model_version is None:
        raise ReportError(
            f"{path}: main.segment_profiles is empty, there is no "
            "segmentation to report. Run `make run` first."
        )
    model_version = int(model_version)
    profiles = con.execute(
        "select * from main.segment_profiles where model_version = ? "
        # the order the rules are tried: "everyone else" comes last
        "order by rule_order, segment_id",
        [model_version],
    ).df()
    model_features = con.execute(
        "select feature from main.segment_model_transforms "
        "where model_version = ? order by feature_position",
        [model_version],
    ).fetchall()
    features = profile_features(profiles.columns, [f for (f,) in model_features])
    selection = con.execute(
        "select * from main.segment_model_selection where model_version = ? "
        "order by is_chosen desc, is_eligible desc, algorithm, n_segments",
        [model_version],
    ).df()
    chosen_rows = selection[selection["is_chosen"].fillna(False).astype(bool)]
    if len(chosen_rows) != 1:
        raise ReportError(
            f"{path}: main.segment_model_selection has {len(chosen_rows)} "
            f"chosen models for model_version {model_version} (expected 1). "
            "Run `make run` first."
        )
    as_of, customers = con.execute(
        "select max(as_of_date), count(*) from main.customer_segments "
        "where model_version = ?",
        [model_version],
    ).fetchall()[0]
    if as_of is None:
        as_of = con.execute("select max(as_of_date) from main.customer_rfm")
        as_of = as_of.fetchall()[0][0]
    as_of = _day(as_of) or ""
    lift = None
    if LIFT_TABLE in present:
        lift = con.execute(
            "select * replace (cast(cast(as_of_date as date) as varchar) "
            "as as_of_date) from main.segment_lift "
            "order by as_of_date, horizon_days, segmentation, "
            "purchase_rate_lift desc nulls last, segment_name"
        ).df()
    rfm_grid = con.execute(
        "select r_score, fm_score, count(*) as customers, "
        "min(rfm_segment) as rfm_segment "
        "from main.customer_rfm group by r_score, fm_score "
        "order by r_score, fm_score"
    ).df()
    migration = None
    if MIGRATION_TABLE in present:
        migration = con.execute(
            "select * replace (cast(from_as_of_date as varchar) as "
            "from_as_of_date, cast(to_as_of_date as varchar) as to_as_of_date) "
            "from main.segment_migration "
            "order by segmentation, from_segment, to_segment"
        ).df()
    fingerprint = None
    if FINGERPRINT_TABLE in present:
        rows = records(
            con.execute(
                "select model_version, customers, fit_sample_customers, "
                "cast(cast(training_as_of_date as date) as varchar) "
                "as training_as_of_date from main.segment_model_fingerprints "
                "where model_version = ?",
                [model_version],
            ).df()
        )
        fingerprint = rows[0] if rows else None
    return ReportData(
        warehouse=path,
        model_version=model_version,
        as_of_date=as_of,
        customers=int(customers),
        chosen=records(chosen_rows)[0],
        selection=selection,
        profiles=profiles,
        features=features,
        lift=lift,
        rfm_grid=rfm_grid,
        rfm_names=_rfm_cell_names(con, rfm_grid),
        rfm_summary=con.execute(
            "select * from main.rfm_segment_summary order by segment_order"
        ).df(),
        refresh=_load_refresh(con, present),
        migration=migration,
        fingerprint=fingerprint,
        lift_names=_lift_names(con, present, model_version),
        predictions=load_predictions(con, present, model_version),
    )


def _load_refresh(con: duckdb.DuckDBPyConnection, present: set[str]) -> RefreshData:
    """Read the simulation and drift-check tables that exist (dates as text)."""
    missing_tables = tuple(
        t for t in (*STABILITY_TABLES, *DRIFT_TABLES) if t not in present
    )
    refresh = RefreshData(missing=missing_tables)
    day = "cast(cast({0} as date) as varchar) as {0}"
    population = [STABILITY_POPULATION]
    if "stability_ari" in present:
        refresh.ari = con.execute(
            f"select {day.format('start_date')}, horizon_weeks, customers, ari "
            "from main.stability_ari where population = ? "
            "order by start_date, horizon_weeks",
            population,
        ).df()
    if "stability_intervals" in present:
        refresh.intervals = con.execute(
            f"select * replace ({day.format('start_date')}) "
            "from main.stability_intervals where population = ? "
            "order by ari_threshold, start_date",
            population,
        ).df()
    if "stability_recommendation" in present:
        refresh.recommendation = con.execute(
            f"select * replace ({day.format('limiting_start_date')}) "
            "from main.stability_recommendation where population = ? "
            "order by ari_threshold",
            population,
        ).df()
    if "stability_drift" in present:
        refresh.drift = con.execute(
            f"select {day.format('start_date')}, horizon_weeks, feature, psi, "
            "drift_level from main.stability_drift where horizon_weeks > 0 "
            "order by feature, horizon_weeks, start_date"
        ).df()
    if "segment_refit_check" in present:
        rows = records(
            con.execute(
                f"select * replace ({day.format('trained_as_of_date')}, "
                f"{day.format('as_of_date')}) from main.segment_refit_check "
                "order by model_version desc limit 1"
            ).df()
        )
        refresh.refit_check = rows[0] if rows else None
    if "segment_drift" in present:
        refresh.segment_drift = con.execute(
            "select * from main.segment_drift where model_version = "
            "(select max(model_version) from main.segment_drift) "
            "order by psi desc, feature"
        ).df()
        if not refresh.segment_drift.empty:
            refresh.segment_drift_version = int(
                refresh.segment_drift["model_version"].iloc[0]
            )
    return refresh


def _lift_names(
    con: duckdb.DuckDBPyConnection, present: set[str], model_version: int
) -> dict[str, tuple[str, float]]:
    """Map each backtest segment to the production segment most of it is in.

    The backtest refits the chosen model at a past date, so its segments
    carry that fit's own names; the page names them by today's segments.
    """
    if LIFT_ASSIGNMENTS_TABLE not in present:
        return {}
    rows = con.execute(
        "with pairs as (select a.segment_name as backtest, s.segment_name as now, "
        "count(*) as n from main.segment_lift_assignments a "
        "join main.customer_segments s using (customer_unique_id) "
        "where s.model_version = ? group by all), "
        "ranked as (select *, sum(n) over (partition by backtest) as total, "
        "row_number() over (partition by backtest order by n desc, now) as rk "
        "from pairs) "
        "select backtest, now, n / total from ranked where rk = 1 order by backtest",
        [model_version],
    ).fetchall()
    return {str(b): (str(n), float(s)) for b, n, s in rows}


def profile_features(
    columns: Iterable[str], model_features: Iterable[str] | None = None
) -> list[str]:
    """Return the features the report profiles, in the model's order.

    ``segment_profiles`` has a ``mean_F`` and a ``median_F`` of every
    feature a model may use; the report shows the model's own features
    (``model_features``, from ``segment_model_transforms``) that have both.
    Without ``model_features``, every such F except ``distance_to_centre``
    (which describes the fit, not the customers).

    Args:
        columns: The column names of ``segment_profiles``.
        model_features: The model version's features, in model order.

    Returns:
        The feature names (without the ``mean_`` prefix).
    """
    names = list(columns)
    candidates = (
        list(model_features)
        if model_features is not None
        else [c[len("mean_") :] for c in names if c.startswith("mean_")]
    )
    return [
        f
        for f in candidates
        if f"mean_{f}" in names and f"median_{f}" in names and f != "distance_to_centre"
    ]


def _rfm_cell_names(
    con: duckdb.DuckDBPyConnection, grid: pd.DataFrame
) -> dict[tuple[int, int], str]:
    """Segment name of every R x FM cell: from the seed, else from customers."""
    names: dict[tuple[int, int], str] = {}
    try:
        seed = con.execute(
            "select segment_name, r_score_min, r_score_max, fm_score_min, "
            "fm_score_max from reference.rfm_segments"
        ).fetchall()
    except duckdb.Error:
        seed = []
    for name, r_min, r_max, fm_min, fm_max in seed:
        for r in range(int(r_min), int(r_max) + 1):
            for fm in range(int(fm_min), int(fm_max) + 1):
                names[(r, fm)] = str(name)
    for row in grid.itertuples():
        names[(as_int(row.r_score), as_int(row.fm_score))] = str(row.rfm_segment)
    return names
