"""The same project on PostgreSQL: load, build, and compare with DuckDB.

Runs with ``make test-postgres`` (marker ``postgres``), which starts a local
server (scripts/postgres-server.sh) and points ``OLIST_PG_PORT`` at it. The
sample is built on both engines (the default build and `make drift`'s
monitoring models); the public marts must hold the same customers, scores,
segments, predictions and backtests, and values equal to rounding. The
reading commands (summary, drift, report, export, stability) run with
``--target postgres`` and must say what they say on DuckDB.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from olist_segmentation import postgres_engine

from helpers.builds import STABILITY_VARS, Build
from helpers.engine_compare import (
    MARTS,
    assert_bad_csv_refused,
    assert_commands_read_the_target,
    assert_every_customer_segmented_once,
    assert_mart_equals_duckdb,
    assert_rebuild_fits_nothing,
    assert_stability_matches_duckdb,
    load_and_build,
)

pytestmark = pytest.mark.postgres


def _pg_query(sql: str) -> pd.DataFrame:
    connection = postgres_engine.pg_connect()
    try:
        return postgres_engine.PgSession(connection).read(sql)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def postgres_build(sample_build: Build) -> Build:
    """The test sample loaded into PostgreSQL and built there."""
    with postgres_engine.pg_connect() as connection, connection.cursor() as cursor:
        # a fresh warehouse: no frozen model of an earlier run
        for schema in ("main", "staging", "intermediate", "reference", "olist"):
            cursor.execute(f"drop schema if exists {schema} cascade")
    load_and_build("postgres", sample_build)
    return sample_build


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_marts_equal_the_duckdb_build(postgres_build: Build, mart: str) -> None:
    assert_mart_equals_duckdb(mart, postgres_build, _pg_query)


def test_every_customer_is_segmented_once(postgres_build: Build) -> None:
    assert_every_customer_segmented_once(_pg_query)


def test_a_rebuild_fits_nothing_and_changes_nothing(postgres_build: Build) -> None:
    assert_rebuild_fits_nothing("postgres", _pg_query)


def test_bad_csv_is_refused_before_loading(
    postgres_build: Build, tmp_path: Path
) -> None:
    assert_bad_csv_refused("postgres", postgres_build, tmp_path, _pg_query)


def test_reading_commands_say_what_they_say_on_duckdb(
    postgres_build: Build, tmp_path: Path
) -> None:
    assert_commands_read_the_target("postgres", postgres_build, tmp_path)


def test_stability_measures_what_it_measures_on_duckdb(
    postgres_build: Build, tmp_path: Path
) -> None:
    # last in this module: it adds the simulation's tables to the served set
    args = [f"--start-date={d}" for d in STABILITY_VARS["stability_start_dates"]]
    args.append(f"--horizon-weeks={STABILITY_VARS['stability_horizon_weeks']}")
    assert_stability_matches_duckdb("postgres", postgres_build, tmp_path, args)
