"""Campaign exports: the customer lists a marketer loads into a campaign tool.

``olist-seg export`` reads the served warehouse (read-only) and writes one
folder with ``customers.csv``, ``customers.parquet`` and ``export.json``
(what was selected, from which build). Rows come in the order to contact
customers: highest expected revenue first (``customer_predictions``).
Filters are bound as query parameters and checked against the values the
warehouse holds, so a typo gets the list of valid values instead of an
empty file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from olist_segmentation import campaign
from olist_segmentation.errors import OlistError
from olist_segmentation.warehouse import connect

#: The export's columns, in order; one row per customer.
EXPORT_SQL = """
select
    segments.customer_unique_id,
    segments.segment_name as behavioural_segment,
    definitions.definition as behavioural_definition,
    definitions.recommended_action as behavioural_action,
    rfm.rfm_segment,
    rfm_summary.recommended_action as rfm_action,
    actions.next_best_action,
    actions.action_label as next_step,
    actions.is_sales_message,
    actions.what_to_send,
    actions.reason as next_step_reason,
    actions.contact_priority,
    customers.city,
    customers.state,
    rfm.last_purchase_date,
    rfm.recency_days,
    rfm.frequency as orders,
    rfm.monetary as spend_brl,
    predictions.value_tier,
    predictions.value_rank,
    predictions.purchase_probability,
    predictions.expected_purchases,
    predictions.expected_order_value,
    predictions.expected_revenue,
    predictions.horizon_days as prediction_horizon_days,
    predictions.prediction_model_version,
    segments.as_of_date,
    segments.model_version,
    segments.definition_version
from main.customer_segments as segments
inner join main.customer_rfm as rfm
    on segments.customer_unique_id = rfm.customer_unique_id
inner join main.customers as customers
    on segments.customer_unique_id = customers.customer_unique_id
left join main.segment_definitions as definitions
    on segments.model_version = definitions.model_version
    and segments.segment_id = definitions.segment_id
left join main.rfm_segment_summary as rfm_summary
    on rfm.rfm_segment = rfm_summary.rfm_segment
left join main.customer_predictions as predictions
    on segments.customer_unique_id = predictions.customer_unique_id
left join main.customer_next_best_action as actions
    on segments.customer_unique_id = actions.customer_unique_id
