"""Open a built DuckDB warehouse read-only and read its inputs back.

The served file is only ever read here; builds write a working copy that
:mod:`olist_segmentation.publish` swaps in.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from olist_segmentation import publish
from olist_segmentation.build import dbt_environment
from olist_segmentation.errors import WarehouseError

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


def read_table(
    con: duckdb.DuckDBPyConnection, sql: str, path: Path, hint: str
) -> pd.DataFrame:
    """Return the result of ``sql``; a missing table raises with ``hint``."""
    try:
        return con.execute(sql).df()
    except duckdb.CatalogException as error:
        raise WarehouseError(f"{path} lacks a table ({error}). {hint}") from error


def frozen_purchase_model(served: Path) -> int:
    """Return the purchase model version a build at ``served`` reuses, or 0.

    ``prediction_model_parameters`` fits a new version only when the table
    holds none (or on ``--refit``); this reads the same condition, so a
    build that finds a version here fits nothing and needs no training set.
    A missing or unreadable file, table or version gives 0 (fit).
    """
    if not served.exists():
        return 0
    try:
        con = duckdb.connect(str(served), read_only=True)
    except duckdb.Error:
        return 0
    try:
        version = con.execute(
            "select coalesce(max(prediction_model_version), 0) "
            "from main.prediction_model_parameters"
        ).fetchone()
    except duckdb.Error:
        return 0
    finally:
        con.close()
    return int(version[0]) if version else 0
