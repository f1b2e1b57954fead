"""Benchmark: what users run, against a pandas notebook and a DuckDB floor.

Run ``make benchmark`` (or ``python -m olist_segmentation.benchmark``). On
each data set (the real Olist data when ``OLIST_REAL_DATA_DIR`` or
``--real-data-dir`` names it, and generated samples of ``--orders`` orders,
seed ``--seed``) it runs, one at a time and each as a whole process:

* the generator writing the sample (generated data only);
* **first build**: ``olist-seg build`` into an empty warehouse with an empty
  dbt target folder, as from a fresh clone (dbt parses the whole project;
  input checks, every model and test, the model selection and fit on the
  bounded sample, publication, summary);
* **reuse build**: ``olist-seg build`` again on the same data and warehouse
  (frozen model: SQL and tests; dbt's partial parse);
* **make run**: the ``make run`` target itself (build, drift, export,
  report) with ``OLIST_DATA_DIR`` on the data and a new warehouse and
  target folder (``-o`` marks the install step done: the virtual
  environment this benchmark runs in is the one it uses);
* the **pandas yardstick** (:mod:`olist_segmentation.yardstick`);
* the **DuckDB floor** (:mod:`olist_segmentation.benchmark_floor`).

Each is measured as a process tree (:mod:`olist_segmentation.benchmark_measure`:
wall, CPU of the process and its children, peak memory); each build's time
is split into phases from its own ``run_results.json`` and
``olist_build_timings.json`` (:mod:`olist_segmentation.benchmark_phases`).
The page and its JSON twin are written by
:mod:`olist_segmentation.benchmark_report`. Timings live here, never in the
test suite. Take them on a quiet machine: another heavy job on the two
cores makes them meaningless.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from olist_segmentation.benchmark_measure import Measurement, measure
from olist_segmentation.benchmark_phases import build_phases
from olist_segmentation.benchmark_report import (
    FIRST,
    FLOOR,
    GENERATE,
    MAKE_RUN,
    PANDAS,
    REUSE,
    Run,
    machine_facts,
    write_results,
)
from olist_segmentation.build import PROJECT_DIR
from olist_segmentation.build_timings import TIMINGS_FILE

RESULTS = PROJECT_DIR / "docs" / "benchmarks.md"
#: The yardstick is stopped after this many seconds (it may not finish).
YARDSTICK_TIMEOUT = 400.0
#: ``--steps`` names, in the order they run on each data set.
STEP_NAMES = {
    "first": FIRST,
    "reuse": REUSE,
    "make-run": MAKE_RUN,
    "pandas": PANDAS,
    "floor": FLOOR,
}


def _log(text: str) -> None:
    print(f"[benchmark] {text}", file=sys.stderr, flush=True)


def _bin(name: str) -> Path:
    """Return a program of the virtual environment this Python runs in."""
    return Path(sys.executable).parent / name


def built_totals(warehouse: Path) -> dict[str, Any]:
    """Return customers, qualifying orders and spend of a built ``customer_rfm``."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "select count(*), sum(frequency), sum(monetary) from main.customer_rfm"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return {
        "customers": int(row[0]),
        "orders": int(row[1] or 0),
        "monetary": str(row[2] or 0),
    }


def _run(label: str, step: str, m: Measurement) -> Run:
    failed = m.finished and m.exit_code != 0
    if failed:
        _log(f"  FAILED (exit {m.exit_code}):\n{m.output_tail}")
    else:
        _log(
            f"  {m.seconds:.1f} s wall, {m.cpu_seconds:.1f} s CPU, "
            f"{m.peak_bytes / 1024**3:.2f} GiB" + ("" if m.finished else " (stopped)")
        )
    return Run(
        data=label,
        step=step,
        seconds=m.seconds,
        peak_bytes=m.peak_bytes,
        finished=m.finished,
        cpu_seconds=m.cpu_seconds,
        largest_process_bytes=m.largest_process_bytes,
        tree_peak_bytes=m.tree_peak_bytes,
        failed=failed,
    )


def read_phases(target: Path, m: Measurement) -> list[dict[str, Any]]:
    """Return the phases of the build measured by ``m`` from its target folder.

    Raises:
        ValueError: The folder holds no records of that build.
    """
    run_results = json.loads((target / "run_results.json").read_text())
    timings = json.loads((target / TIMINGS_FILE).read_text())
    if timings["marks"].get("command_start", 0.0) < m.started:
        raise ValueError(f"{target / TIMINGS_FILE} is older than the build")
    phases = build_phases(m.started, m.ended, run_results, timings["marks"])
    return [phase.as_dict() for phase in phases]


def _environment(data_dir: Path, folder: Path) -> dict[str, str]:
    """Return the environment of a build on ``data_dir`` in ``folder``."""
    (folder / "warehouse").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        OLIST_PROJECT_DIR=str(PROJECT_DIR),
        OLIST_DATA_DIR=str(data_dir.resolve()),
        OLIST_DUCKDB_PATH=str(folder / "warehouse" / "olist.duckdb"),
        DBT_TARGET_PATH=str(folder / "target"),
        DBT_LOG_PATH=str(folder / "logs"),
        DO_NOT_TRACK="1",
    )
    return env


