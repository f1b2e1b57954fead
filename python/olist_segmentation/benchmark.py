"""Benchmark: wall-clock time of `dbt build` and of the sample generator.

Run ``make benchmark`` (or ``python -m olist_segmentation.benchmark``). It
times, each ``--repeats`` times:

* the generator writing ``--orders`` synthetic orders;
* on that sample, and on the real data when ``--real-data-dir`` (default:
  env ``OLIST_BENCHMARK_DATA_DIR`` or ``../shared/data/olist``) exists:
  the first ``dbt build`` of an empty warehouse (every model, seed and test,
  with the segment model selection), a later ``dbt build`` (the frozen
  model reused) and ``dbt build --selector stability`` (the same plus the
  refresh-interval simulation, what ``make stability`` runs);

and writes a Markdown table to ``docs/benchmarks.md``. Timings live here,
never in the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from olist_segmentation.build import PROJECT_DIR, run_dbt, warehouse_summary
from olist_segmentation.generate import generate

RESULTS = PROJECT_DIR / "docs" / "benchmarks.md"


def _time(action: Callable[[], object], repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def _dbt_build(
    data_dir: Path, warehouse: Path, *args: str, fresh: bool = False
) -> None:
    if fresh:
        warehouse.unlink(missing_ok=True)
    result = run_dbt(["build", *args], data_dir, warehouse, capture=True)
    if result.returncode != 0:
        raise RuntimeError(f"dbt build failed on {data_dir}:\n{result.stdout[-3000:]}")


#: The builds timed on each data set: (label, dbt build arguments, fresh).
BUILDS = (
    ("first dbt build (model selection)", (), True),
    ("dbt build (frozen model reused)", (), False),
    (
        "make stability (dbt build --selector stability)",
        ("--selector", "stability"),
        False,
    ),
)


def benchmark(
    orders: int, repeats: int, real_data_dir: Path | None
) -> list[tuple[str, str, list[float]]]:
    """Time the generator and the build; return (what, rows, seconds) rows."""
    rows: list[tuple[str, str, list[float]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        sample = Path(scratch) / "sample"
        seconds = _time(lambda: generate(sample, n_orders=orders, seed=42), repeats)
        rows.append(("generate synthetic sample", f"{orders:,} orders", seconds))
        print(f"generate {orders:,} orders: {min(seconds):.1f} s", file=sys.stderr)

        targets = [("sample", sample)]
        if real_data_dir is not None:
            targets.append(("real Olist data", real_data_dir))
        for label, data_dir in targets:
            warehouse = Path(scratch) / f"{label.replace(' ', '_')}.duckdb"
            for build, args, fresh in BUILDS:
                seconds = _time(
                    lambda d=data_dir, w=warehouse, a=args, f=fresh: _dbt_build(
                        d, w, *a, fresh=f
                    ),
                    repeats,
                )
                customers = warehouse_summary(warehouse).rows["customer_rfm"]
                rows.append((f"{build}, {label}", f"{customers:,} customers", seconds))
                print(f"{build}, {label}: {min(seconds):.1f} s", file=sys.stderr)
    return rows


def render(rows: list[tuple[str, str, list[float]]], repeats: int) -> str:
    """Return the results as the Markdown page ``docs/benchmarks.md``."""
    lines = [
        "# Benchmarks",
        "",
        "Wall-clock seconds, written by `make benchmark` "
        "(`python -m olist_segmentation.benchmark`).",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}, "
        f"duckdb {version('duckdb')}. {repeats} runs each. A `dbt build` "
        "includes dbt's start-up and parse, the input checks, every model, "
        "seed, data test and unit test; the first build of an empty warehouse "
        "also runs the segment model selection, later builds reuse the frozen "
        "model, and `--selector stability` adds the refresh-interval "
        "simulation (docs/stability.md).",
        "",
        "| step | size | median s | min s | max s |",
        "|---|---:|---:|---:|---:|",
    ]
    for what, size, seconds in rows:
        lines.append(
            f"| {what} | {size} | {statistics.median(seconds):.1f} "
            f"| {min(seconds):.1f} | {max(seconds):.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--real-data-dir",
        type=Path,
        default=Path(
            os.environ.get(
                "OLIST_BENCHMARK_DATA_DIR", PROJECT_DIR.parent / "shared/data/olist"
            )
        ),
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    real = args.real_data_dir if args.real_data_dir.is_dir() else None
    rows = benchmark(args.orders, args.repeats, real)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(rows, args.repeats), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
