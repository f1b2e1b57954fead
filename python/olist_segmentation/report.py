"""The marketing report: one self-contained HTML file about the segments.

:func:`build_report` reads a built warehouse (read-only) and writes a single
HTML file with inline CSS, inline SVG and a little inline JavaScript; it
loads nothing from anywhere else. The same warehouse always gives the same
bytes: nothing in the file depends on the time or the machine.

Sections: the header (as-of date, customers, model and its quality), segment
sizes, profiles (heatmap, snake plot, mean/median table), the RFM grid, the
lift backtest (behavioural segments against RFM), one card per segment, the
model selection table and the refresh interval and drift (the recommended
refresh interval of ``make stability``'s simulation, when it ran, and the
production drift check of every build).

:func:`check_report` opens the file in headless Chromium and returns what it
saw (errors, the ``rendered`` marker, the DOM); :func:`screenshot` writes a
PNG for reviewers.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from olist_segmentation import chromium
from olist_segmentation.build import WarehouseError, connect
from olist_segmentation.chromium import PageReport
from olist_segmentation.export import find_exports

#: Segment tables the report reads (built by the segmentation models).
SEGMENT_TABLES = (
    "segment_model_selection",
    "segment_definitions",
    "customer_segments",
    "segment_profiles",
)
#: The lift backtest (``make drift``); optional: the page says how to run it.
LIFT_TABLE = "segment_lift"
MIGRATION_TABLE = "segment_migration"
#: Folder beside the report where `olist-seg export` writes by default.
EXPORTS_FOLDER = "exports"
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
#: Horizons (weeks) of the simulated drift table, when simulated.
DRIFT_HORIZONS = (4, 13, 26)
#: Pill class of each PSI drift level.
DRIFT_LEVEL_PILLS = {"stable": "yes", "moderate": "warn", "significant": "no"}
#: Default output file, relative to the working directory.
DEFAULT_OUT = Path("reports") / "segments.html"

#: Categorical colours of the segments, by segment order (then repeated).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
#: Plain-language names of algorithms.
ALGORITHMS = {
    "kmeans": "k-means",
    "gaussian_mixture": "Gaussian mixture",
    "agglomerative_ward": "Agglomerative (Ward)",
}
#: Friendly labels and formats of known features; others get a generic label
#: and a format guessed from the name (see :func:`_feature_style`).
FEATURE_STYLES = {
    "recency_days": ("Days since last purchase", "days"),
    "frequency": ("Orders", "number"),
    "monetary": ("Total spend", "brl"),
    "avg_installments": ("Instalments per order", "number"),
    "credit_card_share": ("Paid by credit card", "share"),
    "avg_review_score": ("Review score (1-5)", "number"),
    "late_delivery_share": ("Late deliveries", "share"),
    "avg_delivery_days": ("Delivery time", "days"),
    "freight_share": ("Freight share of basket", "share"),
    "distinct_category_count": ("Product categories", "number"),
    "distance_to_sao_paulo_km": ("Distance to São Paulo", "km"),
}
#: ``mean_*`` columns of segment_profiles that describe the model's fit, not
#: the customers' behaviour: not shown as features.
NOT_FEATURES = frozenset({"distance_to_centre"})
#: |z| at which a heatmap cell reaches full colour.
Z_FULL = 2.0


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


def _require_tables(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    present = _present_tables(con)
    missing = [t for t in (*RFM_TABLES, *SEGMENT_TABLES) if t not in present]
    if missing:
        raise ReportError(
            f"{path} has no table {', '.join('main.' + t for t in missing)}: "
            "the report needs the RFM marts and the segmentation. Run `make run` "
            "first (it builds them), then `make report`."
        )


def _records(df: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if _missing(v) else v) for k, v in row.items()}
        for row in df.to_dict("records")
    ]


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


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
        _require_tables(con, path)
        version = con.execute("select max(model_version) from main.segment_profiles")
        model_version = version.fetchall()[0][0]
        if model_version is None:
            raise ReportError(
                f"{path}: main.segment_profiles is empty, there is no "
                "segmentation to report. Run `make run` first."
            )
        model_version = int(model_version)
        profiles = con.execute(
            "select * from main.segment_profiles where model_version = ? "
            "order by segment_id",
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
        lift = (
            con.execute(
                "select * replace (cast(as_of_date as varchar) as as_of_date) "
                "from main.segment_lift "
                "order by as_of_date, horizon_days, segmentation, "
                "purchase_rate_lift desc nulls last, segment_name"
            ).df()
            if LIFT_TABLE in _present_tables(con)
            else None
        )
        rfm_grid = con.execute(
            "select r_score, fm_score, count(*) as customers, "
            "min(rfm_segment) as rfm_segment "
            "from main.customer_rfm group by r_score, fm_score "
            "order by r_score, fm_score"
        ).df()
        rfm_summary = con.execute(
            "select * from main.rfm_segment_summary order by segment_order"
        ).df()
        rfm_names = _rfm_cell_names(con, rfm_grid)
        refresh = _load_refresh(con)
        migration = (
            con.execute(
                "select * replace (cast(from_as_of_date as varchar) as "
                "from_as_of_date, cast(to_as_of_date as varchar) as to_as_of_date) "
                "from main.segment_migration "
                "order by segmentation, from_segment, to_segment"
            ).df()
            if MIGRATION_TABLE in _present_tables(con)
            else None
        )
    finally:
        con.close()
    return ReportData(
        warehouse=path,
        model_version=model_version,
        as_of_date=str(as_of),
        customers=int(customers),
        chosen=_records(chosen_rows)[0],
        selection=selection,
        profiles=profiles,
        features=features,
        lift=lift,
        rfm_grid=rfm_grid,
        rfm_names=rfm_names,
        rfm_summary=rfm_summary,
        refresh=refresh,
        migration=migration,
    )


def _load_refresh(con: duckdb.DuckDBPyConnection) -> RefreshData:
    """Read the simulation and drift-check tables that exist (dates as text)."""
    present = _present_tables(con)
    missing = tuple(t for t in (*STABILITY_TABLES, *DRIFT_TABLES) if t not in present)
    refresh = RefreshData(missing=missing)
    day = "cast(cast({0} as date) as varchar) as {0}"
    if "stability_ari" in present:
        refresh.ari = con.execute(
            f"select {day.format('start_date')}, horizon_weeks, customers, ari "
            "from main.stability_ari where population = ? "
            "order by start_date, horizon_weeks",
            [STABILITY_POPULATION],
        ).df()
    if "stability_intervals" in present:
        refresh.intervals = con.execute(
            f"select * replace ({day.format('start_date')}) "
            "from main.stability_intervals where population = ? "
            "order by ari_threshold, start_date",
            [STABILITY_POPULATION],
        ).df()
    if "stability_recommendation" in present:
        refresh.recommendation = con.execute(
            f"select * replace ({day.format('limiting_start_date')}) "
            "from main.stability_recommendation where population = ? "
            "order by ari_threshold",
            [STABILITY_POPULATION],
        ).df()
    if "stability_drift" in present:
        refresh.drift = con.execute(
            f"select {day.format('start_date')}, horizon_weeks, feature, psi, "
            "drift_level from main.stability_drift where horizon_weeks > 0 "
            "order by feature, horizon_weeks, start_date"
        ).df()
    if "segment_refit_check" in present:
        rows = _records(
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
    return refresh


def profile_features(
    columns: Iterable[str], model_features: Iterable[str] | None = None
) -> list[str]:
    """Return the features the report profiles, in the model's order.

    ``segment_profiles`` has a ``mean_F`` and a ``median_F`` of every
    feature a model may use; the report shows the model's own features
    (``model_features``, from ``segment_model_transforms``) that have both.
    Without ``model_features``, every such F except :data:`NOT_FEATURES`.

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
        if f"mean_{f}" in names and f"median_{f}" in names and f not in NOT_FEATURES
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
        names[(int(row.r_score), int(row.fm_score))] = str(row.rfm_segment)
    return names


# ------------------------------------------------------------------ formatting


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: object, decimals: int = 0) -> str:
    if _missing(value):
        return "–"
    return f"{float(value):,.{decimals}f}"


def _int(value: object) -> str:
    return "–" if _missing(value) else f"{int(value):,}"


def _pct(value: object, decimals: int = 1) -> str:
    return "–" if _missing(value) else f"{float(value) * 100:.{decimals}f}%"


def _brl(value: object, decimals: int = 0) -> str:
    return "–" if _missing(value) else f"R$ {float(value):,.{decimals}f}"


