"""Atomic publication on PostgreSQL: kill -9 and a failed test change nothing.

Real processes throughout, as tests/integration/test_publication.py does
for DuckDB: ``olist-seg build --target postgres`` runs in a process of its
own and is killed with SIGKILL (its whole process group) at three points,
while a reader process queries the served tables in a loop. Every read must
show one build (as-of dates and row counts of customer_rfm and
customer_segments agree, no orphan), the served set after the kill must be
the previous build's, and the next build must drop the leftovers and
publish.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from olist_segmentation import engines, postgres_engine, postgres_publication

pytestmark = pytest.mark.postgres

#: The as-of dates the builds under test alternate between: after the
#: sample's end, so the frozen model of the first build scores them all.
DATES = ("2018-10-01", "2018-11-01")
SERVED = ("main", "staging", "intermediate", "reference")
STATE_SQL = """
select
    (select max(as_of_date) from main.customer_rfm)::text as rfm_as_of,
    (select max(as_of_date) from main.customer_segments)::text as seg_as_of,
    (select count(*) from main.customer_rfm) as rfm_rows,
    (select count(*) from main.customer_segments) as seg_rows,
    (select count(*) from main.customer_segments as s
     where not exists (select 1 from main.customer_rfm as r
                       where r.customer_unique_id = s.customer_unique_id)) as orphans
"""
#: A dashboard: one connection held open (autocommit, each query its own
#: snapshot), a query every 50 ms; every state and error is kept.
READER = """
import json, sys, time
from pathlib import Path
from olist_segmentation import postgres_engine
stop, out, sql = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
con = postgres_engine.pg_connect()
con.autocommit = True
states, errors = [], []
while not stop.exists():
    try:
        with con.cursor() as cursor:
            cursor.execute(sql)
            states.append([time.time(), *cursor.fetchone()])
    except Exception as error:  # every failure is a finding
        errors.append(repr(error))
    time.sleep(0.05)
