"""Campaign measurement: a random control group, and what the later data says.

``olist-seg export --control-share 0.10`` holds out a random tenth of the
list (:func:`split_control`): those customers go to ``control.csv``, not to
``customers.csv``, and must not be contacted. The manifest records the
share, the seed, the as-of date and a fingerprint of the data the list was
made from (:func:`warehouse_fingerprint`). ``olist-seg results`` reads the
list back (:func:`read_list`), the orders of a later data folder or
warehouse (:mod:`campaign_data`: it checks that they continue the data of
the export and that the horizon has elapsed), then compares contacted and
control (:mod:`campaign_stats`).

The assignment is a hash, not a random generator: a customer is in the
control group when ``md5("<customer_unique_id>/control/<seed>")``, read as
a fraction in [0, 1), is below the share. The same list and seed give the
same groups on any machine, in any order, and in SQL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from olist_segmentation.errors import OlistError

#: The file of the held-out customers, beside customers.csv.
CONTROL_FILE = "control.csv"
#: The list a marketer loads into the campaign tool.
CONTACTED_FILE = "customers.csv"
MANIFEST_FILE = "export.json"
RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"
#: Written in control.csv's ``holdout_reason`` column, on every row.
CONTROL_REASON = "held out: control group, do not contact"
DEFAULT_CONTROL_SHARE = 0.10
DEFAULT_CONTROL_SEED = 0
DEFAULT_HORIZON_DAYS = 90
#: Hex digits of the md5 read as the draw: 52 bits, exact in a double.
DRAW_HEX_DIGITS = 13
#: How the groups are drawn, in words (written into the manifest).
CONTROL_METHOD = (
    "control when int(md5('<customer_unique_id>/control/<seed>')[:13], 16) "
    "/ 16**13 < control_share"
)


class CampaignError(OlistError):
    """A list or later data the results command cannot measure (says why)."""


@dataclass(frozen=True)
class Fingerprint:
    """The qualifying orders placed before the as-of date, summarised.

    Two data sources with the same fingerprint hold the same history up to
    the as-of date (as far as these four numbers can tell).
    """

    orders: int
    customers: int
    revenue: str
    latest_purchase_date: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return the fingerprint as the manifest stores it."""
        return {
            "qualifying_orders": self.orders,
            "customers": self.customers,
            "revenue_brl": self.revenue,
            "latest_purchase_date": self.latest_purchase_date,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        """Read a fingerprint back from a manifest."""
        return cls(
            int(data["qualifying_orders"]),
            int(data["customers"]),
            str(data["revenue_brl"]),
            data["latest_purchase_date"],
        )


def control_draw(customer_unique_id: str, seed: int) -> float:
    """Return the customer's draw in [0, 1): the md5 of ``id/control/seed``."""
    digest = hashlib.md5(
        f"{customer_unique_id}/control/{seed}".encode(), usedforsecurity=False
    ).hexdigest()
    return int(digest[:DRAW_HEX_DIGITS], 16) / 16**DRAW_HEX_DIGITS


def is_control(ids: pd.Series, share: float, seed: int) -> pd.Series:
    """Return, for each customer id, whether it is held out as control.

    Args:
        ids: ``customer_unique_id`` values.
        share: Fraction held out, in [0, 1); 0 holds out nobody.
        seed: Another seed draws another, independent control group.
    """
    if not 0 <= share < 1:
        raise CampaignError(
            f"--control-share {share}: must be at least 0 and below 1 (0.10 "
            "holds out 10% of the list; 0 holds out nobody)."
        )
    return ids.map(lambda i: control_draw(str(i), seed) < share).astype(bool)


def split_control(
    selected: pd.DataFrame, share: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a list into (contacted, control); both keep the list's order.

    The control frame has a ``holdout_reason`` column after the id.
    """
    held = is_control(selected["customer_unique_id"], share, seed)
    contacted = selected[~held].reset_index(drop=True)
    control = selected[held].reset_index(drop=True)
    control.insert(1, "holdout_reason", CONTROL_REASON)
    return contacted, control


# -- the data behind a list ---------------------------------------------------

#: One row per order, every status: the columns the measurement needs.
WAREHOUSE_ORDERS_SQL = """
select order_id, customer_unique_id, order_status, purchase_date,
    cast(payment_total as decimal(18, 2)) as payment_total
from intermediate.int_orders_enriched
"""


def excluded_statuses(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the order statuses a built warehouse does not count as purchases."""
    rows = con.execute(
        "select distinct order_status from intermediate.int_orders_enriched "
        "where not is_qualifying order by 1"
    ).fetchall()
    return [str(row[0]) for row in rows]


def fingerprint(
    con: duckdb.DuckDBPyConnection, orders_sql: str, as_of: str, excluded: list[str]
) -> Fingerprint:
    """Summarise the qualifying orders of ``orders_sql`` placed before ``as_of``."""
    row = con.execute(
        f"""
        select count(distinct order_id), count(distinct customer_unique_id),
            coalesce(sum(payment_total), 0)::decimal(18, 2)::varchar,
            max(purchase_date)::varchar
        from ({orders_sql}) as orders
        where purchase_date < cast($as_of as date)
            and not list_contains($excluded, order_status)
        """,
        {"as_of": as_of, "excluded": excluded},
    ).fetchall()[0]
    assert row is not None
    return Fingerprint(int(row[0]), int(row[1]), str(row[2]), row[3])


def warehouse_fingerprint(con: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, Any]:
    """Return what ``results`` needs later about the warehouse of an export.

    Args:
        con: The export's warehouse (read-only).
        as_of: The list's as-of date (``YYYY-MM-DD``).
    """
    excluded = excluded_statuses(con)
    found = fingerprint(con, WAREHOUSE_ORDERS_SQL, as_of, excluded)
    return {"excluded_order_statuses": excluded, **found.as_dict()}


def control_manifest(
    share: float, seed: int, contacted: int, control: int
) -> dict[str, Any]:
    """Return the manifest's control-group fields."""
    return {
        "control_share": share,
        "control_seed": seed,
        "control_method": CONTROL_METHOD,
        "control_file": CONTROL_FILE if share > 0 else None,
        "groups": {"contacted": contacted, "control": control},
    }


# -- reading a list back -----------------------------------------------------


@dataclass
class CampaignList:
    """An exported list: its manifest and the ids of each group."""

    folder: Path
    manifest: dict[str, Any]
    contacted: list[str]
    control: list[str]

    @property
    def as_of_date(self) -> str:
        """The as-of date of the build the list came from."""
        return str(self.manifest["as_of_date"])


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_FILE
    fix = (
        "Fix: pass the folder `olist-seg export` wrote (it holds customers.csv, "
        "control.csv and export.json), or export the list again."
    )
    if not folder.is_dir():
        raise CampaignError(f"{folder}: no such folder. {fix}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CampaignError(
            f"{path}: missing: without the list's manifest the as-of date, the "
            f"control group and the data it came from are unknown. {fix}"
        ) from error
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CampaignError(f"{path}: unreadable ({error}). {fix}") from error
    if not isinstance(data, dict):
        raise CampaignError(f"{path}: not an export manifest (not an object). {fix}")
    missing = [k for k in ("as_of_date", "warehouse") if not data.get(k)]
    if missing:
        raise CampaignError(f"{path}: not an export manifest (no {missing}). {fix}")
    return data


def _ids(path: Path, expected: int) -> list[str]:
    try:
        frame = pd.read_csv(
            path, usecols=["customer_unique_id"], dtype=str, keep_default_na=False
        )
    except (OSError, ValueError) as error:
        raise CampaignError(
            f"{path}: unreadable ({str(error).splitlines()[0]}). Fix: export the "
            "list again; do not edit the files of an export."
        ) from error
    ids = frame["customer_unique_id"].tolist()
    if len(ids) != expected:
        raise CampaignError(
            f"{path} has {len(ids):,} customers; the manifest says {expected:,}: "
            "the list was changed after the export. Fix: measure the list as "
            "exported (export it again into a new folder for a new campaign)."
        )
    return ids


def read_list(folder: Path) -> CampaignList:
    """Read an exported list with a control group.

    Raises:
        CampaignError: The folder, its manifest or a file is missing or
            unreadable; the list has no control group (share 0, or exported
            before control groups); a file was changed after the export.
    """
    manifest = _manifest(folder)
    share = manifest.get("control_share")
    groups = manifest.get("groups") or {}
    if not share or not groups.get("control"):
        how = (
            "it was exported with --control-share 0"
            if share == 0
            else "its control group is empty"
            if share
            else "it was exported before control groups existed"
        )
        raise CampaignError(
            f"{folder} has no control group ({how}): without customers held "
            "out of the campaign there is nothing to compare the contacted "
            "customers with, so no result can be measured. Fix: export the "
            "next list with a control group (`olist-seg export`, default "
            "--control-share 0.10), contact only customers.csv, and measure "
            "that list."
        )
    if "source" not in manifest:
        raise CampaignError(
            f"{folder / MANIFEST_FILE}: no fingerprint of the data behind the "
            "list. Fix: export the list again with this version."
        )
    return CampaignList(
        folder,
        manifest,
        _ids(folder / CONTACTED_FILE, int(groups["contacted"])),
        _ids(folder / CONTROL_FILE, int(groups["control"])),
    )
