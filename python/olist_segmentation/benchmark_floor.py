"""The floor: R, F and M per person in one DuckDB query, straight from the CSVs.

What the mart part of a build cannot beat on the same machine: one process,
one in-memory DuckDB, the three CSVs it needs (orders, customers,
payments), no checks, no tests, no other feature. It computes, per
``customer_unique_id``, what ``customer_rfm`` holds before scoring, by the
project's definitions:

* a qualifying order's status (trimmed, lower case) is not one of the var
  ``rfm_excluded_order_statuses`` of ``dbt_project.yml``
  (``macros/is_qualifying_order.sql``);
* the as-of date is the day after the latest qualifying purchase;
* recency: days from the latest qualifying purchase date to the as-of date;
  frequency: distinct qualifying orders; monetary: their payment values
  (an order without payment adds 0).

The CSVs are read as the dbt sources read them (the reader options and
column types of ``models/staging/olist/_olist__sources.yml``), with the
profile's memory limit (``OLIST_DUCKDB_MEMORY_LIMIT``, 4 GB) and
insertion order off. ``make benchmark`` runs it in its own process and
compares its customers, orders and spend with the built ``customer_rfm``.

Run alone: ``python -m olist_segmentation.benchmark_floor DATA_DIR``; it
prints one JSON line: customers, orders, monetary, seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml  # type: ignore[import-untyped,unused-ignore]  # no types-PyYAML

from olist_segmentation.build import find_project_dir

#: The source tables the floor reads.
TABLES = ("orders", "customers", "order_payments")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def source_readers(data_dir: Path, project: Path) -> dict[str, str]:
    """Return a ``read_csv(...)`` expression per table, as the dbt sources read it."""
    path = project / "models" / "staging" / "olist" / "_olist__sources.yml"
    sources = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"][0]
    readers = {}
    for table in sources["tables"]:
        if table["name"] not in TABLES:
            continue
        meta = table["config"]["meta"]
        columns = ", ".join(
            f"{_sql_string(name)}: {_sql_string(kind)}"
            for name, kind in meta["csv_columns"].items()
        )
        readers[table["name"]] = (
            f"read_csv({_sql_string(str(data_dir / meta['csv_file']))}, "
            "header = true, auto_detect = false, delim = ',', quote = '\"', "
            "escape = '\"', timestampformat = '%Y-%m-%d %H:%M:%S', "
            f"columns = {{{columns}}})"
        )
    return readers


def excluded_statuses(project: Path) -> list[str]:
    """Return the var ``rfm_excluded_order_statuses`` of ``dbt_project.yml``."""
    config = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    return [str(status) for status in config["vars"]["rfm_excluded_order_statuses"]]


def floor_sql(data_dir: Path, project: Path) -> str:
    """Return the query that creates table ``rfm`` (one row per person)."""
    read = source_readers(data_dir, project)
    excluded = excluded_statuses(project)
    qualifying = (
        "lower(trim(order_status)) not in ("
        + ", ".join(_sql_string(status) for status in excluded)
        + ")"
        if excluded
        else "true"
    )
    return f"""
create table rfm as
with
orders as (
    select order_id, customer_id,
        cast(order_purchase_timestamp as date) as purchase_date
    from {read["orders"]}
    where {qualifying}
),
as_of as (select max(purchase_date) + 1 as as_of_date from orders),
paid as (
    select order_id, sum(payment_value) as payment_total
    from {read["order_payments"]}
    group by order_id
),
customers as (
    select customer_id, customer_unique_id from {read["customers"]}
)
select
    customers.customer_unique_id,
    date_diff('day', max(orders.purchase_date), any_value(as_of.as_of_date))
        as recency_days,
    count(distinct orders.order_id) as frequency,
    sum(coalesce(paid.payment_total, 0)) as monetary
from orders
inner join customers on orders.customer_id = customers.customer_id
left join paid on orders.order_id = paid.order_id
cross join as_of
where orders.purchase_date < as_of.as_of_date
group by customers.customer_unique_id
"""


def run_floor(data_dir: Path, project: Path | None = None) -> dict[str, Any]:
    """Compute R, F and M per person; return their count, orders, spend, seconds."""
    started = time.perf_counter()
    con = duckdb.connect(
        config={
            "memory_limit": os.environ.get("OLIST_DUCKDB_MEMORY_LIMIT", "4GB"),
            "preserve_insertion_order": False,
        }
    )
    try:
        con.execute(floor_sql(data_dir, project or find_project_dir()))
        row = con.execute(
            "select count(*), sum(frequency), sum(monetary) from rfm"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return {
        "customers": int(row[0]),
        "orders": int(row[1] or 0),
        "monetary": str(row[2] or 0),
        "seconds": round(time.perf_counter() - started, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the floor query on a folder of the nine CSVs; print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)
    print(json.dumps(run_floor(args.data_dir.resolve())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