def _brl_compact(value: object) -> str:
    if _missing(value):
        return "–"
    number = float(value)
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            scaled = number / size
            return f"R$ {scaled:,.{1 if abs(scaled) < 100 else 0}f} {suffix}"
    return f"R$ {number:,.0f}"


def _lift(value: object) -> str:
    return "–" if _missing(value) else f"{float(value):.2f}×"


def _feature_style(feature: str) -> tuple[str, str]:
    """Return (label, kind) of a feature; kind picks the number format."""
    if feature in FEATURE_STYLES:
        return FEATURE_STYLES[feature]
    label = feature.replace("_", " ").strip().capitalize()
    if feature.endswith(("_share", "_rate", "_ratio")):
        return label, "share"
    if feature.endswith("_km"):
        return label, "km"
    if "days" in feature:
        return label, "days"
    if any(w in feature for w in ("monetary", "revenue", "spend", "value", "price")):
        return label, "brl"
    return label, "number"


def _feature_value(kind: str, value: object) -> str:
    if _missing(value):
        return "–"
    if kind == "share":
        return _pct(value, 0)
    if kind == "brl":
        return _brl(value)
    if kind == "days":
        return f"{float(value):,.0f} d"
    if kind == "km":
        return f"{float(value):,.0f} km"
    number = float(value)
    return f"{number:,.2f}" if abs(number) < 100 else f"{number:,.0f}"


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _mix(colour: str, weight: float) -> str:
    """``colour`` blended with white; weight 0 = white, 1 = colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 + (c - 255) * weight) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _z_colour(z: float | None) -> tuple[str, str]:
    """Background and text colour of a heatmap cell of standard score z."""
    if z is None:
        return "#f1f1f1", "#777777"
    weight = min(abs(z) / Z_FULL, 1.0) * 0.9
    base = "#dd6b20" if z > 0 else "#2b6cb0"
    return _mix(base, weight), "#ffffff" if weight > 0.55 else "#1a202c"


def standardised_means(profiles: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Standardise every segment's mean of every feature.

    z = (segment mean - overall mean) / spread, where the overall mean is the
    customer-weighted mean of the segment means (= the mean over all
    customers) and the spread is the root mean square of the segments'
    deviations from it (segments count equally), so z says how far a segment
    stands out among the segments. A feature on which all segments agree gets
    z = 0.

    Args:
        profiles: ``segment_profiles`` rows (``customers`` and ``mean_*``).
        features: The features (column names without ``mean_``).

    Returns:
        One row per segment (same order), one column per feature; NaN where a
        segment's mean is missing.
    """
    weights = profiles["customers"].astype(float)
    out = pd.DataFrame(index=profiles.index)
    for feature in features:
        means = pd.to_numeric(profiles[f"mean_{feature}"], errors="coerce")
        known = means.notna() & (weights > 0)
        if not known.any():
            out[feature] = float("nan")
            continue
        overall = float((means[known] * weights[known]).sum() / weights[known].sum())
        spread = math.sqrt(float(((means[known] - overall) ** 2).mean()))
        if spread <= 1e-12 * max(1.0, abs(overall)):
            out[feature] = means.where(~known, 0.0).where(known)
        else:
            out[feature] = (means - overall) / spread
    return out


# ------------------------------------------------------------------- sections

CSS = """
:root { --ink:#1a202c; --muted:#5a6475; --line:#e2e6ec; --bg:#f6f7f9;
  --card:#ffffff; --accent:#2b6cb0; --warm:#dd6b20; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 28px 60px; }
header.top { background: linear-gradient(135deg,#1e3a5f,#2b6cb0); color:#fff;
  padding: 30px 0 26px; }
header.top .inner { max-width:1180px; margin:0 auto; padding:0 28px; }
header.top h1 { margin:0 0 4px; font-size:28px; font-weight:650; }
header.top p { margin:0; opacity:.9; }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(165px,1fr));
  gap:12px; margin-top:20px; }
.kpi { background: rgba(255,255,255,.12); border-radius:10px; padding:12px 14px; }
.kpi .v { font-size:22px; font-weight:650; overflow-wrap:anywhere; }
.kpi .v.words { font-size:17px; padding-top:4px; }
.kpi .l { font-size:12.5px; opacity:.85; }
section { background:var(--card); border:1px solid var(--line); border-radius:12px;
  padding:22px 24px; margin-top:22px; box-shadow:0 1px 2px rgba(0,0,0,.03); }
h2 { margin:0 0 4px; font-size:20px; }
h3 { margin:18px 0 8px; font-size:16px; }
p.lead { margin:0 0 14px; color:var(--muted); }
p.note { color:var(--muted); font-size:13px; margin:8px 0 0; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:right;
  vertical-align:top; }
th { background:#f0f3f7; font-weight:600; color:#2d3748; }
th:first-child, td:first-child { text-align:left; }
td.text, th.text { text-align:left; }
th.sortable { cursor:pointer; user-select:none; }
th.sortable::after { content:" ↕"; color:#a0aec0; font-size:11px; }
.scroll { overflow-x:auto; }
svg { display:block; max-width:100%; height:auto; }
svg text { font-family: inherit; }
.heatmap td.heat-cell { text-align:center; font-variant-numeric: tabular-nums;
  vertical-align:middle;
  border:2px solid #fff; white-space:nowrap; }
.heatmap th { text-align:center; }
.heatmap th:first-child { text-align:left; }
.legend { display:flex; flex-wrap:wrap; gap:8px 16px; margin:8px 0;
  font-size:13px; color:var(--muted); }
.legend button { font:inherit; border:1px solid var(--line); background:#fff;
  border-radius:16px; padding:2px 10px; cursor:pointer; color:var(--ink); }
.legend button.off { opacity:.35; }
.swatch { display:inline-block; width:11px; height:11px; border-radius:3px;
  margin-right:6px; vertical-align:-1px; }
.scale { display:inline-block; width:180px; height:10px; border-radius:5px;
  vertical-align:middle; margin:0 6px;
  background: linear-gradient(90deg,#3a76b6,#ffffff,#e07a35); }
.rfm { max-width:760px; }
.rfm td { text-align:center; border:2px solid #fff; font-size:12.5px;
  line-height:1.3; height:56px; width:18%; }
.rfm th { text-align:center; }
.rfm td .n { font-weight:650; font-size:14px; }
.grid2 { display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1fr);
  gap:24px; }
table.lift th, table.lift td { padding:6px 6px; }
table.lift td { white-space:nowrap; }
table.lift td:first-child { white-space:normal; }
table.moves td { text-align:right; }
table.moves td.move { background:#fff8e6; }
.liftcell { text-align:right; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
.cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(330px,1fr));
  gap:16px; }
.card { border:1px solid var(--line); border-radius:10px; padding:16px 18px;
  border-top:5px solid var(--c); background:#fff; }
.card h3 { margin:0 0 2px; }
.card .facts { color:var(--muted); font-size:13px; margin-bottom:8px; }
.card .label { font-size:11.5px; text-transform:uppercase; letter-spacing:.05em;
  color:var(--muted); margin-top:10px; }
.card .action { background:#f0f7ff; border-radius:8px; padding:8px 10px; }
.card ul { margin:4px 0 0; padding-left:18px; font-size:13.5px; }
.pill { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px;
  background:#edf2f7; color:#2d3748; }
.pill.yes { background:#e6f6ec; color:#1e6b3a; }
.pill.no { background:#fdecec; color:#9b2c2c; }
tr.chosen td { background:#fff8e6; font-weight:600; }
tr.chosen td:first-child { box-shadow: inset 4px 0 0 var(--warm); }
.liftbar { display:inline-block; height:8px; border-radius:4px; margin-right:6px;
  vertical-align:middle; }
code { font-size:12px; color:#4a5568; }
.pill.warn { background:#fff4e0; color:#8a4b00; }
.callout { border-left:5px solid var(--accent); background:#f0f7ff;
  border-radius:8px; padding:12px 16px; margin:8px 0 12px; font-size:15.5px;
  color:var(--ink); }
.callout.verdict.due { border-left-color:#c53030; background:#fdf2f2; }
.callout.verdict.ok { border-left-color:#2f855a; background:#f0faf4; }
.facts-grid { display:grid; grid-template-columns: repeat(auto-fit,
  minmax(210px,1fr)); gap:10px; margin:10px 0; }
.fact { border:1px solid var(--line); border-radius:8px; padding:8px 12px; }
.fact .v { font-size:19px; font-weight:650; }
.fact .l { font-size:12.5px; color:var(--muted); }
.fact.bad { border-color:#feb2b2; background:#fdf2f2; }
tr.drifted td { background:#fdf2f2; }
footer { color:var(--muted); font-size:12.5px; margin-top:26px; }
"""