"""
#: Whom to contact first: highest expected revenue (value_rank 1) first.
EXPORT_ORDER = " order by value_rank nulls last, customer_unique_id"
#: Filter option -> (column of the export, what the user calls it).
FILTERS = {
    "segments": ("behavioural_segment", "--segment"),
    "rfm_segments": ("rfm_segment", "--rfm-segment"),
    "states": ("state", "--state"),
    "value_tiers": ("value_tier", "--value-tier"),
    "actions": ("next_best_action", "--action"),
}


#: Decimals written to the CSV: money in reais (2), probabilities and
#: expected counts (4). The Parquet file keeps full precision.
CSV_DECIMALS = {
    "spend_brl": 2,
    "expected_order_value": 2,
    "expected_revenue": 2,
    "purchase_probability": 4,
    "expected_purchases": 4,
}


class ExportError(OlistError):
    """The export cannot be written as asked (the message says why)."""


class EmptyExportError(ExportError):
    """The filters match nobody; nothing was written (the message has the counts)."""


@dataclass
class ExportResult:
    """What an export wrote."""

    folder: Path
    rows: int
    files: list[Path] = field(default_factory=list)
    #: Customers held out as the control group (control.csv), not in ``rows``.
    control_rows: int = 0
    control_share: float = 0.0


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def default_folder(root: Path, filters: dict[str, list[str]]) -> Path:
    """Return ``root/<name>``: ``all``, or the filters, e.g. ``state-sp``."""
    parts = [
        f"{FILTERS[key][1].lstrip('-')}-{'+'.join(_slug(v) for v in values)}"
        for key, values in filters.items()
        if values
    ]
    return root / ("_".join(parts) if parts else "all")


def export_customers(
    out: Path,
    warehouse: Path | None = None,
    segments: list[str] | None = None,
    rfm_segments: list[str] | None = None,
    states: list[str] | None = None,
    value_tiers: list[str] | None = None,
    actions: list[str] | None = None,
    allow_empty: bool = False,
    control_share: float = 0.0,
    control_seed: int = campaign.DEFAULT_CONTROL_SEED,
    read_from: str | None = None,
) -> ExportResult:
    """Write the customers matching every given filter to ``out``.

    Args:
        out: Folder to write (created; its export files are replaced).
        warehouse: The served DuckDB file (default as in ``olist-seg build``).
        segments: Behavioural segment names to keep (any of them).
        rfm_segments: RFM segment names to keep.
        states: Customer states (two letters, e.g. SP) to keep.
        value_tiers: Predicted value tiers (high, medium, low) to keep.
        actions: Next best actions (customer_next_best_action codes) to keep.
        allow_empty: Write the list even when the filters match nobody
            (otherwise :class:`EmptyExportError`, and nothing is written).
        control_share: Share of the list held out as a random control group
            (written to control.csv, not to customers.csv); 0 (the
            default here; ``olist-seg export`` holds out 0.10) holds out
            nobody. See :mod:`olist_segmentation.campaign`.
        control_seed: Seed of the control group's draw.
        read_from: Where the tables came from, for messages and the manifest
            (default: the DuckDB file; ``olist-seg export --target postgres``
            reads a snapshot and names the server).

    Returns:
        The folder, the number of customers and the files written.

    Raises:
        EmptyExportError: The filters together match nobody (the message
            gives the customers each filter matches alone).
        ExportError: A filter value the warehouse does not hold (the message
            lists the valid ones), or the folder cannot be written.
        WarehouseError: The warehouse is missing, locked or not built.
    """
    filters = {
        "segments": segments,
        "rfm_segments": rfm_segments,
        "states": states,
        "value_tiers": value_tiers,
        "actions": actions,
    }
    campaign.is_control(pd.Series([], dtype=str), control_share, control_seed)
    file, con = connect(warehouse)
    path = read_from or file
    try:
        try:
            frame = con.execute(EXPORT_SQL + EXPORT_ORDER).df()
            source = (
                campaign.warehouse_fingerprint(con, str(frame["as_of_date"].max())[:10])
                if len(frame)
                else None
            )
        except duckdb.CatalogException as error:
            raise ExportError(
                f"{path} lacks the segment tables ({error}). Run `make run` first."
            ) from error
    finally:
        con.close()
    keep = pd.Series(True, index=frame.index)
    chosen: dict[str, list[str]] = {}
    for key, values in filters.items():
        if not values:
            continue
        column, option = FILTERS[key]
        known = sorted(str(v) for v in frame[column].dropna().unique())
        by_lower = {v.lower(): v for v in known}
        unknown = [v for v in values if v.lower() not in by_lower]
        if unknown:
            raise ExportError(
                f"{option} {', '.join(repr(v) for v in unknown)}: no such value in "
                f"{path}. Valid values: {', '.join(known)}."
            )
        chosen[option] = [by_lower[v.lower()] for v in values]
        keep &= frame[column].isin(chosen[option])
    selected = frame[keep].reset_index(drop=True)
    if selected.empty and not allow_empty:
        raise EmptyExportError(_empty_message(frame, chosen, path))
    selected, control = campaign.split_control(selected, control_share, control_seed)
    files = [out / "customers.csv", out / "customers.parquet", out / "export.json"]
    manifest = {
        "warehouse": str(path),
        "as_of_date": str(frame["as_of_date"].max())[:10] if len(frame) else None,
        "model_version": int(frame["model_version"].max()) if len(frame) else None,
        "definition_version": (
            int(frame["definition_version"].max()) if len(frame) else None
        ),
        "segment_definitions": {
            str(name): str(definition)
            for name, definition in sorted(
                set(
                    zip(
                        frame["behavioural_segment"],
                        frame["behavioural_definition"],
                        strict=True,
                    )
                )
            )
        },
        "filters": chosen,
        "customers": len(selected),
        "columns": list(selected.columns),
        "files": [f.name for f in files[:2]],
        **campaign.control_manifest(
            control_share, control_seed, len(selected), len(control)
        ),
        "source": source,
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        selected.round(
            {k: v for k, v in CSV_DECIMALS.items() if k in selected.columns}
        ).to_csv(files[0], index=False, date_format="%Y-%m-%d")
        con = duckdb.connect()
        try:
            con.register("selected", selected)
            target = "'" + str(files[1]).replace("'", "''") + "'"
            # A scan of a pandas frame may run in parallel: order explicitly.
            con.execute(
                f"copy (select * from selected{EXPORT_ORDER}) to {target} "
                "(format parquet)"
            )
        finally:
            con.close()
        files[2].write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        files += _write_control(out, control, control_share)
    except OSError as error:
        raise ExportError(f"Cannot write the export to {out}: {error}") from error
    return ExportResult(out, len(selected), files, len(control), control_share)


def _write_control(out: Path, control: pd.DataFrame, share: float) -> list[Path]:
    """Write control.csv (or remove an earlier one); drop earlier results."""
    for stale in (campaign.CONTROL_FILE, campaign.RESULTS_JSON, campaign.RESULTS_MD):
        (out / stale).unlink(missing_ok=True)
    if share <= 0:
        return []
    path = out / campaign.CONTROL_FILE
    control.round(
        {k: v for k, v in CSV_DECIMALS.items() if k in control.columns}
    ).to_csv(path, index=False, date_format="%Y-%m-%d")
    return [path]


def _empty_message(
    frame: pd.DataFrame, chosen: dict[str, list[str]], path: Path | str
) -> str:
    """Say how many customers each filter matches alone, and together: none."""
    columns = {option: column for column, option in FILTERS.values()}
    counts = [
        f"{option} {' or '.join(values)}: "
        f"{int(frame[columns[option]].isin(values).sum()):,} customers"
        for option, values in chosen.items()
    ]
    return (
        f"No customer of {path} matches every filter at once "
        f"({len(frame):,} customers; {'; '.join(counts)}). Nothing was written. "
        "Fix: drop or change a filter, or pass --allow-empty to write the empty "
        "list on purpose."
    )


def find_exports(root: Path) -> list[dict]:
    """Return the manifests of the exports under ``root`` (for the report)."""
    found = []
    for manifest in sorted(root.glob("*/export.json")):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data["folder"] = manifest.parent.name
        found.append(data)
    return found
