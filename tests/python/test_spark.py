"""The same project on Apache Spark: load, build, and compare with DuckDB.

Runs with ``make test-spark`` (marker ``spark``), which installs Java and
the ``spark`` extra (dbt-spark, pyspark) when missing. Spark runs locally in
this process (dbt-spark's session method), its tables and metastore in a
temporary folder (``OLIST_SPARK_DIR``). The sample is built on Spark (the
default build and `make drift`'s monitoring models) and each public mart
must equal the DuckDB build of the same sample.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from olist_segmentation import engines
from olist_segmentation.build import PROJECT_DIR

from conftest import Build
from engine_compare import MARTS, VOLATILE, assert_same_mart

pytestmark = pytest.mark.spark


def _spark_query(sql: str) -> pd.DataFrame:
    from olist_segmentation import spark_engine

    spark = spark_engine.spark_session(PROJECT_DIR)
    return spark_engine.SparkSessionAdapter(spark).read(sql)


@pytest.fixture(scope="module")
def spark_build(sample_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The test sample loaded into a new local Spark warehouse and built there."""
    # before the first SparkSession of this process: a fresh warehouse, no
    # frozen model of an earlier run
    os.environ["OLIST_SPARK_DIR"] = str(tmp_path_factory.mktemp("spark"))
    counts = engines.load("spark", sample_build.data_dir)
    assert counts["orders"] == len(
        pd.read_csv(sample_build.data_dir / "olist_orders_dataset.csv")
    )
    engines.build("spark", "default")
    engines.build("spark", "monitoring", {"segment_refit": False})
    return sample_build


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_marts_equal_the_duckdb_build(spark_build: Build, mart: str) -> None:
    order = ", ".join(MARTS[mart])
    duck = spark_build.query(f"select * from main.{mart} order by {order}")
    spark = _spark_query(f"select * from main.{mart} order by {order}")
    assert_same_mart(mart, duck, spark)


def test_every_customer_is_segmented_once(spark_build: Build) -> None:
    counts = _spark_query(
        "select (select count(*) from main.customer_rfm) as rfm, "
        "(select count(distinct customer_unique_id) from main.customer_segments) "
        "as segmented, (select count(*) from main.customer_segments) as rows_"
    ).iloc[0]
    assert counts["rfm"] == counts["segmented"] == counts["rows_"] > 0


def test_seed_text_with_quotes_survives(spark_build: Build) -> None:
    # dbt-spark pastes seed values unescaped; macros/spark_seeds.sql escapes
    with (PROJECT_DIR / "seeds" / "rfm_segments.csv").open(encoding="utf-8") as f:
        expected = sorted(row["segment_name"] for row in csv.DictReader(f))
    assert any("'" in name for name in expected)
    loaded = _spark_query("select segment_name from reference.rfm_segments")
    assert sorted(loaded["segment_name"]) == expected


def test_a_rebuild_fits_nothing_and_changes_nothing(spark_build: Build) -> None:
    before = _spark_query("select * from main.customer_segments order by 1")
    latest = "select max(model_version) as v from main.segment_model_selection"
    versions = _spark_query(latest)
    engines.build("spark", "default")
    after = _spark_query("select * from main.customer_segments order by 1")
    assert _spark_query(latest).equals(versions)
    pd.testing.assert_frame_equal(
        before.drop(columns=list(VOLATILE)), after.drop(columns=list(VOLATILE))
    )
    # the history replaced this as-of date's rows (a partition overwrite on
    # Spark) instead of adding a second copy
    history = _spark_query(
        "select as_of_date, count(*) as n, count(distinct customer_unique_id) as d "
        "from main.customer_segment_history group by as_of_date"
    )
    assert len(history) == 1
    assert history["n"].iloc[0] == history["d"].iloc[0] == len(after)


def test_bad_csv_is_refused_before_loading(spark_build: Build, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(spark_build.data_dir, data)
    orders = data / "olist_orders_dataset.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[3], '"not a time"', 1)
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    count = "select count(*) as n from olist.orders"
    rows_before = _spark_query(count).iloc[0, 0]
    with pytest.raises(engines.EngineError) as raised:
        engines.load("spark", data)
    message = str(raised.value)
    assert "olist_orders_dataset.csv" in message
    assert "order_purchase_timestamp" in message
    assert "Nothing was loaded" in message
    assert _spark_query(count).iloc[0, 0] == rows_before