JS = """
(function () {
  "use strict";
  function drawSnake() {
    var data = JSON.parse(document.getElementById("snake-data").textContent);
    var host = document.getElementById("snake");
    var NS = "http://www.w3.org/2000/svg";
    var W = 1000, H = 410, L = 150, R = 30, T = 26, B = 120;
    var n = data.features.length;
    var lim = 1.5;
    data.segments.forEach(function (s) {
      s.z.forEach(function (z) { if (z !== null) lim = Math.max(lim, Math.abs(z)); });
    });
    lim = Math.ceil(lim * 2 + 0.2) / 2;
    function x(i) { return L + (n > 1 ? i * (W - L - R) / (n - 1) : (W - L - R) / 2); }
    function y(z) { return T + (lim - z) * (H - T - B) / (2 * lim); }
    function el(name, attrs, parent) {
      var node = document.createElementNS(NS, name);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      parent.appendChild(node);
      return node;
    }
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Snake plot of standardised segment means"}, host);
    for (var g = -Math.floor(lim); g <= Math.floor(lim); g += 1) {
      el("line", {x1: L, x2: W - R, y1: y(g), y2: y(g),
        stroke: g === 0 ? "#718096" : "#e2e6ec",
        "stroke-width": g === 0 ? 1.2 : 1}, svg);
      el("text", {x: L - 8, y: y(g) + 4, "text-anchor": "end", "font-size": 12,
        fill: "#5a6475"}, svg).textContent = (g > 0 ? "+" : "") + g;
    }
    data.features.forEach(function (f, i) {
      el("line", {x1: x(i), x2: x(i), y1: T, y2: H - B, stroke: "#f0f2f5"}, svg);
      el("text", {x: x(i), y: H - B + 14, "font-size": 12, fill: "#2d3748",
        "text-anchor": "end",
        transform: "rotate(-35 " + x(i) + " " + (H - B + 14) + ")"},
        svg).textContent = f;
    });
    var lines = [];
    data.segments.forEach(function (s) {
      var group = el("g", {"class": "snake-line", "data-segment": s.name}, svg);
      var d = "";
      s.z.forEach(function (z, i) {
        if (z === null) return;
        d += (d ? " L" : "M") + x(i).toFixed(1) + " " + y(z).toFixed(1);
      });
      el("path", {d: d, fill: "none", stroke: s.colour, "stroke-width": 2.5}, group);
      s.z.forEach(function (z, i) {
        if (z === null) return;
        var dot = el("circle", {cx: x(i), cy: y(z), r: 4, fill: s.colour}, group);
        el("title", {}, dot).textContent = s.name + " - " + data.features[i] +
          ": " + s.labels[i] + " (" + (z > 0 ? "+" : "") + z.toFixed(2) + " sd)";
      });
      lines.push(group);
    });
    var legend = document.getElementById("snake-legend");
    data.segments.forEach(function (s, k) {
      var b = document.createElement("button");
      b.type = "button";
      b.innerHTML = '<span class="swatch"></span>';
      b.firstChild.style.background = s.colour;
      b.appendChild(document.createTextNode(s.name));
      b.addEventListener("click", function () {
        b.classList.toggle("off");
        lines[k].style.display = b.classList.contains("off") ? "none" : "";
      });
      legend.appendChild(b);
    });
  }
  function sortable() {
    document.querySelectorAll("table.sortable-table").forEach(function (table) {
      table.querySelectorAll("th.sortable").forEach(function (th, col) {
        th.addEventListener("click", function () {
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          var dir = th.dataset.dir === "desc" ? 1 : -1;
          th.dataset.dir = dir === 1 ? "asc" : "desc";
          var idx = th.cellIndex;
          rows.sort(function (a, b) {
            var x = a.cells[idx].dataset.v, y = b.cells[idx].dataset.v;
            var nx = parseFloat(x), ny = parseFloat(y);
            if (!isNaN(nx) && !isNaN(ny)) return dir * (nx - ny);
            return dir * String(x).localeCompare(String(y));
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }
  drawSnake();
  sortable();
  var errors = document.documentElement.dataset.errors;
  document.body.dataset.rendered = errors ? "error" : "ok";
})();
"""

ERROR_HOOK = """
window.addEventListener("error", function (event) {
  var root = document.documentElement;
  root.dataset.errors = (root.dataset.errors ? root.dataset.errors + " | " : "") +
    (event.message || "error");
  if (document.body) document.body.dataset.rendered = "error";
});
"""


def _header(data: ReportData) -> str:
    chosen = data.chosen
    algorithm = ALGORITHMS.get(chosen["algorithm"], chosen["algorithm"])
    revenue = float(pd.to_numeric(data.profiles["revenue"]).fillna(0).sum())
    kpis = [
        (_int(data.customers), "customers segmented"),
        (str(len(data.profiles)), "segments"),
        (_brl_compact(revenue), "revenue of these customers"),
        (algorithm, "chosen algorithm"),
        (_num(chosen.get("silhouette"), 2), "silhouette (−1 to 1, higher = clearer)"),
        (
            _num(chosen.get("stability_ari"), 2),
            "stability (1 = same segments on resamples)",
        ),
    ]
    tiles = "".join(
        f'<div class="kpi"><div class="v{" words" if v[:1].isalpha() else ""}">'
        f'{_e(v)}</div><div class="l">{_e(label)}</div></div>'
        for v, label in kpis
    )
    return (
        '<header class="top"><div class="inner">'
        "<h1>Customer segments: marketing report</h1>"
        f"<p>Data as of <strong>{_e(data.as_of_date)}</strong> · model version "
        f"<strong>{data.model_version}</strong> · {_e(algorithm)} with "
        f"{int(chosen['n_segments'])} segments · Davies–Bouldin "
        f"{_e(_num(chosen.get('davies_bouldin'), 2))} (lower = better separated) · "
        f"Calinski–Harabasz {_e(_num(chosen.get('calinski_harabasz'), 0))} · "
        f"smallest segment {_e(_pct(chosen.get('min_segment_share')))}</p>"
        f'<div class="kpis">{tiles}</div></div></header>'
    )


