"""The same project on PostgreSQL: load, build, and compare with DuckDB.

Runs with ``make test-postgres`` (marker ``postgres``), which starts a local
server (scripts/postgres-server.sh) and points ``OLIST_PG_PORT`` at it. The
sample is built on both engines (the default build and `make drift`'s
monitoring models); the public marts must hold the same customers, scores,
segments, predictions and backtests, and values equal to rounding.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from olist_segmentation import engines

from conftest import Build
from engine_compare import MARTS, VOLATILE, assert_same_mart

pytestmark = pytest.mark.postgres


def _pg_query(sql: str) -> pd.DataFrame:
    connection = engines.pg_connect()
    try:
        return engines.PgSession(connection).read(sql)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def postgres_build(sample_build: Build) -> Build:
    """The test sample loaded into PostgreSQL and built there."""
    with engines.pg_connect() as connection, connection.cursor() as cursor:
        # a fresh warehouse: no frozen model of an earlier run
        for schema in ("main", "staging", "intermediate", "reference", "olist"):
            cursor.execute(f"drop schema if exists {schema} cascade")
    counts = engines.load("postgres", sample_build.data_dir)
    assert counts["orders"] == len(
        pd.read_csv(sample_build.data_dir / "olist_orders_dataset.csv")
    )
    engines.build("postgres", "default")
    engines.build("postgres", "monitoring", {"segment_refit": False})
    return sample_build


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_marts_equal_the_duckdb_build(postgres_build: Build, mart: str) -> None:
    order = ", ".join(MARTS[mart])
    duck = postgres_build.query(f"select * from main.{mart} order by {order}")
    pg = _pg_query(f"select * from main.{mart} order by {order}")
    assert_same_mart(mart, duck, pg)


def test_every_customer_is_segmented_once(postgres_build: Build) -> None:
    counts = _pg_query(
        "select (select count(*) from main.customer_rfm) as rfm, "
        "(select count(distinct customer_unique_id) from main.customer_segments) "
        "as segmented, (select count(*) from main.customer_segments) as rows_"
    ).iloc[0]
    assert counts["rfm"] == counts["segmented"] == counts["rows_"]


def test_a_rebuild_fits_nothing_and_changes_nothing(postgres_build: Build) -> None:
    before = _pg_query("select * from main.customer_segments order by 1")
    latest = "select max(model_version) as v from main.segment_model_selection"
    versions = _pg_query(latest)
    engines.build("postgres", "default")
    after = _pg_query("select * from main.customer_segments order by 1")
    assert _pg_query(latest).equals(versions)
    pd.testing.assert_frame_equal(
        before.drop(columns=list(VOLATILE)), after.drop(columns=list(VOLATILE))
    )


def test_bad_csv_is_refused_before_loading(
    postgres_build: Build, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(postgres_build.data_dir, data)
    orders = data / "olist_orders_dataset.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[3], '"not a time"', 1)
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows_before = _pg_query("select count(*) as n from olist.orders").iloc[0, 0]
    with pytest.raises(engines.EngineError) as raised:
        engines.load("postgres", data)
    message = str(raised.value)
    assert "olist_orders_dataset.csv" in message
    assert "order_purchase_timestamp" in message
    assert "Nothing was loaded" in message
    assert _pg_query("select count(*) as n from olist.orders").iloc[0, 0] == rows_before
