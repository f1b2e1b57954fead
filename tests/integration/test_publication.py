"""Atomic publication, BI readers and faults of the environment.

Real processes throughout: builds run through the ``olist-seg`` command
line, are killed with SIGKILL, readers are separate Python processes, and
the old-client check installs DuckDB 1.1.3 from the package registry into
its own virtual environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olist_segmentation import publish

from helpers.builds import EARLY, Build, made_once, olist_seg_build

#: The as-of date of the served build the tests start from; the builds under
#: test run at the data's latest date, so old and new tables differ.
OLD_CLIENT = "duckdb==1.1.3"
CONSISTENCY_SQL = """
select
    (select max(as_of_date) from main.customer_rfm)::varchar as rfm_as_of,
    (select max(as_of_date) from main.customer_segments)::varchar as seg_as_of,
    (select count(*) from main.customer_rfm) as rfm_rows,
    (select count(*) from main.customer_segments) as seg_rows,
    (select count(*) from main.customer_segments as s
     where not exists (select 1 from main.customer_rfm as r
                       where r.customer_unique_id = s.customer_unique_id)) as orphans
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(path: Path) -> tuple[str, str, int, int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(CONSISTENCY_SQL).fetchone()
    finally:
        con.close()


def _consistent(state: tuple[str, str, int, int, int]) -> bool:
    rfm_as_of, seg_as_of, rfm_rows, seg_rows, orphans = state
    return rfm_as_of == seg_as_of and rfm_rows == seg_rows and orphans == 0


def _cli(
    data_dir: Path, warehouse: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return olist_seg_build(data_dir, warehouse, *args)


@pytest.fixture()
def served(early_build: Build, tmp_path: Path) -> Path:
    """A private copy of the early build, as the file BI tools open."""
    target = tmp_path / "served" / "olist.duckdb"
    target.parent.mkdir()
    shutil.copyfile(early_build.warehouse, target)
    return target


# -- kill -9 -----------------------------------------------------------------

#: Where to kill, and whether to kill the whole process group (Ctrl-C of a
#: terminal, a CI timeout) or only the `olist-seg` process (`kill -9 PID`).
KILL_POINTS = {
    "during the input checks": ("START hook: olist_segmentation.on-run-start.1", True),
    "right after customer_rfm is rebuilt (parent only)": (
        "OK created sql table model main.customer_rfm ",
        False,
    ),
    "right after customer_rfm is rebuilt": (
        "OK created sql table model main.customer_rfm ",
        True,
    ),
    "right after customer_segments is rebuilt": (
        "OK created sql (incremental|table) model main.customer_segments ",
        True,
    ),
    "after dbt finished, while publishing": ("Finished running", True),
}


def _kill_at(point: str, served: Path, sample_dir: Path) -> list[str]:
    """Run ``olist-seg build`` and SIGKILL it at ``point``; its output."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "olist_segmentation.cli",
            "build",
            "--data-dir",
            str(sample_dir),
            "--warehouse",
            str(served),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    trigger, whole_group = KILL_POINTS[point]
    pattern = re.compile(trigger)
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if pattern.search(line):
            if whole_group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen[-30:])
    assert pattern.search(seen[-1]), f"{point}: the kill point never came"
    time.sleep(0.5)  # the dbt child dies with its parent (PR_SET_PDEATHSIG)
    return seen


def test_kills_leave_the_previous_complete_set(served: Path, sample_dir: Path) -> None:
    # The kills in a row (the one that may publish last), then one recovery
    # build: each killed build starts from the previous one's leftovers,
    # which is a harder start than a clean folder, and the suite pays for
    # one recovery build instead of five.
    before_hash = _sha256(served)
    before = _state(served)
    assert _consistent(before) and before[0] == EARLY
    for point in KILL_POINTS:
        _kill_at(point, served, sample_dir)
        after = _state(served)
        assert _consistent(after), (point, after)
        if _sha256(served) != before_hash:
            # only possible once dbt finished: the new set, complete
            assert point == "after dbt finished, while publishing"
            assert after[0] > EARLY
        else:
            assert after == before, point

    # the next build removes the leftovers and publishes
    result = _cli(sample_dir, served)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    final = _state(served)
    assert _consistent(final) and final[0] > EARLY
    assert not publish.WorkPaths(served).work_dir.exists()
    assert not publish.WorkPaths(served).lock.exists()


# -- readers during a build --------------------------------------------------

POLLER = """
import json, sys, time
from pathlib import Path
import duckdb
served, stop, out = (Path(arg) for arg in sys.argv[1:4])
sql, held = sys.argv[4], sys.argv[5] == "held"
# held: a BI tool's connection open all along; else a new one per query
# (DuckDB shares one instance per file within a process: two processes)
con = duckdb.connect(str(served), read_only=True) if held else None
states, errors = [], []
while not stop.exists():
    try:
        if not held:
            con = duckdb.connect(str(served), read_only=True)
        states.append(list(con.execute(sql).fetchone()))
        if not held:
            con.close()
    except Exception as error:  # noqa: BLE001 - every failure is a finding
        errors.append(repr(error))
    time.sleep(0.05)
out.write_text(json.dumps({"states": states, "errors": errors}))
"""


def test_readers_never_block_the_build_nor_see_a_half_written_set(
    served: Path, sample_dir: Path, tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    script = tmp_path / "poller.py"
    script.write_text(POLLER)
    pollers = {
        mode: subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(served),
                str(stop),
                str(tmp_path / f"{mode}.json"),
                CONSISTENCY_SQL,
                mode,
            ]
        )
        for mode in ("fresh", "held")
    }
    try:
        time.sleep(1.5)
        result = _cli(sample_dir, served)
        time.sleep(1.5)
    finally:
        stop.touch()
        for poller in pollers.values():
            poller.wait(timeout=60)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    fresh = json.loads((tmp_path / "fresh.json").read_text())
    held = json.loads((tmp_path / "held.json").read_text())
    assert fresh["errors"] == [] and held["errors"] == []
    states = [tuple(s) for s in fresh["states"]]
    assert len(states) > 20
    assert all(_consistent(s) for s in states)
    # new connections see the old set, then the new one, never a mixture
    dates = [s[0] for s in states]
    assert dates[0] == EARLY and dates[-1] > EARLY
    assert dates == sorted(dates)
    # the connection held open all along keeps reading the previous build
    assert {tuple(s) for s in held["states"]} == {states[0]}


def test_a_read_write_bi_connection_does_not_fail_the_build(
    served: Path, sample_dir: Path
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(600)",
            str(served),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        result = _cli(sample_dir, served)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"(PID {holder.pid}) holds {served} open for writing" in result.stderr
    assert _state(served)[0] > EARLY


def test_a_second_build_is_refused_naming_the_first(
    served: Path, sample_dir: Path
) -> None:
    paths = publish.WorkPaths(served)
    before = _sha256(served)
    with publish.build_lock(paths, "olist-seg build (test)"):
        result = _cli(sample_dir, served)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        f"Another build is writing {served} (PID {os.getpid()}, "
        "`olist-seg build (test)`" in result.stderr
    )
    assert "Wait for it to finish, or stop it" in result.stderr
    assert _sha256(served) == before


# -- old clients and Parquet ---------------------------------------------------


@pytest.fixture(scope="session")
def old_client(shared_root: Path) -> Path:
    """The Python of a virtual environment with DuckDB 1.1.3 from PyPI."""

    def install(root: Path) -> None:
        venv.create(root, with_pip=True)
        subprocess.run(
            [str(root / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            + [OLD_CLIENT],
            check=True,
        )

    return made_once(shared_root / "duckdb1", install) / "bin" / "python"


OLD_READ = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute(sys.argv[2]).fetchone()
parquet = con.execute(
    "select count(*) from read_parquet('" + sys.argv[3] + "/customer_segments.parquet')"
).fetchone()[0]
found = {"version": duckdb.__version__, "rows": list(rows), "parquet": parquet}
print(json.dumps(found))
"""


def test_a_duckdb_1x_client_reads_the_published_warehouse_and_parquet(
    old_client: Path, served: Path, sample_dir: Path
) -> None:
    # a warehouse written in DuckDB 2.0's own format, as before this change
    legacy = served.with_name("legacy.duckdb")
    con = duckdb.connect(
        str(legacy), config={"storage_compatibility_version": "latest"}
    )
    con.execute(f"attach '{served}' as src (read_only)")
    con.execute("copy from database src to legacy")
    con.close()
    os.replace(legacy, served)
    assert publish.storage_number(served) > publish.STORAGE_NUMBER
    unreadable = subprocess.run(
        [str(old_client), "-c", OLD_READ, str(served), CONSISTENCY_SQL, "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert unreadable.returncode != 0
    assert "version" in unreadable.stderr.lower()

    result = _cli(sample_dir, served)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "copying it to the v1.0.0 format (once)" in result.stderr
    assert publish.storage_number(served) == publish.STORAGE_NUMBER

    parquet = publish.WorkPaths(served).parquet_link
    read = subprocess.run(
        [str(old_client), "-c", OLD_READ, str(served), CONSISTENCY_SQL, str(parquet)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(read.stdout)
    assert found["version"] == "1.1.3"
    assert tuple(found["rows"]) == _state(served)
    assert found["parquet"] == found["rows"][3]


def test_parquet_folder_holds_the_public_tables_of_the_served_build(
    served: Path, sample_dir: Path
) -> None:
    result = _cli(sample_dir, served)
    assert result.returncode == 0, result.stderr[-3000:]
    link = publish.WorkPaths(served).parquet_link
    first_target = os.readlink(link)
    con = duckdb.connect(str(served), read_only=True)
    try:
        for table in (
            "customers",
            "customer_rfm",
            "customer_segments",
            "customer_predictions",
            "segment_profiles",
            "rfm_segment_summary",
        ):
            from_db = con.execute(f"select * from main.{table} order by all").df()
            from_parquet = con.execute(
                f"select * from read_parquet('{link / (table + '.parquet')}') "
                "order by all"
            ).df()
            pd.testing.assert_frame_equal(from_db, from_parquet, check_dtype=False)
    finally:
        con.close()
    # the next build repoints the link and removes the previous folder
    assert _cli(sample_dir, served).returncode == 0
    assert os.readlink(link) != first_target
    assert not (served.parent / first_target).exists()
    versions = list(served.parent.glob(".olist_parquet.*"))
    assert [v.name for v in versions] == [os.readlink(link)]


# -- faults of the environment -------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"SQLite format 3\x00" + bytes(200), "is an SQLite database"),
        (b"customer_unique_id,segment\n1,2\n", "is not a DuckDB database"),
    ],
)
def test_a_foreign_file_is_refused_and_kept(
    content: bytes, expected: str, tmp_path: Path, sample_dir: Path
) -> None:
    served = tmp_path / "olist.duckdb"
    served.write_bytes(content)
    result = _cli(sample_dir, served)
    assert result.returncode == 2
    assert expected in result.stderr and "Fix: move that file away" in result.stderr
    assert "Traceback" not in result.stderr
    assert served.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["olist.duckdb"]


def test_a_corrupt_warehouse_is_refused_and_kept(
    served: Path, sample_dir: Path
) -> None:
    data = bytearray(served.read_bytes())
    data[4096:12288] = bytes(range(256)) * 32  # break both database headers
    served.write_bytes(bytes(data))
    before = _sha256(served)
    result = _cli(sample_dir, served)
    assert result.returncode == 2
    assert f"Cannot read the warehouse {served} with DuckDB" in result.stderr
    assert "corrupt, truncated or written by a newer DuckDB" in result.stderr
    assert "Traceback" not in result.stderr
    assert _sha256(served) == before


def test_a_stale_write_ahead_log_is_named(served: Path, sample_dir: Path) -> None:
    wal = served.with_name(served.name + ".wal")
    wal.write_bytes(b"\x00" * 64)
    result = _cli(sample_dir, served)
    assert result.returncode == 2
    assert f"{wal} exists" in result.stderr and "checkpoint" in result.stderr


def test_a_folder_as_warehouse_is_named(tmp_path: Path, sample_dir: Path) -> None:
    folder = tmp_path / "olist.duckdb"
    folder.mkdir()
    result = _cli(sample_dir, folder)
    assert result.returncode == 2
    assert "is a folder. Fix: point it at a file inside it" in result.stderr


def _mount_tmpfs(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return mounted.returncode == 0


def test_a_read_only_folder_is_named(
    tmp_path: Path, early_build: Build, sample_dir: Path
) -> None:
    folder = tmp_path / "ro"
    if os.geteuid() != 0:
        folder.mkdir()
        shutil.copyfile(early_build.warehouse, folder / "olist.duckdb")
        folder.chmod(0o555)
    elif not _mount_tmpfs(folder, "size=64m"):
        pytest.skip("root without permission to mount a read-only tmpfs")
    else:
        shutil.copyfile(early_build.warehouse, folder / "olist.duckdb")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    try:
        before = _sha256(folder / "olist.duckdb")
        result = _cli(sample_dir, folder / "olist.duckdb")
        assert result.returncode == 2, result.stderr[-2000:]
        assert f"Cannot write in {folder}" in result.stderr
        assert "make the folder writable" in result.stderr
        assert "Traceback" not in result.stderr
        assert _sha256(folder / "olist.duckdb") == before
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=False)
        else:
            folder.chmod(0o755)


def test_a_full_disk_is_named_before_anything_is_written(
    tmp_path: Path, early_build: Build, sample_dir: Path
) -> None:
    folder = tmp_path / "small"
    size_mib = early_build.warehouse.stat().st_size // 1024**2 + 8
    if os.geteuid() != 0 or not _mount_tmpfs(folder, f"size={size_mib}m"):
        pytest.skip("needs root and mount to make a small disk")
    try:
        shutil.copyfile(early_build.warehouse, folder / "olist.duckdb")
        before = _sha256(folder / "olist.duckdb")
        result = _cli(sample_dir, folder / "olist.duckdb")
        assert result.returncode == 2, result.stderr[-2000:]
        assert f"free in {folder}; a build of this warehouse needs about" in (
            result.stderr
        )
        assert "Nothing was changed" in result.stderr
        assert _sha256(folder / "olist.duckdb") == before
        assert sorted(p.name for p in folder.iterdir()) == ["olist.duckdb"]
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_failed_first_build_leaves_no_file(tmp_path: Path, sample_copy: Path) -> None:
    (sample_copy / "olist_sellers_dataset.csv").unlink()
    folder = tmp_path / "new"
    folder.mkdir()
    result = _cli(sample_copy, folder / "olist.duckdb")
    assert result.returncode != 0
    assert "olist_sellers_dataset.csv" in result.stdout
    assert list(folder.iterdir()) == []
