"""Spark builds as processes of their own, killed on cue, and the catalogue after.

With the embedded (Derby) metastore one JVM at a time may open a Spark
warehouse, so while these run the test process must not start Spark on the
same folder; :func:`inspect` reads the catalogue in a process of its own.
Run ``python -m helpers.spark_runs`` (with ``OLIST_SPARK_DIR``) to print
the catalogue as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

#: Where ``helpers`` lives, for the inspecting process's path.
TESTS_DIR = Path(__file__).resolve().parents[1]


@dataclass
class Killed:
    """A build killed with SIGKILL once it printed ``marker``."""

    output: str
    seconds: float


def olist_seg(*args: str, env: dict[str, str] | None = None) -> str:
    """Run ``olist-seg`` in a process of its own; fail with its output."""
    result = subprocess.run(
        [sys.executable, "-m", "olist_segmentation.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"olist-seg {' '.join(args)}:\n{output[-5000:]}"
    return output


def kill_at(marker: str, *args: str, env: dict[str, str] | None = None) -> Killed:
    """Start ``olist-seg args``; SIGKILL it (and its JVM) once it prints ``marker``.

    Fails when the process ends before printing it: then nothing was killed.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "olist_segmentation.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    process.stdout.close()
    output = "".join(lines)
    assert marker in output, f"the build ended before {marker!r}:\n{output[-5000:]}"
    assert process.returncode == -signal.SIGKILL, process.returncode
    return Killed(output, time.perf_counter() - started)


def inspect() -> dict[str, object]:
    """Read the Spark catalogue of ``$OLIST_SPARK_DIR`` in a process of its own.

    Returns ``{"databases": {name: [tables]}, "views": {"db.name":
    generation suffix}}`` for the served databases and their generations.
    """
    result = subprocess.run(
        [sys.executable, "-m", "helpers.spark_runs"],
        capture_output=True,
        text=True,
        check=False,
        cwd=TESTS_DIR,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]
            ),
        },
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def catalogue(spark: object) -> dict[str, object]:
    """Return the catalogue :func:`inspect` prints, read on ``spark``."""
    from olist_segmentation.spark_publication import (
        GENERATION,
        SparkPublication,
    )

    served = ("main", "staging", "intermediate", "reference")
    catalog = spark.catalog  # type: ignore[attr-defined]
    databases = {
        str(d.name): sorted(str(t.name) for t in catalog.listTables(d.name))
        for d in catalog.listDatabases()
        if str(d.name) in served or (GENERATION.match(str(d.name)) is not None)
    }
    views = {
        name: suffix
        for suffix, names in SparkPublication(spark, "")
        .generations_in_use(served)
        .items()
        for name in names
    }
    return {"databases": databases, "views": views}


def _main() -> None:
    from olist_segmentation.build import PROJECT_DIR
    from olist_segmentation.spark_engine import spark_session

    print(json.dumps(catalogue(spark_session(PROJECT_DIR))))


if __name__ == "__main__":
    _main()
