"""Real dbt builds for the tests, and warehouses shared by a whole session.

A shared warehouse is built once per test session, even when pytest-xdist
runs the tests in several worker processes: the first worker that asks for
it builds it under a file lock, the others wait and reuse it. Tests only
read a shared warehouse (DuckDB read-only connections, ``olist-seg`` read
commands); a test that changes a warehouse copies it first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock

from olist_segmentation import build

#: The as-of date of `early_build`: the model trained months before the
#: data's end, so a later build scores new customers with it.
EARLY = "2018-03-01"


#: The refresh-interval simulation of the test sample: short, to stay fast.
STABILITY_VARS = {
    "stability_start_dates": ["2017-06-05", "2017-09-04", "2017-12-04", "2018-03-05"],
    "stability_horizon_weeks": 6,
}
#: The as-of date the `stability_build` model is trained at (a start date).
EARLY_AS_OF_DATE = "2017-12-04"


@dataclass
class StabilityBuild:
    """A warehouse whose model was trained early, then rebuilt with the
    refresh-interval simulation at the latest date (so the drift check
    must say a refit is due)."""

    build: Build
    early: Build


#: Written into a shared folder once it is complete.
COMPLETE = ".complete"
#: The dbt output of the build that made a shared warehouse.
OUTPUT = "dbt-output.txt"


@dataclass
class Build:
    """A finished dbt build: where its data came from and where it went."""

    data_dir: Path
    warehouse: Path
    output: str

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` on the warehouse (read-only) and return a DataFrame."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).df()
        finally:
            con.close()


@contextmanager
def _target_for(dbt_vars: dict[str, object] | None) -> Iterator[None]:
    """Point dbt at a target folder of its own for this set of vars.

    dbt re-parses the whole project when the vars differ from its last
    parse (seconds); a folder per set of vars keeps one partial parse for
    each, so a plain build after a build with vars parses nothing again.
    """
    base = os.environ.get("DBT_TARGET_PATH")
    if not base or not dbt_vars:
        yield
        return
    key = hashlib.sha256(json.dumps(dbt_vars, sort_keys=True).encode()).hexdigest()
    os.environ["DBT_TARGET_PATH"] = str(Path(base) / f"vars-{key[:12]}")
    try:
        yield
    finally:
        os.environ["DBT_TARGET_PATH"] = base


def run_dbt(
    args: list[str],
    data_dir: Path | None = None,
    warehouse: Path | None = None,
    dbt_vars: dict[str, object] | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """:func:`olist_segmentation.build.run_dbt`, with a dbt target folder per
    set of vars (see :func:`_target_for`); everything else is the same."""
    with _target_for(dbt_vars):
        return build.run_dbt(args, data_dir, warehouse, dbt_vars, capture)


def olist_seg_build(
    data_dir: Path, warehouse: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``olist-seg build`` as a user does: a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "olist_segmentation.cli", "build", *args]
        + ["--data-dir", str(data_dir), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def build_or_fail(
    data_dir: Path, warehouse: Path, monitoring: bool = False, **dbt_vars: object
) -> Build:
    """Run ``dbt build``; fail the test with dbt's output when it fails.

    With ``monitoring``, also run the lift backtest and the drift check
    (``dbt build --selector monitoring``, what ``make drift`` does).
    """
    result = run_dbt(["build"], data_dir, warehouse, dbt_vars or None, capture=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    if monitoring:
        result = run_dbt(
            ["build", "--selector", "monitoring"],
            data_dir,
            warehouse,
            dbt_vars or None,
            capture=True,
        )
        output += result.stdout + result.stderr
        assert result.returncode == 0, output[-5000:]
    return Build(data_dir, warehouse, output)


#: Env var naming a folder of shared builds kept across pytest sessions
#: (.ci/run sets a new one per run, so the PostgreSQL and Spark suites reuse
#: the DuckDB builds `make test` made instead of building them again).
SHARED_DIR_ENV = "OLIST_TEST_SHARED_DIR"
#: What a shared build depends on: a change to any of these files makes the
#: builds in ``$OLIST_TEST_SHARED_DIR`` stale.
_BUILD_INPUTS = ("python", "models", "macros", "seeds", "tests/helpers")
_BUILD_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml")


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    root = build.PROJECT_DIR
    files = [root / name for name in _BUILD_FILES]
    for folder in _BUILD_INPUTS:
        files += sorted(
            f
            for f in (root / folder).rglob("*")
            if f.is_file()
            and not any(
                part == "__pycache__" or part.endswith(".egg-info") for part in f.parts
            )
        )
    for file in files:
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def session_root(base_temp: Path) -> Path:
    """The folder every worker of this session shares.

    ``base_temp`` is pytest's base temporary folder of this process; under
    pytest-xdist each worker has its own (``popen-gwN``) inside the session's.
    With ``$OLIST_TEST_SHARED_DIR`` set, that folder instead, shared with
    later sessions; it refuses builds made from other code (a fingerprint
    of the project's files, written by the first session).
    """
    kept = os.environ.get(SHARED_DIR_ENV)
    if kept:
        root = Path(kept)
        root.mkdir(parents=True, exist_ok=True)
        stamp = root / "code-fingerprint"
        fingerprint = _code_fingerprint()
        with FileLock(str(stamp) + ".lock"):
            if not stamp.exists():
                stamp.write_text(fingerprint, encoding="utf-8")
            elif stamp.read_text(encoding="utf-8") != fingerprint:
                raise RuntimeError(
                    f"{SHARED_DIR_ENV}={root} holds builds of other code (the "
                    "project's files changed since): remove the folder or "
                    f"unset {SHARED_DIR_ENV}."
                )
        return root
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return base_temp.parent / "shared"
    return base_temp / "shared"


def made_once(folder: Path, make: Callable[[Path], None]) -> Path:
    """Return ``folder``, filled by ``make(folder)`` once per session.

    The first process to get here makes it under a file lock; the others
    wait, then find it complete. A failed ``make`` leaves no mark, so the
    next caller tries again (and fails with the same message).
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not (folder / COMPLETE).exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / COMPLETE).touch()
    return folder


def shared_build(
    root: Path,
    name: str,
    data_dir: Path,
    build: Callable[[Path, Path], Build],
) -> Build:
    """A warehouse built once per session by ``build(data_dir, warehouse)``.

    Args:
        root: :func:`session_root`.
        name: The folder of this warehouse under ``root``.
        data_dir: The data it is built from.
        build: Makes the warehouse, e.g. ``lambda d, w: build_or_fail(d, w)``.
    """

    def make(folder: Path) -> None:
        done = build(data_dir, folder / "olist.duckdb")
        (folder / OUTPUT).write_text(done.output, encoding="utf-8")

    folder = made_once(root / name, make)
    output = (folder / OUTPUT).read_text(encoding="utf-8")
    return Build(data_dir, folder / "olist.duckdb", output)


def private_copy(shared: Build, folder: Path) -> Build:
    """A copy of ``shared``'s warehouse in ``folder`` that a test may change."""
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / shared.warehouse.name
    shutil.copyfile(shared.warehouse, warehouse)
    return Build(shared.data_dir, warehouse, shared.output)
