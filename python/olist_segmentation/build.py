"""Run the dbt project and summarise what it built.

Side effects (running dbt, printing) stay in :func:`run_dbt` and the CLI;
:func:`warehouse_summary` only reads the warehouse and returns data.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from olist_segmentation import publish
from olist_segmentation.errors import WarehouseError

__all__ = ["WarehouseError"]

#: The dbt project (dbt_project.yml, profiles.yml): env OLIST_PROJECT_DIR,
#: else the repository this package is installed from.
PROJECT_DIR = Path(
    os.environ.get("OLIST_PROJECT_DIR") or Path(__file__).resolve().parents[2]
).resolve()
DEFAULT_DATA_DIR = PROJECT_DIR / "data" / "sample"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "olist.duckdb"

#: The marts a build must leave behind, in the order the summary shows them.
MARTS = (
    "customers",
    "customer_rfm",
    "rfm_score_thresholds",
    "rfm_segment_summary",
    "customer_segments",
    "segment_profiles",
    "segment_model_selection",
)
#: Tables of `make drift` (selector monitoring); the summary shows them when
#: they belong to the current model version and as-of date.
MONITORING_TABLES = ("segment_lift", "segment_refit_check")


def _float(value: object) -> float | None:
    return None if value is None else float(value)


def _band(lower: float | None, upper: float | None) -> str:
    if lower is None:
        return f"<= {upper:g}"
    if upper is None:
        return f"> {lower:g}"
    return f"({lower:g}, {upper:g}]"


#: What a warehouse file's name (without .duckdb) may hold: dbt-duckdb puts
#: it into SQL as the database name.
SAFE_WAREHOUSE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def dbt_environment(
    data_dir: Path | None = None, warehouse: Path | None = None
) -> dict[str, str]:
    """Return the environment for a dbt run on ``data_dir`` into ``warehouse``.

    Args:
        data_dir: Folder of the nine Kaggle CSVs; default: ``OLIST_DATA_DIR``
            from the environment, else the generated sample.
        warehouse: DuckDB file to write; default: ``OLIST_DUCKDB_PATH`` from
            the environment, else ``warehouse/olist.duckdb``.

    Returns:
        A copy of ``os.environ`` with absolute ``OLIST_DATA_DIR`` and
        ``OLIST_DUCKDB_PATH``, and dbt's usage tracking turned off.
    """
    env = dict(os.environ)
    data = data_dir or Path(env.get("OLIST_DATA_DIR", DEFAULT_DATA_DIR))
    wh = warehouse or Path(env.get("OLIST_DUCKDB_PATH", DEFAULT_WAREHOUSE))
    env["OLIST_DATA_DIR"] = str(Path(data).expanduser().resolve())
    env["OLIST_DUCKDB_PATH"] = str(Path(wh).expanduser().resolve())
    stem = Path(env["OLIST_DUCKDB_PATH"]).stem
    if not SAFE_WAREHOUSE_NAME.fullmatch(stem):
        raise WarehouseError(
            f"OLIST_DUCKDB_PATH: the warehouse file name {stem!r} becomes the "
            "database name in dbt's SQL, so it may only hold letters, digits, "
            "'_' and '-'. Fix: rename it, e.g. "
            f"{re.sub(r'[^A-Za-z0-9]+', '_', stem).strip('_') or 'olist'}.duckdb "
            "(the folder may be anything)."
        )
    env["DO_NOT_TRACK"] = "1"
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def dbt_command(
    args: list[str], dbt_vars: dict[str, object] | None = None
) -> list[str]:
    """Return the command line of one dbt command on the project.

    Args:
        args: The dbt command and its flags (e.g. ``["build"]``).
        dbt_vars: Project vars, passed as ``--vars``.
    """
    # The filter hides runpy's warning that dbt.cli imports dbt.cli.main
    # before `-m` runs it: harmless, and noise in every build's output.
    warning_filter = "ignore::RuntimeWarning:runpy"
    python = [sys.executable, "-W", warning_filter, "-m", "dbt.cli.main"]
    return python + dbt_arguments(args, dbt_vars)


def dbt_arguments(
    args: list[str],
    dbt_vars: dict[str, object] | None = None,
    project_dir: Path | None = None,
) -> list[str]:
    """Return the arguments of one dbt command (what follows ``dbt``).

    Args:
        args: The dbt command and its flags (e.g. ``["build"]``).
        dbt_vars: Project vars, passed as ``--vars``.
        project_dir: The dbt project and its profiles.yml (default: the
            package's, :data:`PROJECT_DIR`).
    """
    project = str(project_dir or PROJECT_DIR)
    arguments = [*args, "--project-dir", project, "--profiles-dir", project]
    if dbt_vars:
        arguments += ["--vars", json.dumps(dbt_vars)]
    return arguments


def run_dbt(
    args: list[str],
    data_dir: Path | None = None,
    warehouse: Path | None = None,
    dbt_vars: dict[str, object] | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command (e.g. ``["build"]``) on the project.

    Args:
        args: The dbt command and its flags.
        data_dir: Folder of the nine Kaggle CSVs (see :func:`dbt_environment`).
        warehouse: DuckDB file to write (see :func:`dbt_environment`).
        dbt_vars: Project vars, passed as ``--vars``.
        capture: Capture stdout and stderr instead of streaming them.

    Returns:
        The finished process; its ``returncode`` is dbt's.

    Raises:
        WarehouseError: Another build holds the warehouse, the served file
            is unusable, the disk is full or the folder read-only.

    dbt never writes to the served file: it runs on a working copy, which a
    successful ``build``, ``run``, ``seed`` or ``snapshot`` publishes in one
    atomic step (:mod:`olist_segmentation.publish`).
    """
    if not (PROJECT_DIR / "dbt_project.yml").exists():
        raise WarehouseError(
            f"No dbt project at {PROJECT_DIR} (no dbt_project.yml). Fix: point "
            "OLIST_PROJECT_DIR at the repository root, or unset it."
        )
    env = dbt_environment(data_dir, warehouse)
    served = Path(env["OLIST_DUCKDB_PATH"])
    with publish.staged_build(served, "dbt " + " ".join(args)) as (paths, note, lock):
        if note:
            print(note, file=sys.stderr)
        env["OLIST_DUCKDB_PATH"] = str(paths.work_file)
        result = subprocess.run(
            dbt_command(args, dbt_vars),
            cwd=PROJECT_DIR,
            env=env,
            text=True,
            capture_output=capture,
            check=False,
            pass_fds=(lock,),
            preexec_fn=publish.die_with_parent,  # noqa: PLW1509
        )
        if result.returncode == 0 and args[:1] and args[0] in publish.WRITING_COMMANDS:
            started = time.perf_counter()
            tables = publish.publish(paths)
            print(
                f"Published {served} and {tables} Parquet tables in "
                f"{publish.WorkPaths(served).parquet_link} "
                f"({time.perf_counter() - started:.2f} s).",
                file=sys.stderr,
            )
    return result


@dataclass
class WarehouseSummary:
    """What a build left in the warehouse, for people and for tests."""

    warehouse: Path
    as_of_date: str
    rows: dict[str, int]
    segments: list[tuple[str, int, float, float]] = field(default_factory=list)
    thresholds: dict[str, list[tuple[int, float | None, float | None]]] = field(
        default_factory=dict
    )
    model: str = ""
    behavioural: list[tuple[int, str, int, float, float]] = field(default_factory=list)
    drift_verdict: str = ""
    #: The largest moves between segments since the previous as-of date:
    #: (segmentation, from, to, customers, share of the from segment).
    moves: list[tuple[str, str, str, int, float]] = field(default_factory=list)
    moves_since: str = ""

    def render(self) -> str:
        """Return the summary as a short plain-text report."""
        lines = [f"Warehouse: {self.warehouse}", f"As of: {self.as_of_date}", ""]
        lines += [f"  {name:<22}{count:>10,} rows" for name, count in self.rows.items()]
        lines += ["", "Score bands (score: values; R and M are quintiles):"]
        for metric, bands in self.thresholds.items():
            shown = " | ".join(
                f"{score}: {_band(lower, upper)}" for score, lower, upper in bands
            )
            lines.append(f"  {metric:<14}{shown}")
        lines += [
            "",
            f"  {'RFM segment':<20}{'customers':>10}{'share':>8}{'revenue':>9}",
        ]
        for name, customers, share, revenue_share in self.segments:
            lines.append(
                f"  {name:<20}{customers:>10,}{share:>8.1%}{revenue_share:>9.1%}"
            )
        if self.behavioural:
            lines += ["", f"Behavioural segments ({self.model}):"]
            width = max(len(name) for _, name, _, _, _ in self.behavioural) + 2
            lines.append(
                f"  {'id':>3} {'segment':<{width}}{'customers':>10}{'share':>8}"
                f"{'revenue':>9}"
            )
            for segment_id, name, customers, share, revenue in self.behavioural:
                lines.append(
                    f"  {segment_id:>3} {name:<{width}}{customers:>10,}"
                    f"{share:>8.1%}{revenue:>9.1%}"
                )
        lines += self._render_moves()
        if self.drift_verdict:
            lines += ["", f"Drift check: {self.drift_verdict}"]
        return "\n".join(lines)

    def _render_moves(self) -> list[str]:
        if not self.moves_since:
            return [
                "",
                "Segment moves: none yet (the history holds no earlier as-of "
                "date; the next build at a later date shows who moved).",
            ]
        lines = ["", f"Largest segment moves since {self.moves_since}:"]
        for segmentation, source, target, customers, share in self.moves:
            lines.append(
                f"  {segmentation:<12}{source} -> {target}: {customers:,} "
                f"({share:.0%} of {source})"
            )
        return lines


def connect(warehouse: Path | None = None) -> tuple[Path, duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only.

    Raises:
        WarehouseError: The file does not exist or another process holds it
            open for writing.
    """
    path = Path(dbt_environment(warehouse=warehouse)["OLIST_DUCKDB_PATH"])
    if not path.exists():
        raise WarehouseError(
            f"No warehouse at {path}. Build it first: `make run` "
            "(or `olist-seg build`)."
        )
    try:
        return path, duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        holder = publish.holder(str(error)) or "another program"
        raise WarehouseError(
            f"Cannot open {path} to read it: {holder} holds it open for "
            "writing (builds never do). Fix: close that program, or open the "
            "file read-only there (README, 'Connecting a BI tool')."
            if "lock" in str(error).lower()
            else f"Cannot read {path}: {str(error).splitlines()[0]}. Fix: "
            "rebuild it (`make run`) or point OLIST_DUCKDB_PATH at another file."
        ) from error


def require_segments(warehouse: Path) -> None:
    """Stop with a clear error when ``warehouse`` has no scored segments.

    Raises:
        WarehouseError: The file is missing, locked or not built yet.
    """
    path, con = connect(warehouse)
    try:
        con.execute("select 1 from main.customer_segments limit 1")
    except duckdb.CatalogException as error:
        raise WarehouseError(
            f"{path} has no main.customer_segments: build it first with "
            "`make run` (or `olist-seg build`)."
        ) from error
    finally:
        con.close()


def warehouse_summary(warehouse: Path | None = None) -> WarehouseSummary:
    """Read row counts, score bands and segment sizes from a built warehouse.

    Args:
        warehouse: The DuckDB file; default as in :func:`dbt_environment`.

    Returns:
        The summary.

    Raises:
        WarehouseError: The file does not exist, is locked by another
            process, or lacks a mart (run ``make run`` first).
    """
    path, con = connect(warehouse)
    try:
        rows = {}
        for mart in MARTS:
            try:
                rows[mart] = con.execute(
                    f"select count(*) from main.{mart}"
                ).fetchone()[0]
            except duckdb.CatalogException as error:
                raise WarehouseError(
                    f"{path} has no table main.{mart}: the build did not "
                    "finish. Run `make run` and read its errors."
                ) from error
        as_of = con.execute("select max(as_of_date) from main.customer_rfm").fetchone()[
            0
        ]
        segments = con.execute(
            "select rfm_segment, customers, customer_share, revenue_share "
            "from main.rfm_segment_summary order by segment_order"
        ).fetchall()
        thresholds: dict[str, list[tuple[int, float | None, float | None]]] = {}
        for metric, score, lower, upper in con.execute(
            "select metric, score, lower_bound, upper_bound "
            "from main.rfm_score_thresholds order by metric, score desc"
        ).fetchall():
            thresholds.setdefault(metric, []).append(
                (int(score), _float(lower), _float(upper))
            )
        chosen = con.execute(
            "select s.model_version, s.algorithm, s.n_segments, s.silhouette, "
            "s.stability_ari from main.segment_model_selection as s "
            "inner join (select max(model_version) as v from main.customer_segments)"
            " as c on s.model_version = c.v where s.is_chosen"
        ).fetchone()
        model = (
            f"model version {chosen[0]}: {chosen[1]}, k={chosen[2]}, "
            f"silhouette {chosen[3]:.3f}, stability ARI {chosen[4]:.3f}"
            if chosen
            else ""
        )
        behavioural = con.execute(
            "select segment_id, segment_name, customers, customer_share, "
            "revenue_share from main.segment_profiles order by segment_id"
        ).fetchall()
        check = _current_refit_check(con)
        moves, since = _largest_moves(con)
    finally:
        con.close()
    return WarehouseSummary(
        warehouse=path,
        as_of_date=str(as_of),
        rows=rows,
        segments=[(n, int(c), float(s or 0), float(r or 0)) for n, c, s, r in segments],
        thresholds=thresholds,
        model=model,
        behavioural=[
            (int(i), n, int(c), float(s or 0), float(r or 0))
            for i, n, c, s, r in behavioural
        ],
        drift_verdict=check,
        moves=moves,
        moves_since=since,
    )


#: How many moves per segmentation the summary shows.
MOVES_SHOWN = 3


def _largest_moves(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[tuple[str, str, str, int, float]], str]:
    """Return the largest moves between different segments, and since when."""
    try:
        rows = con.execute(
            "select segmentation, from_segment, to_segment, customers, "
            "share_of_from_segment, from_as_of_date from ("
            "  select *, row_number() over (partition by segmentation "
            "    order by customers desc, from_segment, to_segment) as rank"
            "  from main.segment_migration"
            "  where not is_stay and from_segment != '(new customer)'"
            f") where rank <= {MOVES_SHOWN} order by segmentation, rank"
        ).fetchall()
    except duckdb.CatalogException:
        return [], ""
    since = str(rows[0][5])[:10] if rows else ""
    return [(g, f, t, int(c), float(sh)) for g, f, t, c, sh, _ in rows], since


def _current_refit_check(con: duckdb.DuckDBPyConnection) -> str:
    """Return the drift verdict when it was computed for the current segments."""
    try:
        row = con.execute(
            "select c.verdict from main.segment_refit_check as c inner join "
            "(select max(model_version) as v, max(as_of_date) as d "
            "from main.customer_segments) as s "
            "on c.model_version = s.v and c.as_of_date = s.d"
        ).fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return (
            "not run for this build: `make drift` (olist-seg drift) runs the "
            "lift backtest and the drift check"
        )
    return str(row[0])


def read_segment_inputs(warehouse: Path) -> tuple[pd.DataFrame, str]:
    """Return the customer features and the latest model's settings (JSON).

    Raises:
        WarehouseError: The warehouse is missing, locked or not built.
    """
    if not warehouse.exists():
        raise WarehouseError(f"No warehouse at {warehouse}. Run `make run` first.")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as error:
        raise WarehouseError(f"Cannot open {warehouse}: {error}") from error
    try:
        features = con.execute(
            "select * from intermediate.int_customer_features "
            "order by customer_unique_id"
        ).df()
        settings = con.execute(
            "select settings from main.segment_model_selection where is_chosen "
            "order by model_version desc limit 1"
        ).fetchone()
    except duckdb.CatalogException as error:
        raise WarehouseError(
            f"{warehouse} lacks the segment tables: run `make run` first."
        ) from error
    finally:
        con.close()
    if settings is None:
        raise WarehouseError(f"{warehouse} has no segment model: run `make run`.")
    return features, settings[0]


def _table(
    con: duckdb.DuckDBPyConnection, sql: str, path: Path, hint: str
) -> pd.DataFrame:
    try:
        return con.execute(sql).df()
    except duckdb.CatalogException as error:
        raise WarehouseError(f"{path} lacks a table ({error}). {hint}") from error


def stability_summary(warehouse: Path | None = None) -> str:
    """Return the refresh-interval recommendation of a warehouse as text.

    Raises:
        WarehouseError: The warehouse is missing, locked or has no
            simulation (run ``make stability``).
    """
    path, con = connect(warehouse)
    hint = "Run `make stability` (olist-seg stability) first."
    try:
        recommendation = _table(
            con,
            "select * from main.stability_recommendation "
            "order by population, ari_threshold",
            path,
            hint,
        )
        intervals = _table(
            con,
            "select i.* from main.stability_intervals as i inner join "
            "main.stability_recommendation as r on i.population = r.population "
            "and i.ari_threshold = r.ari_threshold where r.is_default_threshold "
            "order by i.population, i.start_date",
            path,
            hint,
        )
        model = con.execute(
            "select any_value(algorithm), any_value(n_segments), "
            "any_value(model_version) from main.stability_ari"
        ).fetchone()
    finally:
        con.close()
    return render_stability(recommendation, intervals, model)


def _weeks(weeks: int, lower_bound: bool) -> str:
    return f"{'>= ' if lower_bound else ''}{weeks} week{'s' if weeks != 1 else ''}"


def render_stability(
    recommendation: pd.DataFrame, intervals: pd.DataFrame, model: tuple[object, ...]
) -> str:
    """Render the recommendation and the per-start-date intervals as text."""
    main = recommendation[
        recommendation["is_default_threshold"]
        & (recommendation["population"] == "all_customers")
    ].iloc[0]
    interval = int(main["recommended_interval_weeks"])
    lines = [
        f"Refresh-interval simulation: {model[0]} with {model[1]} segments "
        f"(model version {model[2]}), {int(main['start_dates'])} start dates.",
        "",
        f"Recommended refresh interval: "
        f"{_weeks(interval, bool(main['is_lower_bound']))} "
        f"({int(main['refits_per_year'])} refits a year): the frozen model keeps "
        f"ARI >= {main['ari_threshold']:g} against a refit for that long from "
        "every start date.",
        f"Not counting weeks where refits with different seeds disagree among "
        f"themselves (inconclusive): {int(main['robust_interval_weeks'])} weeks.",
        "",
        f"  {'population':<16}{'threshold':>10}{'interval':>14}{'range':>14}"
        f"{'refits/yr':>11}",
    ]
    for row in recommendation.itertuples():
        weeks = _weeks(int(row.recommended_interval_weeks), bool(row.is_lower_bound))
        lines.append(
            f"  {row.population:<16}{row.ari_threshold:>10g}{weeks:>14}"
            f"{f'{row.recommended_interval_weeks}-{row.longest_interval_weeks} wk':>14}"
            f"{int(row.refits_per_year):>11}"
        )
    lines += ["", f"  Per start date (threshold {main['ari_threshold']:g}):"]
    for row in intervals.itertuples():
        lines.append(
            f"  {row.population:<16}{str(row.start_date)[:10]:>12}"
            f"{_weeks(int(row.interval_weeks), bool(row.is_censored)):>14}"
            f"   lowest ARI {row.lowest_ari:.3f}"
        )
    return "\n".join(lines)


def drift_summary(warehouse: Path | None = None) -> tuple[str, bool]:
    """Return the production drift check as text, and whether a refit is due.

    Raises:
        WarehouseError: The warehouse is missing, locked or not built.
    """
    path, con = connect(warehouse)
    hint = "Run `make run` (or `make drift`) first."
    try:
        check = _table(con, "select * from main.segment_refit_check", path, hint)
        drift = _table(
            con, "select * from main.segment_drift order by psi desc", path, hint
        )
    finally:
        con.close()
    row = check.iloc[0]
    lines = [
        f"Drift check of model version {row['model_version']} (trained as of "
        f"{str(row['trained_as_of_date'])[:10]}, checked as of "
        f"{str(row['as_of_date'])[:10]}, {row['weeks_since_training']} weeks; "
        f"{row['customers']:,} customers, {row['new_customers']:,} new):",
        "",
        f"  ARI frozen vs refit   {row['ari_frozen_vs_refit']:.3f} "
        f"(refit below {row['ari_threshold']:g})",
        f"  largest PSI           {row['max_psi']:.3f} {row['max_psi_feature']} "
        f"(refit at {row['psi_threshold']:g})",
        "",
        f"  {'feature':<26}{'PSI':>8}  {'level':<12}{'KS':>7}"
        f"{'training mean':>15}{'current mean':>14}",
    ]
    for d in drift.itertuples():
        lines.append(
            f"  {d.feature:<26}{d.psi:>8.3f}  {d.drift_level:<12}{d.ks_statistic:>7.3f}"
            f"{d.reference_mean:>15,.2f}{d.current_mean:>14,.2f}"
        )
    lines += ["", ("REFIT DUE. " if row["is_refit_due"] else "") + row["verdict"]]
    if row["is_refit_due"]:
        lines.append("Refit with `olist-seg build --refit` (or `make refit`).")
    return "\n".join(lines), bool(row["is_refit_due"])
