"""Plain-text summaries of a built warehouse: marts, stability and drift.

These functions only read (:func:`olist_segmentation.warehouse.connect`)
and return text or data; the command line prints them.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from olist_segmentation.errors import WarehouseError
from olist_segmentation.warehouse import MARTS, connect, read_table


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """Return the single row of ``sql`` (an aggregate always has one)."""
    row = con.execute(sql).fetchone()
    if row is None:
        raise WarehouseError(f"no row from {sql!r}")
    return row


def _band(lower: float | None, upper: float | None) -> str:
    if lower is None:
        return f"<= {upper:g}"
    if upper is None:
        return f"> {lower:g}"
    return f"({lower:g}, {upper:g}]"


@dataclass
class WarehouseSummary:
    """What a build left in the warehouse, for people and for tests."""

    warehouse: Path | str
    as_of_date: str
    rows: dict[str, int]
    segments: list[tuple[str, int, float, float]] = field(default_factory=list)
    thresholds: dict[str, list[tuple[int, float | None, float | None]]] = field(
        default_factory=dict
    )
    model: str = ""
    #: (segment id, name, customers, share, revenue share, definition), in
    #: the order the rules are tried.
    behavioural: list[tuple[int, str, int, float, float, str]] = field(
        default_factory=list
    )
    drift_verdict: str = ""
    #: The largest moves between segments since the previous as-of date:
    #: (segmentation, from, to, customers, share of the from segment).
    moves: list[tuple[str, str, str, int, float]] = field(default_factory=list)
    moves_since: str = ""
    #: The purchase score's line: its model version and method, or why the
    #: scores are empty (the fallback).
    purchase_score: str = ""
    #: Customers per next best action: (label, customers, is a sales message).
    actions: list[tuple[str, int, bool]] = field(default_factory=list)
    #: What the build's input checks did: checked the CSV files or skipped
    #: the unchanged ones (``intermediate.olist_input_checks``).
    input_checks: str = ""

    def render(self) -> str:
        """Return the summary as a short plain-text report."""
        lines = [f"Warehouse: {self.warehouse}", f"As of: {self.as_of_date}"]
        if self.input_checks:
            lines.append(f"Input checks: {self.input_checks}")
        lines.append("")
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
            width = max(len(row[1]) for row in self.behavioural) + 2
            lines.append(
                f"  {'id':>3} {'segment':<{width}}{'customers':>10}{'share':>8}"
                f"{'revenue':>9}  definition (first that holds)"
            )
            for segment_id, name, customers, share, revenue, rule in self.behavioural:
                lines.append(
                    f"  {segment_id:>3} {name:<{width}}{customers:>10,}"
                    f"{share:>8.1%}{revenue:>9.1%}  {rule}"
                )
        if self.purchase_score:
            lines += ["", f"Purchase score: {self.purchase_score}"]
        if self.actions:
            lines += ["", "Next step per customer (customer_next_best_action):"]
            for label, customers, sales in self.actions:
                kind = "sales message" if sales else "no sales message"
                lines.append(f"  {label:<24}{customers:>10,}  {kind}")
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
                rows[mart] = int(_one(con, f"select count(*) from main.{mart}")[0])
            except duckdb.CatalogException as error:
                raise WarehouseError(
                    f"{path} has no table main.{mart}: the build did not "
                    "finish. Run `make run` and read its errors."
                ) from error
        as_of = _one(con, "select max(as_of_date) from main.customer_rfm")[0]
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
            "select s.model_version, s.algorithm, s.n_segments, "
            "s.prediction_strength, s.rule_strength, s.rule_agreement, "
            "c.definition_version from main.segment_model_selection as s "
            "inner join (select max(model_version) as v, "
            "max(definition_version) as definition_version "
            "from main.customer_segments) as c on s.model_version = c.v "
            "where s.is_chosen"
        ).fetchone()
        model = (
            f"model version {chosen[0]}, definitions v{chosen[6]}: rules distilled "
            f"from {chosen[1]} k={chosen[2]}; prediction strength {chosen[3]:.2f}, "
            f"of the rules {chosen[4]:.2f}; rules agree with the clusters for "
            f"{chosen[5]:.1%} of the fit sample"
            if chosen
            else ""
        )
        behavioural = con.execute(
            "select segment_id, segment_name, customers, customer_share, "
            "revenue_share, definition from main.segment_profiles "
            "order by rule_order"
        ).fetchall()
        check = _current_refit_check(con)
        moves, since = _largest_moves(con)
        purchase_score, actions = _purchase_score(con)
        input_checks = _input_checks(con)
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
            (int(i), n, int(c), float(s or 0), float(r or 0), str(d))
            for i, n, c, s, r, d in behavioural
        ],
        drift_verdict=check,
        moves=moves,
        moves_since=since,
        purchase_score=purchase_score,
        actions=actions,
        input_checks=input_checks,
    )


def _input_checks(con: duckdb.DuckDBPyConnection) -> str:
    """Say whether the last build checked the CSV files or skipped them."""
    try:
        rows = con.execute(
            "select this_build, count(*), min(passed_at) "
            "from intermediate.olist_input_checks group by this_build"
        ).fetchall()
    except duckdb.CatalogException:
        return ""
    counts = {str(kind): (int(n), passed) for kind, n, passed in rows}
    checked = counts.get("checked", (0, None))[0]
    unchanged, since = counts.get("unchanged", (0, None))
    if not unchanged:
        return f"{checked} CSV files read and checked"
    skipped = (
        f"{unchanged} unchanged CSV file(s) not read again (same size, "
        f"modification time and check rules as when they passed on "
        f"{since:%Y-%m-%d %H:%M}); `olist-seg build --recheck-inputs` reads them"
    )
    if checked:
        return f"{checked} changed CSV file(s) checked, {skipped}"
    return skipped.replace("file(s)", "files", 1)


def _purchase_score(
    con: duckdb.DuckDBPyConnection,
) -> tuple[str, list[tuple[str, int, bool]]]:
    """Return the purchase score's line and the customers per next step."""
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main'"
        ).fetchall()
    }
    if "customer_predictions" not in tables:
        return "", []
    version, method, trained, note = con.execute(
        "select max(prediction_model_version), min(method), "
        "max(trained_as_of_date), min(score_note) from main.customer_predictions"
    ).fetchone() or (None, None, None, None)
    line = (
        f"model version {version} ({method}, trained as of {str(trained)[:10]})"
        if note is None
        else f"model version {version}: {note}"
    )
    actions: list[tuple[str, int, bool]] = []
    if "customer_next_best_action" in tables:
        actions = [
            (str(label), int(customers), bool(sales))
            for label, customers, sales in con.execute(
                "select action_label, count(*), bool_and(is_sales_message) "
                "from main.customer_next_best_action group by action_label "
                "order by count(*) desc, action_label"
            ).fetchall()
        ]
    return line, actions


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


