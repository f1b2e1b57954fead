"""The same project on Apache Spark: load, build, publish, compare with DuckDB.

Runs with ``make test-spark`` (marker ``spark``), which installs Java and
the ``spark`` extra (dbt-spark, pyspark) when missing and starts a Spark
standalone cluster (``scripts/spark-cluster.sh``: a master and a worker, each
a JVM of its own, and the Hive metastore in the local PostgreSQL). Without
that cluster's settings (``OLIST_SPARK_MASTER``, ``OLIST_SPARK_METASTORE_*``)
the same tests run on a local Spark with the embedded Derby metastore, the
profile's default. The sample is loaded and built in a temporary folder
(``OLIST_SPARK_DIR``) by
``olist-seg`` processes, as a user runs them: the default build, then
``olist-seg drift`` killed with SIGKILL in phase 1 and halfway through the
repoint of the served views, then run to the end. The catalogue after each
shows what a killed build leaves (:mod:`olist_segmentation.spark_publication`).
Then this process opens the warehouse: each public mart must equal the
DuckDB build of the same sample, and the reading commands (summary, drift,
report, export) with ``--target spark`` must say what they say on DuckDB.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from olist_segmentation.build import PROJECT_DIR
from olist_segmentation.spark_publication import GENERATION, REPOINT_HOLD_ENV

from helpers.builds import Build
from helpers.engine_compare import (
    MARTS,
    assert_bad_csv_refused,
    assert_commands_read_the_target,
    assert_every_customer_segmented_once,
    assert_mart_equals_duckdb,
    assert_rebuild_fits_nothing,
)
from helpers.spark_runs import (
    Killed,
    ViewWatch,
    catalogue,
    inspect,
    kill_at,
    olist_seg,
)

pytestmark = pytest.mark.spark

#: make test-spark's cluster (scripts/spark-cluster.sh), not a local Spark
ON_CLUSTER = os.environ.get("OLIST_SPARK_MASTER", "").startswith("spark://")


def _spark_query(sql: str) -> pd.DataFrame:
    from olist_segmentation import spark_engine

    spark = spark_engine.spark_session(PROJECT_DIR)
    return spark_engine.SparkSessionAdapter(spark).read(sql)


@dataclass
class SparkRuns:
    """The builds of the module, in processes of their own, and the catalogue
    (:func:`helpers.spark_runs.inspect`) after each."""

    first: str
    phase_kill: Killed
    after_phase_kill: dict[str, Any]
    repoint_kill: Killed
    after_repoint_kill: dict[str, Any]
    recovery: str
    after_recovery: dict[str, Any]
    #: what a reader of the metastore saw during the recovery (cluster only)
    recovery_watch: ViewWatch | None


@pytest.fixture(scope="module")
def spark_runs(
    sample_build: Build, tmp_path_factory: pytest.TempPathFactory
) -> SparkRuns:
    """The sample loaded into a new local Spark warehouse and built there.

    As a user does, in processes of their own: ``olist-seg load``, ``build``,
    then ``drift`` (make drift's models) killed with SIGKILL twice (in phase
    1, and halfway through the repoint) and run once more to the end. This
    process starts no Spark before they are done (one JVM per metastore).
    """
    os.environ["OLIST_SPARK_DIR"] = str(tmp_path_factory.mktemp("spark"))
    olist_seg("load", "--target", "spark", "--data-dir", str(sample_build.data_dir))
    first = olist_seg("build", "--target", "spark")
    drift = ("drift", "--target", "spark")
    phase_kill = kill_at("phase 1: Python model segment_drift (", *drift)
    after_phase_kill = inspect()
    repoint_kill = kill_at("Repoint half done", *drift, env={REPOINT_HOLD_ENV: "600"})
    after_repoint_kill = inspect()
    if ON_CLUSTER:
        with ViewWatch() as watch:
            recovery = olist_seg(*drift)
    else:
        watch, recovery = None, olist_seg(*drift)
    # the builds are over: this process may open the warehouse now
    from olist_segmentation import spark_engine

    return SparkRuns(
        first,
        phase_kill,
        after_phase_kill,
        repoint_kill,
        after_repoint_kill,
        recovery,
        catalogue(spark_engine.spark_session(PROJECT_DIR)),
        watch,
    )


@pytest.fixture(scope="module")
def spark_build(spark_runs: SparkRuns, sample_build: Build) -> Build:
    """The sample built on Spark (default build and make drift's models)."""
    return sample_build


def _generation(suffix: str) -> set[str]:
    return {f"{s}{suffix}" for s in ("main", "staging", "intermediate", "reference")}


def _suffixes(state: dict[str, Any]) -> set[str]:
    return {
        "__g" + match.group("id")
        for name in state["databases"]
        if (match := GENERATION.match(name))
    }


def test_a_build_killed_in_its_phases_changes_nothing_served(
    spark_runs: SparkRuns,
) -> None:
    after = spark_runs.after_phase_kill
    # the complete build published one generation, and printed which
    published = re.findall(r"Published generation (__g\d+)", spark_runs.first)
    assert len(published) == 1
    (built,) = published
    # the kill landed mid-build: its generation exists, with phase 1's tables
    (killed,) = _suffixes(after) - {built}
    assert "segment_drift" in after["databases"][f"main{killed}"]
    # and nothing served moved: every served name still reads the first build
    assert "main.customer_rfm" in after["views"]
    assert set(after["views"].values()) == {built}
    assert {n.split(".")[1] for n in after["views"] if n.startswith("main.")} == set(
        after["databases"][f"main{built}"]
    )


def test_a_kill_inside_the_repoint_leaves_a_mix_until_the_next_build(
    spark_runs: SparkRuns,
) -> None:
    before, after = spark_runs.after_phase_kill, spark_runs.after_repoint_kill
    (built,) = set(before["views"].values())
    (phase_killed,) = _suffixes(before) - {built}
    # the next build dropped the generation the killed build left
    assert "Dropped generations no served view reads" in spark_runs.repoint_kill.output
    assert not _generation(phase_killed) & set(after["databases"])
    # the window Spark leaves: half of the names read the new generation
    (repointing,) = set(after["views"].values()) - {built}
    new = {n for n, g in after["views"].items() if g == repointing}
    written = {
        f"{db.removesuffix(repointing)}.{table}"
        for db in _generation(repointing)
        for table in after["databases"].get(db, [])
    }
    assert new and new < written
    assert {after["views"][n] for n in written - new if n in after["views"]} <= {built}
    # the next build repoints every name it builds, and drops the mixed one
    recovered = spark_runs.after_recovery
    assert "the served views read 2 generations" in spark_runs.recovery
    (final,) = set(recovered["views"].values()) - {built}
    assert not _generation(repointing) & set(recovered["databases"])
    for name in written:
        assert recovered["views"][name] == final, name
    assert re.search(r"views repointed in \d+\.\d+ s", spark_runs.recovery)


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


cluster_only = pytest.mark.skipif(
    not ON_CLUSTER, reason="needs make test-spark's cluster (scripts/spark-cluster.sh)"
)


def _master_state() -> dict[str, Any]:
    url = os.environ["OLIST_SPARK_MASTER_UI"] + "/json/"
    with urllib.request.urlopen(url, timeout=10) as response:
        state: dict[str, Any] = json.load(response)
    return state


@cluster_only
def test_the_builds_ran_on_the_cluster_with_a_shared_metastore(
    spark_build: Build,
) -> None:
    import psycopg2

    state = _master_state()
    assert state["aliveworkers"] == 1
    # every olist-seg process of the fixture was an application of the
    # cluster's master, given executor cores on its worker
    finished = [app["name"] for app in state["completedapps"]]
    for command, times in (("load", 1), ("build", 1), ("drift", 3)):
        assert finished.count(f"olist-seg {command}") == times, finished
    assert all(app["cores"] > 0 for app in state["completedapps"])
    # this process reads through the cluster too
    spark = _spark_query("select 1 as one")
    assert len(spark) == 1
    assert [app["name"] for app in _master_state()["activeapps"]] == ["olist-seg"]
    # the catalogue is in PostgreSQL, not in a Derby inside a driver
    assert not (Path(os.environ["OLIST_SPARK_DIR"]) / "metastore_db").exists()
    url = urllib.parse.urlsplit(
        os.environ["OLIST_SPARK_METASTORE_URL"].removeprefix("jdbc:")
    )
    with (
        psycopg2.connect(
            host=url.hostname,
            port=url.port,
            dbname=url.path.lstrip("/"),
            user=os.environ["OLIST_SPARK_METASTORE_USER"],
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute('select "NAME" from "DBS"')
        databases = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            'select count(*) from "TBLS" t join "DBS" d using ("DB_ID") '
            "where d.\"NAME\" = 'main' and t.\"TBL_TYPE\" = 'VIRTUAL_VIEW'"
        )
        (served_views,) = cursor.fetchone()
    assert {"olist", "main", "intermediate", "reference"} <= databases
    assert any(GENERATION.match(name) for name in databases)
    assert served_views >= len(MARTS)
    # and the tests' reader of it (inspect) sees what Spark's catalogue sees
    from olist_segmentation import spark_engine

    assert inspect() == catalogue(spark_engine.spark_session(PROJECT_DIR))


@cluster_only
def test_the_default_profile_runs_a_local_spark_with_derby(
    spark_build: Build, tmp_path: Path
) -> None:
    """The profile's defaults (no cluster settings) still load the sample."""
    before = len(_master_state()["completedapps"])
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OLIST_SPARK_METASTORE_", "OLIST_SPARK_MASTER"))
    }
    env["OLIST_SPARK_DIR"] = str(tmp_path / "local")
    result = subprocess.run(
        [sys.executable, "-m", "olist_segmentation.cli", "load", "--target", "spark"]
        + ["--data-dir", str(spark_build.data_dir)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert re.search(r"Loaded [\d,]+ rows of 9 tables into spark schema olist", output)
    assert (tmp_path / "local" / "metastore_db").is_dir()
    assert (tmp_path / "local" / "tables" / "olist.db" / "orders").is_dir()
    # in this process's JVM, not on the cluster
    assert len(_master_state()["completedapps"]) == before


@cluster_only
def test_a_reader_sees_each_name_repointed_once(spark_runs: SparkRuns) -> None:
    """The repoint window, seen from outside the build: a reader of the
    shared metastore sees names move to the new generation one by one (a
    mix while it lasts), each once and never back."""
    watch = spark_runs.recovery_watch
    assert watch is not None and watch.polls > 10
    (_, first), (_, last) = watch.states[0], watch.states[-1]
    (final,) = set(last.values()) - set(first.values())
    moved_at: dict[str, float] = {}
    for seconds, state in watch.states:
        for name, generation in state.items():
            if generation == final:
                moved_at.setdefault(name, seconds)
            else:
                assert name not in moved_at, f"{name} went back at {seconds:.2f} s"
    assert set(moved_at) == {n for n, g in last.items() if g == final}
    # the reader saw at least one mix: some moved names on the new
    # generation, others still on an old one
    mixes = [
        state
        for _, state in watch.states
        if 0 < sum(state.get(n) == final for n in moved_at) < len(moved_at)
    ]
    assert mixes
    window = max(moved_at.values()) - min(moved_at.values())
    (printed,) = re.findall(r"views repointed in (\d+\.\d+) s", spark_runs.recovery)
    print(
        f"repoint window seen by a reader: {window:.2f} s for {len(moved_at)} "
        f"names ({len(mixes)} mixed states in {watch.polls} polls); "
        f"the build printed {printed} s"
    )
    assert window <= float(printed) + 1.0