def bench_builds(
    label: str, data_dir: Path, scratch: Path, steps: list[str]
) -> list[Run]:
    """Measure the first and reuse builds and ``make run`` on one folder."""
    runs: list[Run] = []
    folder = scratch / "builds"
    env = _environment(data_dir, folder)
    for step in (s for s in (FIRST, REUSE) if s in steps):
        _log(f"{label}: {step} (olist-seg build) ...")
        m = measure([str(_bin("olist-seg")), "build"], env, cwd=PROJECT_DIR)
        run = _run(label, step, m)
        runs.append(run)
        if run.failed:
            break  # the reuse build needs the first one
        run.totals = built_totals(Path(env["OLIST_DUCKDB_PATH"]))
        run.customers = run.totals["customers"]
        try:
            run.phases = read_phases(folder / "target", m)
        except (OSError, ValueError, KeyError) as error:
            _log(f"  no phases: {error}")
    first = next((r for r in runs if r.step == FIRST), None)
    if MAKE_RUN in steps and (first is None or not first.failed):
        _log(f"{label}: make run ...")
        fresh = scratch / "make_run"
        venv = Path(sys.executable).parent.parent
        # a top-level make, as a user's: nothing of `make benchmark`'s own make
        make_env = {
            name: value
            for name, value in _environment(data_dir, fresh).items()
            if name not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
        }
        command = [
            "make",
            "--no-print-directory",
            "-o",
            f"{venv}/bin/.installed",
            "run",
            f"VENV={venv}",
            f"REPORT_DIR={fresh / 'reports'}",
        ]
        runs.append(_run(label, MAKE_RUN, measure(command, make_env, PROJECT_DIR)))
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(scratch / "make_run", ignore_errors=True)
    return runs


def bench_data(
    label: str, data_dir: Path, scratch: Path, steps: list[str]
) -> list[Run]:
    """Measure every chosen step on one folder of the nine CSVs."""
    runs = bench_builds(label, data_dir, scratch, steps)
    if PANDAS in steps:
        _log(f"{label}: pandas yardstick ...")
        command = [sys.executable, "-m", "olist_segmentation.yardstick", str(data_dir)]
        runs.append(_run(label, PANDAS, measure(command, timeout=YARDSTICK_TIMEOUT)))
    if FLOOR in steps:
        _log(f"{label}: DuckDB floor ...")
        command = [
            sys.executable,
            "-m",
            "olist_segmentation.benchmark_floor",
            str(data_dir.resolve()),
        ]
        m = measure(command, cwd=PROJECT_DIR)
        run = _run(label, FLOOR, m)
        if not run.failed:
            run.totals = json.loads(m.output_tail.strip().splitlines()[-1])
            run.totals.pop("seconds", None)
            run.customers = run.totals["customers"]
        runs.append(run)
    return runs


def benchmark(
    orders: list[int], real_data_dir: Path | None, steps: list[str], seed: int = 1
) -> list[Run]:
    """Run every measurement; return them in table order."""
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="olist-benchmark-") as tmp:
        scratch = Path(tmp)
        if real_data_dir is not None:
            runs += bench_data("real Olist data", real_data_dir, scratch, steps)
        for n in orders:
            sample = scratch / f"sample_{n}"
            label = f"generated {n:,} orders"
            _log(f"{label}: generate (seed {seed}) ...")
            command = [
                sys.executable,
                "-m",
                "olist_segmentation.generate",
                "--orders",
                str(n),
                "--seed",
                str(seed),
                "--out",
                str(sample),
            ]
            run = _run(label, GENERATE, measure(command))
            runs.append(run)
            if not run.failed:
                runs += bench_data(label, sample, scratch, steps)
            shutil.rmtree(sample, ignore_errors=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orders",
        type=int,
        nargs="*",
        default=[1_000_000],
        help="sizes of the generated samples (default: 1000000; none: "
        "--orders with no value; 10M takes about an hour with every step)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="generator seed (default: 1)"
    )
    real = os.environ.get("OLIST_REAL_DATA_DIR")
    parser.add_argument(
        "--real-data-dir",
        type=Path,
        default=Path(real) if real else None,
        help="folder of the real Kaggle CSVs (default: $OLIST_REAL_DATA_DIR)",
    )
    parser.add_argument(
        "--skip-real", action="store_true", help="do not run on the real data"
    )
    parser.add_argument(
        "--steps",
        default=",".join(STEP_NAMES),
        help=f"comma-separated steps of each data set (default: all: "
        f"{','.join(STEP_NAMES)}; reuse needs first)",
    )
    parser.add_argument(
        "--results",
        "--output",
        dest="results",
        type=Path,
        default=RESULTS,
        help="Markdown page to write, and its .json twin (default: docs/benchmarks.md)",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="only write the page from the .json of an earlier benchmark",
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.steps.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in STEP_NAMES]
    if unknown or ("reuse" in chosen and "first" not in chosen):
        parser.error(
            f"--steps: unknown {unknown}" if unknown else "--steps: reuse needs first"
        )
    if args.render:
        document = json.loads(args.render.read_text())
        rows = document["runs"] if isinstance(document, dict) else document
        runs = [Run.from_dict(row) for row in rows]
        machine = document.get("machine", {}) if isinstance(document, dict) else {}
    else:
        machine = machine_facts()
        real_dir = None if args.skip_real else args.real_data_dir
        steps = [STEP_NAMES[name] for name in chosen]
        runs = benchmark(args.orders, real_dir, steps, args.seed)
    written = write_results(args.results, runs, machine)
    print(f"wrote {written} and {written.with_suffix('.json').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