def stability_summary(warehouse: Path | None = None) -> str:
    """Return the refresh-interval recommendation of a warehouse as text.

    Raises:
        WarehouseError: The warehouse is missing, locked or has no
            simulation (run ``make stability``).
    """
    path, con = connect(warehouse)
    hint = "Run `make stability` (olist-seg stability) first."
    try:
        recommendation = read_table(
            con,
            "select * from main.stability_recommendation "
            "order by population, ari_threshold",
            path,
            hint,
        )
        intervals = read_table(
            con,
            "select i.* from main.stability_intervals as i inner join "
            "main.stability_recommendation as r on i.population = r.population "
            "and i.ari_threshold = r.ari_threshold where r.is_default_threshold "
            "order by i.population, i.start_date",
            path,
            hint,
        )
        model = _one(
            con,
            "select any_value(algorithm), any_value(n_segments), "
            "any_value(model_version) from main.stability_ari",
        )
    finally:
        con.close()
    return render_stability(recommendation, intervals, model)


def _weeks(weeks: int, lower_bound: bool) -> str:
    return f"{'>= ' if lower_bound else ''}{weeks} week{'s' if weeks != 1 else ''}"


def render_stability(
    recommendation: pd.DataFrame, intervals: pd.DataFrame, model: tuple[object, ...]
) -> str:
    """Render the recommendation and the per-start-date intervals as text."""
    main: dict[Hashable, Any] = (
        recommendation[
            recommendation["is_default_threshold"]
            & (recommendation["population"] == "all_customers")
        ]
        .iloc[0]
        .to_dict()
    )
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
    for row in recommendation.to_dict("records"):
        weeks = _weeks(
            int(row["recommended_interval_weeks"]), bool(row["is_lower_bound"])
        )
        span = f"{row['recommended_interval_weeks']}-{row['longest_interval_weeks']} wk"
        lines.append(
            f"  {row['population']:<16}{row['ari_threshold']:>10g}{weeks:>14}"
            f"{span:>14}{int(row['refits_per_year']):>11}"
        )
    lines += ["", f"  Per start date (threshold {main['ari_threshold']:g}):"]
    for row in intervals.to_dict("records"):
        lines.append(
            f"  {row['population']:<16}{str(row['start_date'])[:10]:>12}"
            f"{_weeks(int(row['interval_weeks']), bool(row['is_censored'])):>14}"
            f"   lowest ARI {row['lowest_ari']:.3f}"
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
        check = read_table(con, "select * from main.segment_refit_check", path, hint)
        drift = read_table(
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