out.write_text(json.dumps({"states": states, "errors": errors}))
"""


def _query(sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    connection = postgres_engine.pg_connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, args or None)
            return list(cursor.fetchall())
    finally:
        connection.close()


def _state() -> tuple[Any, ...]:
    return _query(STATE_SQL)[0]


def _consistent(state: tuple[Any, ...] | list[Any]) -> bool:
    rfm_as_of, seg_as_of, rfm_rows, seg_rows, orphans = state
    return bool(rfm_as_of == seg_as_of and rfm_rows == seg_rows > 0 and orphans == 0)


def _build_schemas() -> list[str]:
    """The staging and previous schemas present (a build's leftovers)."""
    return [
        name
        for (name,) in _query(
            "select nspname from pg_namespace where nspname like %s "
            "or nspname like %s order by 1",
            ("%" + postgres_publication.STAGING_SUFFIX, "%__previous"),
        )
    ]


def _build_command(as_of_date: str) -> list[str]:
    return [sys.executable, "-m", "olist_segmentation.cli", "build"] + [
        "--target",
        "postgres",
        "--as-of-date",
        as_of_date,
    ]


def _build(as_of_date: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _build_command(as_of_date),
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _next_date(state: tuple[Any, ...]) -> str:
    return DATES[1] if state[0] == DATES[0] else DATES[0]


def _served_state() -> tuple[Any, ...] | None:
    """The served build's state, or None when there is none to start from."""
    import psycopg2  # noqa: PLC0415 (only with the postgres extra)

    try:
        _query("select 1 from olist.orders limit 1")
        state = _state()
    except psycopg2.Error:
        return None
    return state if _consistent(state) else None


@pytest.fixture(scope="module")
def served_build(sample_dir: Path) -> tuple[Any, ...]:
    """A complete build of the sample served on PostgreSQL.

    After tests/postgres/test_postgres.py (the same session) the sample is
    loaded and built already: that build is the starting point. Otherwise
    the sample is loaded and built here.
    """
    state = _served_state()
    if state is not None:
        return state
    with postgres_engine.pg_connect() as connection, connection.cursor() as cursor:
        for schema in (*SERVED, "olist"):
            for name in (
                schema,
                postgres_publication.staging_schema(schema),
                postgres_publication.previous_schema(schema),
            ):
                cursor.execute(f"drop schema if exists {name} cascade")
    engines.load("postgres", sample_dir)
    result = _build(DATES[0])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    state = _state()
    assert _consistent(state) and state[0] == DATES[0]
    return state


@contextmanager
def _reader(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A reader process querying the served tables while the block runs.

    Yields a dict, filled on exit with ``states`` ([time, *state]) and
    ``errors``.
    """
    stop = tmp_path / "stop"
    out = tmp_path / "reads.json"
    script = tmp_path / "reader.py"
    script.write_text(READER)
    process = subprocess.Popen(
        [sys.executable, str(script), str(stop), str(out), STATE_SQL]
    )
    result: dict[str, Any] = {}
    time.sleep(1.0)
    try:
        yield result
    finally:
        time.sleep(1.0)
        stop.touch()
        process.wait(timeout=120)
    result.update(json.loads(out.read_text()))


# -- kill -9 ------------------------------------------------------------------

#: Where to kill: the regex of the line, and whether a line matching the
#: first regex must come before (the first model of phase 2 is the first
#: one created after the Python models of phase 1).
KILL_POINTS = {
    "right after customer_rfm is created (phase 1)": (
        r"OK created sql table model main__build\.customer_rfm ",
        None,
    ),
    "right after the first model of phase 2 is created": (
        r"OK created sql \S+ model \S+__build\.",
        r"^phase 1: Python model segment_rules",
    ),
    "inside the swap transaction, before its commit": (
        r"Swap transaction open",
        None,
    ),
}


def _kill_at(as_of_date: str, trigger: str, after: str | None) -> dict[str, Any]:
    """Run a build, kill its process group at ``trigger``; what was seen."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env[postgres_publication.SWAP_HOLD_ENV] = "3"
    process = subprocess.Popen(
        _build_command(as_of_date),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    pattern, armed = re.compile(trigger), after is None
    seen: list[str] = []
    proof: dict[str, Any] = {}
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if not armed and re.search(after or "", line):
            armed = True
        elif armed and pattern.search(line):
            # the fault lands mid-build: the staging set exists, the served
            # set is the old one; inside the swap, the build's connection
            # holds the served tables and its renames are not visible
            proof["line"] = line.strip()
            proof["schemas"] = _build_schemas()
            proof["served"] = _state() if "Swap" not in line else None
            proof["locks"] = _query(
                "select count(*) from pg_locks as l join pg_stat_activity as a "
                "using (pid) where a.application_name like 'olist-seg build%' "
                "and l.mode = 'AccessExclusiveLock' and l.granted"
            )[0][0]
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    proof["returncode"] = process.returncode
    proof["output"] = "".join(seen)
    return proof


def test_kills_leave_the_previous_build_and_readers_never_see_a_mix(
    served_build: tuple[Any, ...], tmp_path: Path
) -> None:
    # The three kills in a row, then one recovery build: each killed build
    # finds the previous one's leftovers and drops them first, and the
    # reader goes on through all of it (one recovery build instead of
    # three: about a minute less of the suite).
    before = _state()
    assert _consistent(before)
    new_date = _next_date(before)
    staging = sorted(postgres_publication.staging_schema(s) for s in SERVED)
    with _reader(tmp_path) as reads:
        started = time.time()
        proofs = []
        for point, (trigger, after) in KILL_POINTS.items():
            proof = _kill_at(new_date, trigger, after)
            time.sleep(2.0)  # the server ends the killed connection
            proof.update(point=point, after_kill=_state(), left=_build_schemas())
            proof["ended"] = time.time() - started
            proofs.append(proof)
        kill_end = time.time()
        # the next build drops the leftovers and publishes, readers going on
        result = _build(new_date)

    for number, proof in enumerate(proofs):
        point = proof["point"]
        assert proof["returncode"] == -signal.SIGKILL, proof["output"][-3000:]
        came = proof["output"][-3000:]
        assert "line" in proof, f"{point}: no kill point came:\n{came}"
        # the fault happened mid-build: the staging set was there, unpublished
        assert proof["schemas"] == staging, proof
        if "swap" in point:
            assert proof["locks"] > 0, "the swap held no lock when killed"
        else:
            assert proof["served"] == before
        # after the kill: the previous build, intact; the staging set left over
        assert proof["after_kill"] == before, point
        assert proof["left"] == staging, point
        if number > 0:
            # this build found the previous kill's leftovers and dropped them
            assert "Dropped the schemas an unfinished build left" in proof["output"]

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Dropped the schemas an unfinished build left" in output
    published = _state()
    assert _consistent(published) and published[0] == new_date
    assert _build_schemas() == []

    # every read showed one whole build: the previous one until the
    # recovery build's swap, then the new one
    assert reads["errors"] == []
    states = [(t, tuple(s)) for t, *s in reads["states"]]
    during = [s for t, s in states if started <= t <= kill_end]
    assert len(during) > 30, len(during)
    assert all(s == tuple(before) for s in during), set(during)
    seen = [s for _, s in states]
    assert set(seen) == {tuple(before), tuple(published)}
    switch = seen.index(tuple(published))
    assert all(s == tuple(before) for s in seen[:switch])
    assert all(s == tuple(published) for s in seen[switch:])
    for proof in proofs:
        line, ended = proof["line"], proof["ended"]
        print(f"\n{proof['point']}: killed at {line!r}, {ended:.1f} s in")
    print(
        f"reads: {len(during)} during the three killed builds, all {before}; "
        f"{len(seen)} in all: {switch} of {before[0]}, then "
        f"{len(seen) - switch} of {published[0]}"
    )


def test_a_failed_data_test_leaves_the_served_build(
    served_build: tuple[Any, ...],
) -> None:
    before = _state()
    review = "select min(review_id) from olist.order_reviews"
    (review_id,) = _query(review)[0]
    (score,) = _query(
        "select review_score from olist.order_reviews where review_id = %s",
        (review_id,),
    )[0]
    update = "update olist.order_reviews set review_score = %s where review_id = %s"
    with postgres_engine.pg_connect() as connection, connection.cursor() as cursor:
        cursor.execute(update, (9, review_id))
    try:
        result = _build(_next_date(before))
    finally:
        with postgres_engine.pg_connect() as connection, connection.cursor() as cursor:
            cursor.execute(update, (score, review_id))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # every model was built (into the staging set), then a test failed
    assert "OK created sql table model main__build.customer_segments" in output
    assert "accepted_values_stg_olist__order_reviews_review_score" in output
    assert "Nothing was published" in output
    assert _state() == before
    assert _build_schemas() == []


def test_a_second_build_or_load_is_refused_naming_the_first(
    served_build: tuple[Any, ...], sample_dir: Path
) -> None:
    holder = postgres_engine.pg_connect()
    holder.autocommit = True
    try:
        with holder.cursor() as cursor:
            cursor.execute("set application_name = 'the first build'")
            cursor.execute(
                "select pg_advisory_lock(%s, %s)", postgres_publication.LOCK_KEYS
            )
            result = _build(DATES[0])
            with pytest.raises(engines.EngineError, match="the first build"):
                engines.load("postgres", sample_dir)
    finally:
        holder.close()
    assert result.returncode != 0
    assert "another build or load is writing" in result.stderr
    assert "the first build" in result.stderr
    assert "Traceback" not in result.stderr


def test_published_views_read_the_served_tables(
    served_build: tuple[Any, ...],
) -> None:
    views = _query(
        "select c.oid, n.nspname, c.relname, pg_get_viewdef(c.oid) from pg_class "
        "as c join pg_namespace as n on n.oid = c.relnamespace "
        "where c.relkind = 'v' and n.nspname = any(%s)",
        (list(SERVED),),
    )
    assert {v[2] for v in views} >= {"int_segment_fit_sample"}
    for oid, _schema, _name, definition in views:
        assert "__build" not in definition and "__previous" not in definition
        read = _query(
            "select distinct n.nspname from pg_rewrite as r join pg_depend as d "
            "on d.objid = r.oid and d.classid = 'pg_rewrite'::regclass "
            "join pg_class as c on c.oid = d.refobjid and c.oid <> r.ev_class "
            "join pg_namespace as n on n.oid = c.relnamespace "
            "where r.ev_class = %s",
            (oid,),
        )
        assert {row[0] for row in read} <= set(SERVED) | {"olist"}