def _sizes(data: ReportData) -> str:
    rows = _records(data.profiles)
    row_h, top, label_w, panel_w, gap = 40, 34, 230, 360, 30
    bar_max = panel_w - 150
    width = label_w + 2 * panel_w + gap
    height = top + row_h * len(rows) + 8
    top_share = max([r["customer_share"] or 0 for r in rows] + [1e-9])
    top_rev = max([r["revenue_share"] or 0 for r in rows] + [1e-9])
    scale = max(top_share, top_rev)
    x_rev = label_w + panel_w + gap
    parts = [
        f'<svg id="sizes" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Segment sizes: share of customers and of revenue">',
        f'<text x="{label_w}" y="18" font-size="13" font-weight="600" '
        'fill="#2d3748">Share of customers</text>',
        f'<text x="{x_rev}" y="18" font-size="13" font-weight="600" '
        'fill="#2d3748">Share of revenue</text>',
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        colour = _colour(i)
        share = float(r["customer_share"] or 0)
        rev = float(r["revenue_share"] or 0)
        w1 = round(bar_max * share / scale, 1)
        w2 = round(bar_max * rev / scale, 1)
        parts.append(
            f'<text x="0" y="{y + 21}" font-size="14" fill="#1a202c">'
            f"{_e(r['segment_name'])}</text>"
            f'<rect class="bar bar-customers" x="{label_w}" y="{y + 6}" '
            f'width="{w1}" height="22" rx="4" fill="{colour}">'
            f"<title>{_e(r['segment_name'])}: {_e(_int(r['customers']))} customers "
            f"({_e(_pct(share))})</title></rect>"
            f'<text x="{label_w + w1 + 8}" y="{y + 22}" font-size="13" '
            f'fill="#2d3748">{_e(_pct(share))} · {_e(_int(r["customers"]))}</text>'
            f'<rect class="bar bar-revenue" x="{x_rev}" y="{y + 6}" width="{w2}" '
            f'height="22" rx="4" fill="{colour}" fill-opacity="0.55" '
            f'stroke="{colour}"><title>{_e(r["segment_name"])}: '
            f"{_e(_brl(r['revenue']))} ({_e(_pct(rev))} of revenue)</title></rect>"
            f'<text x="{x_rev + w2 + 8}" y="{y + 22}" font-size="13" '
            f'fill="#2d3748">{_e(_pct(rev))} · {_e(_brl_compact(r["revenue"]))}</text>'
        )
    parts.append("</svg>")
    return (
        '<section id="sizes-section"><h2>1. How big is each segment?</h2>'
        '<p class="lead">Share of the customers in each segment, and share of '
        "the revenue they brought (all their purchases up to the as-of date). A "
        "segment whose revenue bar is longer than its customer bar spends more "
        "than the average customer.</p>"
        f'<div class="scroll">{"".join(parts)}</div></section>'
    )


def _profiles(data: ReportData) -> str:
    rows = _records(data.profiles)
    z = standardised_means(data.profiles, data.features)
    styles = {f: _feature_style(f) for f in data.features}
    head = "".join(
        f'<th><span class="swatch" style="background:{_colour(i)}"></span>'
        f"{_e(r['segment_name'])}</th>"
        for i, r in enumerate(rows)
    )
    body = []
    for feature in data.features:
        label, kind = styles[feature]
        cells = []
        for i, r in enumerate(rows):
            value = r[f"mean_{feature}"]
            zi = z[feature].iloc[i]
            zi = None if _missing(zi) else float(zi)
            bg, fg = _z_colour(zi)
            shown = _feature_value(kind, value)
            zt = "no data" if zi is None else f"{zi:+.2f} sd vs the other segments"
            cells.append(
                f'<td class="heat-cell" data-feature="{_e(feature)}" '
                f'data-segment="{_e(r["segment_name"])}" '
                f'style="background:{bg};color:{fg}" '
                f'title="{_e(r["segment_name"])}, {_e(label)}: mean {_e(shown)} '
                f'({_e(zt)})">{_e(shown)}</td>'
            )
        body.append(
            f'<tr><td class="text" title="{_e(feature)}">{_e(label)}</td>'
            f"{''.join(cells)}</tr>"
        )
    heatmap = (
        '<div class="scroll"><table class="heatmap" id="heatmap"><thead><tr>'
        f"<th>Feature (segment mean)</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
        '<p class="note">Colour: how far the segment’s mean stands from the '
        "average customer, in units of the spread between segments: <span "
        'class="scale"></span> blue = lower, orange = higher. Higher is not '
        "always better (e.g. days since last purchase, late deliveries).</p>"
    )
    snake_data = {
        "features": [styles[f][0] for f in data.features],
        "segments": [
            {
                "name": str(r["segment_name"]),
                "colour": _colour(i),
                "z": [
                    None if _missing(z[f].iloc[i]) else round(float(z[f].iloc[i]), 3)
                    for f in data.features
                ],
                "labels": [
                    _feature_value(styles[f][1], r[f"mean_{f}"]) for f in data.features
                ],
            }
            for i, r in enumerate(rows)
        ],
    }
    snake_json = json.dumps(snake_data, sort_keys=True, ensure_ascii=True)
    snake_json = snake_json.replace("<", "\\u003c").replace(">", "\\u003e")
    snake = (
        "<h3>Snake plot</h3>"
        '<p class="lead">The same standardised means as lines: each line is a '
        "segment; points above zero are above the average customer. Click a "
        "segment to hide or show it.</p>"
        '<div class="legend" id="snake-legend"></div><div id="snake" '
        'class="scroll"></div>'
        "<noscript><p class='note'>The snake plot needs JavaScript.</p></noscript>"
        f'<script type="application/json" id="snake-data">{snake_json}</script>'
    )
    table_head = "".join(
        f'<th class="sortable">{_e(r["segment_name"])}<br>'
        '<span style="font-weight:400">mean / median</span></th>'
        for r in rows
    )
    table_rows = []
    for feature in data.features:
        label, kind = styles[feature]
        cells = "".join(
            f'<td data-v="{_e(r[f"mean_{feature}"])}">'
            f"{_e(_feature_value(kind, r[f'mean_{feature}']))} / "
            f"{_e(_feature_value(kind, r.get(f'median_{feature}')))}</td>"
            for r in rows
        )
        table_rows.append(
            f'<tr><td class="text" data-v="{_e(label)}">{_e(label)} '
            f"<code>{_e(feature)}</code></td>{cells}</tr>"
        )
    table = (
        "<h3>Mean and median of every feature</h3>"
        '<div class="scroll"><table id="profile-table" class="sortable-table">'
        f'<thead><tr><th class="sortable text">Feature</th>{table_head}</tr>'
        f"</thead><tbody>{''.join(table_rows)}</tbody></table></div>"
    )
    return (
        '<section id="profiles"><h2>2. What are the segments like?</h2>'
        '<p class="lead">The average customer of each segment on every feature '
        "the model used. Cells show the segment mean in the feature’s own "
        f"units.</p>{heatmap}{snake}{table}</section>"
    )


def _rfm(data: ReportData) -> str:
    counts = {
        (int(r.r_score), int(r.fm_score)): int(r.customers)
        for r in data.rfm_grid.itertuples()
    }
    total = sum(counts.values()) or 1
    order = {
        str(name): i for i, name in enumerate(data.rfm_summary["rfm_segment"].tolist())
    }
    rows = []
    for r in range(5, 0, -1):
        cells = []
        for fm in range(1, 6):
            name = data.rfm_names.get((r, fm), "")
            n = counts.get((r, fm), 0)
            colour = _colour(order.get(name, 0))
            weight = 0.15 + 0.6 * min(1.0, n / total * 8)
            cells.append(
                f'<td class="rfm-cell" data-r="{r}" data-fm="{fm}" '
                f'style="background:{_mix(colour, weight)}" '
                f'title="R {r}, FM {fm}: {_e(name)}, {n:,} customers">'
                f'<div class="n">{n:,}</div><div>{_e(name)}</div></td>'
            )
        rows.append(f"<tr><th>R {r}</th>{''.join(cells)}</tr>")
    head = "".join(f"<th>FM {fm}</th>" for fm in range(1, 6))
    summary_rows = "".join(
        f'<tr><td class="text"><span class="swatch" style="background:'
        f'{_colour(i)}"></span>{_e(s["rfm_segment"])}</td>'
        f"<td>{_int(s['customers'])}</td><td>{_pct(s['customer_share'])}</td>"
        f"<td>{_pct(s['revenue_share'])}</td>"
        f'<td class="text">{_e(s["recommended_action"])}</td></tr>'
        for i, s in enumerate(_records(data.rfm_summary))
    )
    return (
        '<section id="rfm"><h2>3. The RFM grid</h2>'
        '<p class="lead">The classic view for comparison: every customer scored '
        "1-5 on recency (R, 5 = bought most recently) and on frequency and "
        "spend combined (FM, 5 = most orders and highest spend). Each cell shows "
        "its customers and the RFM segment it belongs to.</p>"
        '<div class="scroll"><table class="rfm" id="rfm-grid"><thead><tr>'
        f"<th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        "<h3>RFM segments</h3>"
        '<div class="scroll"><table id="rfm-summary"><thead><tr>'
        '<th class="text">RFM segment</th><th>Customers</th><th>Share</th>'
        '<th>Revenue share</th><th class="text">Recommended action</th></tr>'
        f"</thead><tbody>{summary_rows}</tbody></table></div></section>"
    )


def _lift_table(rows: list[dict], title: str) -> str:
    top = max([float(r["purchase_rate_lift"] or 0) for r in rows] + [1.0])
    body = []
    for r in rows:
        lift = r["purchase_rate_lift"]
        bar = (
            ""
            if lift is None
            else f'<span class="liftbar" style="width:{round(40 * float(lift) / top)}'
            f'px;background:{"#dd6b20" if float(lift) >= 1 else "#2b6cb0"}">'
            "</span>"
        )
        body.append(
            f'<tr class="lift-row" data-segmentation="{_e(r["segmentation"])}" '
            f'data-segment="{_e(r["segment_name"])}">'
            f'<td class="text">{_e(r["segment_name"])}</td>'
            f'<td title="{_e(_pct(r["customer_share"]))} of customers">'
            f"{_int(r['customers'])}</td>"
            f'<td title="{_e(_int(r["buyers"]))} buyers">'
            f"{_pct(r['purchase_rate'], 2)}</td>"
            f'<td class="liftcell">{bar}{_lift(lift)}</td>'
            f'<td title="{_e(_brl(r["revenue_per_customer"], 2))} per customer">'
            f"{_lift(r['revenue_lift'])}</td></tr>"
        )
    return (
        f"<div><h3>{_e(title)}</h3>"
        '<div class="scroll"><table class="lift"><thead><tr>'
        '<th class="text">Segment</th><th>Customers</th>'
        "<th>Bought again</th><th>Purchase lift</th>"
        "<th>Revenue lift</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div></div>"
    )


def _lift_section(data: ReportData) -> str:
    intro = (
        '<section id="lift"><h2>4. Do the segments predict who buys again?</h2>'
        '<p class="lead">A backtest: customers were segmented with the data up to '
        "a past date T, then we counted who bought in the following days. "
        "“Bought again” is the share of the segment that bought; lift is that "
        "rate divided by the rate of all customers (2.00× = twice as likely); "
        "revenue lift compares the revenue per customer the same way (hover a "
        "cell for the amounts). "
        "Segments with a clear spread of lifts are more useful for targeting.</p>"
    )
    if data.lift is None:
        return (
            intro + '<p class="note" id="lift-unavailable"><strong>Not run yet'
            "</strong>: the backtest is part of the monitoring run. Run "
            "<code>make drift</code> (<code>olist-seg drift</code>), then write "
            "this report again.</p></section>"
        )
    if data.lift.empty:
        return (
            intro + '<p class="note" id="lift-unavailable"><strong>Not available'
            "</strong>: the data does not cover a long enough period before the "
            "as-of date to run the backtest.</p></section>"
        )
    blocks = []
    rows = _records(data.lift)
    keys = sorted({(str(r["as_of_date"]), int(r["horizon_days"])) for r in rows})
    for as_of, horizon in keys:
        group = [
            r
            for r in rows
            if str(r["as_of_date"]) == as_of and int(r["horizon_days"]) == horizon
        ]
        behavioural = [r for r in group if r["segmentation"] == "behavioural"]
        rfm = [r for r in group if r["segmentation"] == "rfm"]
        other = [r for r in group if r["segmentation"] not in ("behavioural", "rfm")]
        tables = _lift_table(behavioural, "Behavioural segments") + _lift_table(
            rfm, "RFM segments"
        )
        if other:
            tables += _lift_table(other, "Other segmentations")
        best = []
        for label, part in (("behavioural", behavioural), ("RFM", rfm)):
            lifts = [
                float(r["purchase_rate_lift"])
                for r in part
                if r["purchase_rate_lift"] is not None
            ]
            if lifts:
                best.append(
                    f"best {label} segment {max(lifts):.2f}×, worst {min(lifts):.2f}×"
                )
        blocks.append(
            f'<div class="lift-block" data-as-of="{_e(as_of)}" '
            f'data-horizon="{horizon}"><h3>Segments at T = {_e(as_of)}, purchases '
            f"in the next {horizon} days</h3>"
            f'<p class="note">{_e("; ".join(best))}</p>'
            f'<div class="grid2">{tables}</div></div>'
        )
    return intro + "".join(blocks) + "</section>"


def _cards(data: ReportData) -> str:
    rows = _records(data.profiles)
    z = standardised_means(data.profiles, data.features)
    cards = []
    for i, r in enumerate(rows):
        ranked = sorted(
            (
                (abs(float(z[f].iloc[i])), f, float(z[f].iloc[i]))
                for f in data.features
                if not _missing(z[f].iloc[i])
            ),
            key=lambda item: (-item[0], item[1]),
        )[:3]
        traits = "".join(
            f"<li>{_e(_feature_style(f)[0])}: "
            f"{_e(_feature_value(_feature_style(f)[1], r[f'mean_{f}']))} "
            f"({'higher' if zf > 0 else 'lower'} than most segments)</li>"
            for _, f, zf in ranked
            if abs(zf) >= 0.5
        )
        cards.append(
            f'<article class="card segment-card" style="--c:{_colour(i)}" '
            f'data-segment-id="{_e(r["segment_id"])}">'
            f"<h3>{_e(r['segment_name'])}</h3>"
            f'<div class="facts">{_e(_int(r["customers"]))} customers '
            f"({_e(_pct(r['customer_share']))}) · {_e(_pct(r['revenue_share']))} "
            "of revenue</div>"
            f'<div class="label">Who they are</div><div>{_e(r["description"])}</div>'
            + (
                f'<div class="label">Stands out on</div><ul>{traits}</ul>'
                if traits
                else ""
            )
            + '<div class="label">Recommended action</div>'
            f'<div class="action">{_e(r["recommended_action"])}</div></article>'
        )
    return (
        '<section id="segments"><h2>5. The segments and what to do</h2>'
        '<p class="lead">One card per segment: who the customers are and the '
        f'recommended marketing action.</p><div class="cards">{"".join(cards)}'
        f"</div>{_export_links(data)}</section>"
    )


def _export_links(data: ReportData) -> str:
    """Render links to the customer lists exported for this build."""
    if not data.exports:
        return (
            '<p class="exports">Customer lists: none exported for this build '
            "yet. <code>olist-seg export --segment NAME</code> writes one (CSV "
            "and Parquet) next to this report.</p>"
        )
    items = []
    for e in data.exports:
        filters = "; ".join(
            f"{k.lstrip('-')}: {', '.join(v)}" for k, v in e.get("filters", {}).items()
        )
        links = " · ".join(
            f'<a href="{_e(EXPORTS_FOLDER)}/{_e(e["folder"])}/{_e(f)}">{_e(f)}</a>'
            for f in e.get("files", [])
        )
        items.append(
            f"<li><strong>{_e(filters or 'all customers')}</strong>: "
            f"{_e(_int(e.get('customers', 0)))} customers ({links})</li>"
        )
    return (
        '<div class="exports"><div class="label">Customer lists for campaigns '
        f"(made with <code>olist-seg export</code>)</div><ul>{''.join(items)}</ul>"
        "</div>"
    )


def _moves(data: ReportData) -> str:
    """Render the behavioural segments' migration matrix since the last date."""
    head = '<section id="moves"><h2>6. How customers moved</h2>'
    migration = data.migration
    if migration is None or migration.empty:
        return (
            head + '<p class="lead">No earlier as-of date in the segment history '
            "yet: the next build at a later date shows who moved between "
            "segments.</p></section>"
        )
    since = str(migration["from_as_of_date"].iloc[0])[:10]
    behavioural = migration[migration["segmentation"] == "behavioural"]
    order = [str(n) for n in data.profiles["segment_name"]]
    sources = ["(new customer)"] + [
        n for n in order if n in set(behavioural["from_segment"])
    ]
    sources += sorted(set(behavioural["from_segment"]) - set(sources))
    targets = order + sorted(set(behavioural["to_segment"]) - set(order))
    cells = {
        (str(r.from_segment), str(r.to_segment)): (
            int(r.customers),
            r.share_of_from_segment,
        )
        for r in behavioural.itertuples()
    }
    header = "".join(f"<th>{_e(t)}</th>" for t in targets)
    rows = []
    for source in sources:
        tds = []
        for target in targets:
            count, share = cells.get((source, target), (0, 0.0))
            style = "" if source == target else ' class="move"'
            tds.append(
                f"<td{style}>{_e(_int(count))}<br><small>{_e(_pct(share, 0))}"
                "</small></td>"
            )
        rows.append(f"<tr><th>{_e(source)}</th>{''.join(tds)}</tr>")
    flows = (
        migration[
            ~migration["is_stay"].astype(bool)
            & (migration["from_segment"] != "(new customer)")
        ]
        .sort_values(
            ["segmentation", "customers", "from_segment", "to_segment"],
            ascending=[True, False, True, True],
        )
        .groupby("segmentation")
        .head(3)
    )
    largest = "".join(
        f"<li>{_e(r.segmentation)}: {_e(r.from_segment)} → {_e(r.to_segment)}: "
        f"{_e(_int(r.customers))} customers ({_e(_pct(r.share_of_from_segment, 0))} "
        f"of {_e(r.from_segment)})</li>"
        for r in flows.itertuples()
    )
    return (
        head + f'<p class="lead">Where the customers of {_e(since)} are as of '
        f"{_e(data.as_of_date)}: rows are the segment then, columns the segment "
        "now, each cell the customers and their share of the row.</p>"
        f'<table class="moves"><thead><tr><th>then → now</th>{header}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
        + (f"<p>Largest moves:</p><ul>{largest}</ul>" if largest else "")
        + "</section>"
    )


def _yes_no(value: object) -> str:
    if _missing(value):
        return '<span class="pill">–</span>'
    return (
        '<span class="pill yes">yes</span>'
        if value
        else '<span class="pill no">no</span>'
    )


def _td(sort_value: object, shown: str) -> str:
    """Return a cell showing ``shown`` (already HTML), sorted by ``sort_value``."""
    return f'<td data-v="{_e(sort_value)}">{shown}</td>'


def _selection(data: ReportData) -> str:
    body = []
    for r in _records(data.selection):
        chosen = bool(r["is_chosen"])
        body.append(
            f'<tr class="candidate{" chosen" if chosen else ""}">'
            f'<td class="text" data-v="{_e(r["algorithm"])}">'
            f"{_e(ALGORITHMS.get(r['algorithm'], r['algorithm']))}"
            f"{' ★ chosen' if chosen else ''}</td>"
            + _td(r["n_segments"], _int(r["n_segments"]))
            + _td(r["silhouette"], _num(r["silhouette"], 3))
            + _td(r["davies_bouldin"], _num(r["davies_bouldin"], 3))
            + _td(r["calinski_harabasz"], _num(r["calinski_harabasz"], 0))
            + _td(r["stability_ari"], _num(r["stability_ari"], 3))
            + _td(r["min_segment_share"], _pct(r["min_segment_share"]))
            + _td(int(bool(r["is_deployable"])), _yes_no(r["is_deployable"]))
            + _td(int(bool(r["is_eligible"])), _yes_no(r["is_eligible"]))
            + f'<td class="text" data-v="{_e(r["parameters"])}"><code>'
            f"{_e(r['parameters'])}</code></td></tr>"
        )
    rule = data.chosen.get("choice_rule") or ""
    return (
        '<section id="model-selection"><h2>7. How the model was chosen</h2>'
        '<p class="lead">Every candidate tried for this model version. '
        "Silhouette (higher is better) and Davies–Bouldin (lower is better) "
        "measure how well separated the segments are; stability (adjusted Rand "
        "index) how much the segments stay the same when the model is refit on "
        "resampled customers; eligible candidates pass the minimum quality and "
        "segment-size rules, deployable ones can score new customers. Click a "
        "column to sort.</p>"
        + (f'<p class="note">Choice rule: {_e(rule)}</p>' if rule else "")
        + '<div class="scroll"><table id="selection" class="sortable-table">'
        '<thead><tr><th class="sortable text">Algorithm</th>'
        '<th class="sortable">k</th><th class="sortable">Silhouette</th>'
        '<th class="sortable">Davies–Bouldin</th>'
        '<th class="sortable">Calinski–Harabasz</th>'
        '<th class="sortable">Stability</th>'
        '<th class="sortable">Smallest segment</th>'
        '<th class="sortable">Deployable</th><th class="sortable">Eligible</th>'
        '<th class="sortable text">Parameters</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></section>"
    )


# ------------------------------------------------------- refresh and drift


def _weeks(n: int) -> str:
    return f"{n} week" if n == 1 else f"{n} weeks"


def _g(value: object) -> str:
    return "–" if _missing(value) else f"{float(value):g}"


def default_recommendation(recommendation: pd.DataFrame) -> dict | None:
    """Return THE recommendation: the default threshold, all customers.

    Args:
        recommendation: ``stability_recommendation`` rows.

    Returns:
        The row with ``is_default_threshold`` and population
        :data:`STABILITY_POPULATION` as a dict, or None when there is none.
    """
    if recommendation.empty:
        return None
    rows = [
        r
        for r in _records(recommendation)
        if r.get("is_default_threshold")
        and r.get("population", STABILITY_POPULATION) == STABILITY_POPULATION
    ]
    return rows[0] if rows else None


def refresh_headline(recommendation: dict) -> str:
    """Say the recommended refresh interval in plain words for a marketer.

    Args:
        recommendation: A ``stability_recommendation`` row (see
            :func:`default_recommendation`).

    Returns:
        One or two sentences of plain text (not HTML).
    """
    weeks = int(recommendation["recommended_interval_weeks"])
    per_year = recommendation.get("refits_per_year")
    per_year = math.ceil(52 / max(weeks, 1)) if _missing(per_year) else int(per_year)
    refits = f"{per_year} refit{'' if per_year == 1 else 's'} a year"
    threshold = f"{float(recommendation['ari_threshold']):g}"
    starts = int(recommendation["start_dates"])
    every = (
        "the one start date simulated"
        if starts == 1
        else f"every one of the {starts} start dates simulated"
    )
    limiting = recommendation.get("limiting_start_date") or "one start date"
    if weeks == 0:
        of = "" if starts == 1 else f" (one of the {starts} start dates simulated)"
        return (
            f"Refit the segmentation every week ({refits}): the frozen segments "
            f"already differ from a fresh fit (ARI below {threshold}) after one "
            f"week from {limiting}{of}."
        )
    if recommendation.get("is_lower_bound"):
        return (
            f"Refit the segmentation every {_weeks(weeks)} (about {refits}): the "
            f"frozen segments agree with a fresh fit (ARI ≥ {threshold}) for at "
            f"least {_weeks(weeks)} from {every}. From {limiting} the ARI never "
            f"fell below {threshold} within the {_weeks(weeks)} simulated, so "
            "the real interval may be longer."
        )
    text = (
        f"Refit the segmentation every {_weeks(weeks)} (about {refits}): the "
        f"frozen segments agree with a fresh fit (ARI ≥ {threshold}) for "
        f"{_weeks(weeks)} from {every}. From {limiting} they fell below "
        f"{threshold} in week {weeks + 1}."
    )
    robust = recommendation.get("robust_interval_weeks")
    if not _missing(robust) and int(robust) > weeks:
        text += (
            f" Not counting weeks in which fresh fits with different seeds "
            f"disagreed among themselves, the interval is {_weeks(int(robust))}."
        )
    return text


def drift_table_horizons(horizons: Iterable[int]) -> list[int]:
    """Pick the horizons (weeks) the simulated drift table shows.

    Args:
        horizons: The horizons of ``stability_drift``.

    Returns:
        Those of :data:`DRIFT_HORIZONS` that were simulated, then the largest
        simulated horizon when it is not one of them; never horizon 0.
    """
    available = sorted({int(h) for h in horizons if int(h) > 0})
    if not available:
        return []
    shown = [h for h in DRIFT_HORIZONS if h in available]
    if available[-1] not in shown:
        shown.append(available[-1])
    return shown


def _level_pill(level: object) -> str:
    if _missing(level):
        return '<span class="pill">–</span>'
    return (
        f'<span class="pill {DRIFT_LEVEL_PILLS.get(str(level), "")}">{_e(level)}</span>'
    )


def _interval_text(weeks: object, censored: object) -> str:
    if _missing(weeks):
        return "–"
    return f"≥ {_weeks(int(weeks))}" if censored else _weeks(int(weeks))


def _ari_chart(
    ari: pd.DataFrame, intervals: pd.DataFrame, threshold: float | None
) -> str:
    """Return the ARI decay curves (a line per start date): legend and SVG."""
    width, height, left, right, top, bottom = 1000, 380, 70, 24, 18, 56
    starts = sorted(str(s) for s in ari["start_date"].unique())
    max_h = max(int(ari["horizon_weeks"].max()), 1)
    low = min(0.0, math.floor(float(ari["ari"].min()) * 5) / 5)

    def x(h: float) -> float:
        return round(left + h * (width - left - right) / max_h, 1)

    def y(v: float) -> float:
        return round(top + (1 - v) * (height - top - bottom) / (1 - low), 1)

    label = (
        "Adjusted Rand index between the frozen segments and a refit, by weeks "
        f"since the start date, one line per start date ({len(starts)})"
        + (f"; dashed line: threshold {threshold:g}" if threshold is not None else "")
    )
    parts = [
        f'<svg id="ari-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}"><title>{_e(label)}</title>'
    ]
    for k in range(round(low * 5), 6):
        v = k / 5
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v)}" y2="{y(v)}" '
            f'stroke="{"#a0aec0" if k == 0 else "#e2e6ec"}"/>'
            f'<text x="{left - 8}" y="{y(v) + 4}" text-anchor="end" '
            f'font-size="12" fill="#5a6475">{v:.1f}</text>'
        )
    step = max(1, math.ceil(max_h / 13))
    for h in range(0, max_h + 1, step):
        parts.append(
            f'<line x1="{x(h)}" x2="{x(h)}" y1="{top}" y2="{height - bottom}" '
            'stroke="#f0f2f5"/>'
            f'<text x="{x(h)}" y="{height - bottom + 18}" text-anchor="middle" '
            f'font-size="12" fill="#5a6475">{h}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 12}" '
        'text-anchor="middle" font-size="13" fill="#2d3748">Weeks since the '
        "start date (the model frozen that day)</text>"
        f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
        f'font-size="13" fill="#2d3748" transform="rotate(-90 16 '
        f'{(top + height - bottom) / 2})">ARI frozen vs refit</text>'
    )
    if threshold is not None:
        parts.append(
            f'<line class="ari-threshold" x1="{left}" x2="{width - right}" '
            f'y1="{y(threshold)}" y2="{y(threshold)}" stroke="#c53030" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{width - right - 4}" y="{y(threshold) + 16}" '
            'text-anchor="end" font-size="12" fill="#c53030">threshold '
            f"{threshold:g}</text>"
        )
    legend = []
    for i, start in enumerate(starts):
        rows = _records(ari[ari["start_date"].astype(str) == start])
        colour = _colour(i)
        points = " ".join(f"{x(r['horizon_weeks'])},{y(r['ari'])}" for r in rows)
        dots = "".join(
            f'<circle cx="{x(r["horizon_weeks"])}" cy="{y(r["ari"])}" r="2.5" '
            f'fill="{colour}"><title>{_e(start)}, week {int(r["horizon_weeks"])}: '
            f"ARI {float(r['ari']):.3f} ({_e(_int(r['customers']))} customers)"
            "</title></circle>"
            for r in rows
        )
        parts.append(
            f'<g class="ari-series" data-start-date="{_e(start)}">'
            f'<polyline class="ari-line" data-start-date="{_e(start)}" '
            f'points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f"{dots}</g>"
        )
        interval = ""
        if threshold is not None and not intervals.empty:
            match = intervals[
                (intervals["start_date"].astype(str) == start)
                & ((intervals["ari_threshold"] - threshold).abs() < 1e-9)
            ]
            if not match.empty:
                r = _records(match)[0]
                interval = f" · {_interval_text(r['interval_weeks'], r['is_censored'])}"
        legend.append(
            f'<span class="ari-legend-item" data-start-date="{_e(start)}">'
            f'<span class="swatch" style="background:{colour}"></span>'
            f"{_e(start)}{_e(interval)}</span>"
        )
    parts.append("</svg>")
    return (
        f'<div class="legend" id="ari-legend">{"".join(legend)}</div>'
        f'<div class="scroll">{"".join(parts)}</div>'
    )


