"""The same project on Apache Spark: load, build, and compare with DuckDB.

Runs with ``make test-spark`` (marker ``spark``), which installs Java and
the ``spark`` extra (dbt-spark, pyspark) when missing. Spark runs locally in
this process (dbt-spark's session method), its tables and metastore in a
temporary folder (``OLIST_SPARK_DIR``). The sample is built on Spark (the
default build and `make drift`'s monitoring models) and each public mart
must equal the DuckDB build of the same sample; the reading commands
(summary, drift, report, export) with ``--target spark`` must say what they
say on DuckDB.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import pytest

from olist_segmentation.build import PROJECT_DIR

from helpers.builds import Build
from helpers.engine_compare import (
    MARTS,
    assert_bad_csv_refused,
    assert_commands_read_the_target,
    assert_every_customer_segmented_once,
    assert_mart_equals_duckdb,
    assert_rebuild_fits_nothing,
    load_and_build,
)

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
    load_and_build("spark", sample_build)
    return sample_build


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_marts_equal_the_duckdb_build(spark_build: Build, mart: str) -> None:
    assert_mart_equals_duckdb(mart, spark_build, _spark_query)


def test_every_customer_is_segmented_once(spark_build: Build) -> None:
    assert_every_customer_segmented_once(_spark_query)


def test_seed_text_with_quotes_survives(spark_build: Build) -> None:
    # dbt-spark pastes seed values unescaped; macros/spark_seeds.sql escapes
    with (PROJECT_DIR / "seeds" / "rfm_segments.csv").open(encoding="utf-8") as f:
        expected = sorted(row["segment_name"] for row in csv.DictReader(f))
    assert any("'" in name for name in expected)
    loaded = _spark_query("select segment_name from reference.rfm_segments")
    assert sorted(loaded["segment_name"]) == expected


def test_reading_commands_say_what_they_say_on_duckdb(
    spark_build: Build, tmp_path: Path
) -> None:
    assert_commands_read_the_target("spark", spark_build, tmp_path)


def test_a_rebuild_fits_nothing_and_changes_nothing(spark_build: Build) -> None:
    after = assert_rebuild_fits_nothing("spark", _spark_query)
    # the history replaced this as-of date's rows (a partition overwrite on
    # Spark) instead of adding a second copy
    history = _spark_query(
        "select as_of_date, count(*) as n, count(distinct customer_unique_id) as d "
        "from main.customer_segment_history group by as_of_date"
    )
    assert len(history) == 1
    assert history["n"].iloc[0] == history["d"].iloc[0] == len(after)


def test_bad_csv_is_refused_before_loading(spark_build: Build, tmp_path: Path) -> None:
    assert_bad_csv_refused("spark", spark_build, tmp_path, _spark_query)
