"""The later data a campaign is measured on: its orders, checked.

:func:`read_later_orders` opens a later folder of the Kaggle CSVs (read as
the staging models read them) or a later warehouse;
:func:`check_continuation` checks it holds the same history as the data
the list was exported from (the manifest's fingerprint) and every listed
customer; :func:`check_horizon` that it reaches past the measured window;
:func:`outcomes` says who bought in the window and for how much.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from olist_segmentation.campaign import WAREHOUSE_ORDERS_SQL as WAREHOUSE_ORDERS
from olist_segmentation.campaign import (
    CampaignError,
    CampaignList,
    Fingerprint,
    fingerprint,
)


@dataclass
class LaterData:
    """The orders of the later data folder or warehouse, in one connection."""

    con: duckdb.DuckDBPyConnection
    orders_sql: str
    source: str
    description: dict[str, str]


def _csv_relation(data_dir: Path, table: dict[str, Any]) -> str:
    """Return a typed read_csv of one source table, as staging reads it."""
    path = data_dir / table["file"]
    if not path.is_file():
        raise CampaignError(
            f"{path}: missing. Fix: pass --data-dir the folder of the nine "
            "Kaggle CSVs (the file names unchanged)."
        )
    spec = ", ".join(f"'{n}': '{t}'" for n, t in table["columns"].items())
    quoted = str(path).replace("'", "''")
    return (
        f"read_csv('{quoted}', header = true, auto_detect = false, delim = ',', "
        "quote = '\"', escape = '\"', timestampformat = '%Y-%m-%d %H:%M:%S', "
        f"columns = {{{spec}}})"
    )


def _data_dir_orders(data_dir: Path) -> str:
    from olist_segmentation.build import require_project  # noqa: PLC0415
    from olist_segmentation.engines import source_tables  # noqa: PLC0415

    tables = {t["name"]: t for t in source_tables(require_project())}
    orders, customers, payments = (
        _csv_relation(data_dir, tables[name])
        for name in ("orders", "customers", "order_payments")
    )
    return f"""
        select orders.order_id, customers.customer_unique_id,
            lower(trim(orders.order_status)) as order_status,
            cast(orders.order_purchase_timestamp as date) as purchase_date,
            coalesce(payments.payment_total, 0) as payment_total
        from {orders} as orders
        left join {customers} as customers
            on orders.customer_id = customers.customer_id
        left join (
            select order_id, sum(payment_value) as payment_total
            from {payments} group by order_id
        ) as payments on orders.order_id = payments.order_id
    """


def read_later_orders(
    data_dir: Path | None = None, warehouse: Path | None = None
) -> LaterData:
    """Open the later data: a folder of the Kaggle CSVs, or a built warehouse.

    The CSVs are read with the types and format the staging models use; a
    warehouse is read (read-only) from ``intermediate.int_orders_enriched``.

    Raises:
        CampaignError: Neither or both given, a file is missing or unreadable.
    """
    if (data_dir is None) == (warehouse is None):
        raise CampaignError(
            "Give the later data as exactly one of --data-dir (a folder of the "
            "Kaggle CSVs) or --warehouse (a DuckDB file built from it)."
        )
    if data_dir is not None:
        folder = data_dir.expanduser().resolve()
        sql = _data_dir_orders(folder)
        con = duckdb.connect()
        source, description = str(folder), {"data_dir": str(folder)}
    else:
        assert warehouse is not None
        path = warehouse.expanduser().resolve()
        if not path.is_file():
            raise CampaignError(
                f"{path}: no such warehouse. Fix: pass --warehouse a DuckDB file "
                "built (`olist-seg build`) from data later than the list."
            )
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise CampaignError(
                f"Cannot open {path}: {str(error).splitlines()[0]}"
            ) from error
        sql, source, description = WAREHOUSE_ORDERS, str(path), {"warehouse": str(path)}
    try:
        con.execute(f"select count(*) from ({sql}) as orders").fetchall()[0]
    except duckdb.Error as error:
        con.close()
        raise CampaignError(
            f"Cannot read the orders of {source}: {str(error).splitlines()[0]}. "
            "Fix: check the folder with the build's input checks (README, "
            "'Using the real Kaggle data': `dbt run-operation "
            "check_olist_inputs`), or pass a warehouse built by `olist-seg build`."
        ) from error
    return LaterData(con, sql, source, description)


def check_continuation(campaign: CampaignList, later: LaterData) -> Fingerprint:
    """Check that the later data continues the data the list was made from.

    Its qualifying orders before the as-of date must give the manifest's
    fingerprint, and every customer of the list must be in it.

    Raises:
        CampaignError: The later data is not a continuation (which numbers
            differ, and the fix).
    """
    source = campaign.manifest["source"]
    expected = Fingerprint.from_dict(source)
    excluded = list(source["excluded_order_statuses"])
    found = fingerprint(later.con, later.orders_sql, campaign.as_of_date, excluded)
    origin = campaign.manifest["warehouse"]
    if found != expected:
        differ = "; ".join(
            f"{key} {want} in the list's data, {have} here"
            for (key, want), have in zip(
                expected.as_dict().items(), found.as_dict().values(), strict=True
            )
            if want != have
        )
        raise CampaignError(
            f"{later.source} is not a continuation of the data the list "
            f"{campaign.folder} was exported from ({origin}): before the list's "
            f"as-of date {campaign.as_of_date} it holds other qualifying orders "
            f"({differ}). Fix: measure with a later copy of the same data (the "
            "same orders up to the as-of date, newer ones added), or with the "
            "list exported from this data."
        )
    ids = campaign.contacted + campaign.control
    missing = later.con.execute(
        f"""
        select count(*), min(listed.id)
        from unnest($ids) as listed(id)
        where listed.id not in (
            select customer_unique_id from ({later.orders_sql}) as orders
            where purchase_date < cast($as_of as date)
                and not list_contains($excluded, order_status)
        )
        """,
        {"ids": ids, "as_of": campaign.as_of_date, "excluded": excluded},
    ).fetchall()[0]
    assert missing is not None
    if missing[0]:
        raise CampaignError(
            f"{missing[0]:,} of the {len(ids):,} customers of {campaign.folder} "
            f"have no order before {campaign.as_of_date} in {later.source} (for "
            f"example {missing[1]}): the list does not come from this data "
            f"(it was exported from {origin}). Fix: measure the list with a "
            "later copy of the data it was exported from."
        )
    return found


def window_end(as_of: str, horizon_days: int) -> str:
    """Return the first day after the measured window (``as_of + horizon``)."""
    return str(dt.date.fromisoformat(as_of) + dt.timedelta(days=horizon_days))


def check_horizon(campaign: CampaignList, later: LaterData, horizon_days: int) -> str:
    """Check that the later data covers the whole window; return its last date.

    Raises:
        CampaignError: The latest order is before ``as_of + horizon``.
    """
    if horizon_days < 1:
        raise CampaignError(f"--horizon-days {horizon_days}: must be at least 1.")
    row = later.con.execute(
        f"select max(purchase_date)::varchar from ({later.orders_sql}) as orders"
    ).fetchall()[0]
    latest = row[0] if row else None
    end = window_end(campaign.as_of_date, horizon_days)
    if latest is None or latest < end:
        elapsed = (
            (
                dt.date.fromisoformat(latest)
                - dt.date.fromisoformat(campaign.as_of_date)
            ).days
            if latest
            else 0
        )
        raise CampaignError(
            f"The {horizon_days}-day horizon after {campaign.as_of_date} has not "
            f"elapsed in {later.source}: its latest order is from {latest}, and "
            f"the window runs to {end} (exclusive), so buyers of the last days "
            "would be missing. Fix: wait for data past "
            f"{end}, or measure a shorter horizon (--horizon-days {max(elapsed, 1)} "
            "or less)."
        )
    return str(latest)


def outcomes(
    campaign: CampaignList, later: LaterData, horizon_days: int
) -> pd.DataFrame:
    """Return one row per listed customer: group, bought (0/1) and revenue.

    A buyer placed at least one qualifying order on or after the as-of date
    and before ``as_of + horizon_days``; revenue is the sum of their
    payments (as ``monetary`` and the purchase score's outcome count them).
    """
    listed = pd.DataFrame(
        {
            "customer_unique_id": campaign.contacted + campaign.control,
            "group": ["contacted"] * len(campaign.contacted)
            + ["control"] * len(campaign.control),
        }
    )
    later.con.register("listed", listed)
    try:
        return later.con.execute(
            f"""
            with window_orders as (
                select customer_unique_id, count(distinct order_id) as orders,
                    sum(payment_total) as revenue
                from ({later.orders_sql}) as orders
                where purchase_date >= cast($as_of as date)
                    and purchase_date < cast($end as date)
                    and not list_contains($excluded, order_status)
                group by customer_unique_id
            )
            select listed.customer_unique_id, listed."group",
                (coalesce(window_orders.orders, 0) > 0)::integer as bought,
                coalesce(window_orders.revenue, 0)::double as revenue
            from listed
            left join window_orders
                on listed.customer_unique_id = window_orders.customer_unique_id
            order by listed."group", listed.customer_unique_id
            """,
            {
                "as_of": campaign.as_of_date,
                "end": window_end(campaign.as_of_date, horizon_days),
                "excluded": list(
                    campaign.manifest["source"]["excluded_order_statuses"]
                ),
            },
        ).df()
    finally:
        later.con.unregister("listed")