def _sensitivity(recommendation: pd.DataFrame) -> str:
    body = []
    for r in _records(recommendation):
        default = bool(r.get("is_default_threshold"))
        low, high = r["recommended_interval_weeks"], r["longest_interval_weeks"]
        if _missing(low) or _missing(high):
            spread = "–"
        elif int(low) == int(high):
            spread = f"{_weeks(int(low))} (all the same)"
        else:
            spread = f"{int(low)}–{_weeks(int(high))}"
        bound = r.get("is_lower_bound")
        bound = "–" if _missing(bound) else ("yes" if bound else "no")
        body.append(
            f'<tr class="sensitivity-row{" chosen" if default else ""}" '
            f'data-threshold="{float(r["ari_threshold"]):g}" '
            f'data-weeks="{_e(r["recommended_interval_weeks"])}">'
            f"<td>ARI ≥ {float(r['ari_threshold']):g}"
            f"{' ★ default' if default else ''}</td>"
            f"<td>{_e(_interval_text(low, r.get('is_lower_bound')))}</td>"
            f"<td>{_e(spread)}</td>"
            f"<td>{_e(_num(r.get('mean_interval_weeks'), 1))}</td>"
            f"<td>{_e(_int(r.get('refits_per_year')))}</td>"
            f'<td><span class="pill">{bound}</span></td>'
            f'<td class="text">{_e(r.get("limiting_start_date") or "–")}</td></tr>'
        )
    return (
        "<h3>How the interval depends on the threshold</h3>"
        '<p class="lead">A stricter threshold (higher ARI) asks the frozen '
        "segments to stay closer to a refit, so it gives a shorter interval. "
        "The interval is the shortest over the start dates; the spread shows "
        "the shortest and longest. A lower bound means the ARI never fell "
        "below the threshold within the weeks simulated.</p>"
        '<div class="scroll"><table id="refresh-sensitivity"><thead><tr>'
        "<th>Threshold</th><th>Refit every</th><th>Spread across start dates"
        "</th><th>Mean (weeks)</th><th>Refits a year</th><th>Lower bound</th>"
        '<th class="text">Shortest from</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _simulated_drift(drift: pd.DataFrame) -> str:
    horizons = drift_table_horizons(drift["horizon_weeks"])
    if not horizons:
        return ""
    starts = drift["start_date"].nunique()
    top = (
        drift[drift["horizon_weeks"].isin(horizons)]
        .sort_values(["psi", "start_date"], ascending=[False, True])
        .drop_duplicates(["feature", "horizon_weeks"])
    )
    cells = {(r["feature"], int(r["horizon_weeks"])): r for r in _records(top)}
    last = horizons[-1]
    features = sorted(
        top["feature"].unique(),
        key=lambda f: (-float((cells.get((f, last)) or {}).get("psi") or 0), f),
    )
    body = []
    for feature in features:
        row = []
        for h in horizons:
            r = cells.get((feature, h))
            if r is None or _missing(r["psi"]):
                row.append(f'<td data-horizon="{h}">–</td>')
                continue
            row.append(
                f'<td data-horizon="{h}" data-v="{float(r["psi"]):.6f}" '
                f'title="Largest over the start dates: from {_e(r["start_date"])}">'
                f"{float(r['psi']):.3f} {_level_pill(r['drift_level'])}</td>"
            )
        body.append(
            f'<tr class="sim-drift-row" data-feature="{_e(feature)}">'
            f'<td class="text">{_e(_feature_style(str(feature))[0])} '
            f"<code>{_e(feature)}</code></td>{''.join(row)}</tr>"
        )
    head = "".join(f"<th>PSI after {_weeks(h)}</th>" for h in horizons)
    return (
        "<h3>How far the customers’ features drifted</h3>"
        '<p class="lead">Population stability index (PSI) of each feature '
        "against the features at the start date: below 0.1 stable, 0.1 to "
        "0.25 moderate, above 0.25 significant. Each cell is the largest over "
        f"the {starts} start dates (hover a cell for which one).</p>"
        '<div class="scroll"><table id="simulated-drift"><thead><tr>'
        f'<th class="text">Feature</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _refit_check(refresh: RefreshData, recommendation: dict | None) -> str:
    intro = (
        "<h3>Production check: is a refit due now?</h3>"
        '<p class="lead">Every build compares the current (frozen) model with a '
        "refit on today’s features and each feature with its values at "
        "training. A refit is due when the segments moved (ARI below the "
        "threshold), a feature drifted (PSI at or above its threshold) or the "
        "model is older than the refresh interval.</p>"
    )
    check = refresh.refit_check
    if check is None:
        return (
            intro + '<p class="note" id="drift-check-unavailable"><strong>Not '
            "available</strong>: this warehouse has no main.segment_refit_check. "
            "Run <code>make run</code> (or <code>make drift</code>) to build the "
            "drift check.</p>"
        )
    due = bool(check.get("is_refit_due"))
    ari, ari_threshold = check.get("ari_frozen_vs_refit"), check.get("ari_threshold")
    psi, psi_threshold = check.get("max_psi"), check.get("psi_threshold")
    weeks, interval = (
        check.get("weeks_since_training"),
        check.get("refresh_interval_weeks"),
    )
    psi_feature = check.get("max_psi_feature")
    psi_label = _feature_style(str(psi_feature))[0] if psi_feature else "–"

    def fact(value: str, label: str, bad: bool) -> str:
        return (
            f'<div class="fact{" bad" if bad else ""}"><div class="v">{_e(value)}'
            f'</div><div class="l">{_e(label)}</div></div>'
        )

    facts = "".join(
        [
            fact(
                _num(ari, 3),
                f"ARI frozen vs refit (threshold {_g(ari_threshold)})",
                not _missing(ari)
                and not _missing(ari_threshold)
                and float(ari) < float(ari_threshold),
            ),
            fact(
                _num(psi, 3),
                f"largest PSI: {psi_label} (threshold {_g(psi_threshold)})",
                not _missing(psi)
                and not _missing(psi_threshold)
                and float(psi) >= float(psi_threshold),
            ),
            fact(
                f"{_int(weeks)} of {_int(interval)}",
                f"weeks since training on {check.get('trained_as_of_date')} "
                f"(features as of {check.get('as_of_date')}) vs refresh interval",
                not _missing(weeks)
                and not _missing(interval)
                and int(weeks) > int(interval),
            ),
            fact(
                _int(check.get("new_customers")),
                f"new customers since training, of {_int(check.get('customers'))}",
                False,
            ),
        ]
    )
    verdict = (
        f'<div class="callout verdict {"due" if due else "ok"}" id="refit-verdict" '
        f'data-refit-due="{"true" if due else "false"}">'
        f'<span class="pill {"no" if due else "yes"}">'
        f"{'Refit due' if due else 'No refit due'}</span> "
        f"{_e(check.get('verdict'))}</div>"
    )
    notes = []
    if check.get("drifted_features"):
        notes.append(f"Drifted features: {_e(check['drifted_features'])}.")
    if recommendation is not None and not _missing(interval):
        simulated = int(recommendation["recommended_interval_weeks"])
        if simulated != int(interval):
            notes.append(
                f"The age rule uses the configured interval of "
                f"{_e(_weeks(int(interval)))} (dbt var "
                "<code>segment_refresh_interval_weeks</code>); the simulation "
                "above recommends "
                f"{_e(_interval_text(simulated, recommendation.get('is_lower_bound')))}"
                "."
            )
    body = []
    for r in _records(refresh.segment_drift):
        label, kind = _feature_style(str(r["feature"]))
        missing = (
            f"{_pct(r.get('reference_missing_share'))} → "
            f"{_pct(r.get('current_missing_share'))}"
        )
        body.append(
            f'<tr class="drift-row{" drifted" if r.get("is_drifted") else ""}" '
            f'data-feature="{_e(r["feature"])}">'
            f'<td class="text" data-v="{_e(label)}">{_e(label)} '
            f"<code>{_e(r['feature'])}</code></td>"
            + _td(r["psi"], _num(r["psi"], 3))
            + _td(r["drift_level"], _level_pill(r["drift_level"]))
            + _td(r.get("ks_statistic"), _num(r.get("ks_statistic"), 3))
            + _td(
                r.get("reference_mean"),
                _e(_feature_value(kind, r.get("reference_mean"))),
            )
            + _td(
                r.get("current_mean"), _e(_feature_value(kind, r.get("current_mean")))
            )
            + _td(r.get("current_missing_share"), _e(missing))
            + "</tr>"
        )
    table = (
        '<div class="scroll"><table id="segment-drift" class="sortable-table">'
        '<thead><tr><th class="sortable text">Feature</th>'
        '<th class="sortable">PSI</th><th class="sortable">Level</th>'
        '<th class="sortable">KS</th><th class="sortable">Mean at training</th>'
        '<th class="sortable">Mean now</th>'
        '<th class="sortable">Missing (training → now)</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        if body
        else '<p class="note">main.segment_drift has no rows.</p>'
    )
    return (
        intro
        + verdict
        + f'<div class="facts-grid">{facts}</div>'
        + "".join(f'<p class="note">{n}</p>' for n in notes)
        + "<h3>Feature drift since training</h3>"
        + table
    )


def _refresh_section(data: ReportData) -> str:
    refresh = data.refresh
    recommendation = default_recommendation(refresh.recommendation)
    parts = [
        '<section id="refresh"><h2>8. Refresh interval and drift</h2>'
        '<p class="lead">The segments are frozen when the model is trained: '
        "every customer keeps being scored by the same model while new "
        "purchases come in. How long until a model refit on fresh data would "
        "group the customers differently? The adjusted Rand index (ARI) "
        "measures how much two segmentations agree: 1 = the same segments, "
        "0 = no better than chance.</p>"
    ]
    if not refresh.has_simulation:
        absent = [t for t in STABILITY_TABLES if t in refresh.missing]
        parts.append(
            '<p class="note callout" id="stability-unavailable"><strong>'
            "Refresh-interval simulation not run</strong>: this warehouse has no "
            f"{_e(', '.join('main.' + t for t in absent))}. Run <code>make "
            "stability</code> "
            "(it takes minutes on the real data) to simulate how fast the "
            "segments age and to get the recommended refresh interval.</p>"
        )
    else:
        if recommendation is None:
            parts.append(
                '<p class="note" id="refresh-headline-unavailable">'
                "main.stability_recommendation has no row for the default "
                "threshold and all customers.</p>"
            )
        else:
            parts.append(
                "<h3>Recommended refresh interval</h3>"
                '<p class="callout" id="refresh-headline" data-weeks="'
                f'{int(recommendation["recommended_interval_weeks"])}">'
                f"{_e(refresh_headline(recommendation))}</p>"
            )
        threshold = (
            None if recommendation is None else float(recommendation["ari_threshold"])
        )
        ari = refresh.ari.dropna(subset=["ari"]) if not refresh.ari.empty else None
        if ari is not None and not ari.empty:
            parts.append(
                "<h3>How fast the segments drift from a refit</h3>"
                '<p class="lead">From each start date, the model trained that '
                "day was frozen and compared, week after week, with a model refit "
                "on that week’s data (all customers known at the time). The "
                "legend gives each start date’s interval at the default "
                "threshold; hover a point for its ARI.</p>"
                + _ari_chart(ari, refresh.intervals, threshold)
            )
        if not refresh.recommendation.empty:
            parts.append(_sensitivity(refresh.recommendation))
        if not refresh.drift.empty:
            parts.append(_simulated_drift(refresh.drift))
    parts.append(_refit_check(refresh, recommendation))
    parts.append("</section>")
    return "".join(parts)


def render_html(data: ReportData) -> str:
    """Return the report as one self-contained HTML document.

    Args:
        data: What :func:`load_report_data` read.

    Returns:
        The HTML text; the same data always gives the same text.
    """
    title = f"Customer segments, as of {data.as_of_date}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>"
        f"<script>{ERROR_HOOK}</script><style>{CSS}</style></head>"
        '<body data-rendered="pending">'
        f"{_header(data)}<main>"
        f"{_sizes(data)}{_profiles(data)}{_rfm(data)}{_lift_section(data)}"
        f"{_cards(data)}{_moves(data)}{_selection(data)}{_refresh_section(data)}"
        "<footer>Olist customer segmentation · model version "
        f"{data.model_version} · data as of {_e(data.as_of_date)}. Amounts in "
        "Brazilian reais (R$); revenue = payments of qualifying orders.</footer>"
        f"</main><script>{JS}</script></body></html>\n"
    )


def build_report(warehouse: Path | None, out: Path) -> Path:
    """Write the marketing report of a built warehouse to ``out``.

    Args:
        warehouse: The DuckDB file (opened read-only); None = default
            (``$OLIST_DUCKDB_PATH`` or ``warehouse/olist.duckdb``).
        out: The HTML file to write; its folder is created.

    Returns:
        ``out``.

    Raises:
        ReportError: The warehouse is missing or lacks a table the report
            needs (the message names it and says to run ``make run``).
    """
    out = Path(out)
    data = load_report_data(warehouse)
    data.exports = [
        e
        for e in find_exports(out.parent / EXPORTS_FOLDER)
        if e.get("as_of_date") == data.as_of_date[:10]
    ]
    text = render_html(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def check_report(html_file: Path) -> PageReport:
    """Open a report in headless Chromium; return its errors and final DOM.

    Args:
        html_file: The HTML file.

    Returns:
        What Chromium saw: console errors, uncaught exceptions, failed or
        external requests, the ``rendered`` marker (``"ok"`` once the
        report's script has drawn everything) and the DOM.

    Raises:
        chromium.ChromiumError: No Chromium (run ``make chromium``) or it
            failed.
    """
    return chromium.inspect_page(html_file)


def screenshot(html_file: Path, png: Path) -> Path:
    """Write a full-page PNG of the report (headless Chromium ``--screenshot``).

    Args:
        html_file: The HTML file.
        png: The PNG to write.

    Returns:
        ``png``.

    Raises:
        chromium.ChromiumError: No Chromium (run ``make chromium``) or it
            wrote no image.
    """
    return chromium.screenshot(html_file, png)
