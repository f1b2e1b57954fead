"""The benchmark's page: ``docs/benchmarks.md`` and its ``.json`` twin.

Written from the runs of one :mod:`olist_segmentation.benchmark` run: a
table per data set (wall, CPU, peak memory, ratios to the pandas yardstick
and to the DuckDB floor), the phases of one first and one reuse build, the
targets of issue 23 with the measured values, and the machine. Sections of
an existing page from :data:`KEPT_FROM` on (written by hand, e.g. the
engine comparison) are kept below the generated part.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

GIB = 1024**3
#: The steps, in table order.
GENERATE = "generate"
FIRST = "first build"
REUSE = "reuse build"
MAKE_RUN = "make run"
PANDAS = "pandas yardstick"
FLOOR = "DuckDB floor"
STEPS = (GENERATE, FIRST, REUSE, MAKE_RUN, PANDAS, FLOOR)
#: The heading from which an existing page is kept as it is.
KEPT_FROM = "## Engines"


@dataclass
class Run:
    """One measured step on one data set (a row of the page)."""

    data: str
    step: str
    seconds: float
    peak_bytes: int
    finished: bool = True
    customers: int | None = None
    cpu_seconds: float | None = None
    largest_process_bytes: int | None = None
    tree_peak_bytes: int | None = None
    failed: bool = False
    #: Rows of :func:`olist_segmentation.benchmark_phases.build_phases`.
    phases: list[dict[str, Any]] = field(default_factory=list)
    #: customers, orders, monetary: of the floor, or of the built customer_rfm.
    totals: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Run:
        """Return the run of one JSON row (older pages' rows too)."""
        known = {f.name for f in fields(cls)}
        run = cls(**{k: v for k, v in row.items() if k in known})
        if run.step.endswith(" (failed)"):
            run.step, run.failed = run.step.removesuffix(" (failed)"), True
        return run


def machine_facts() -> dict[str, str]:
    """Return what the figures depend on: machine, versions, load, commit."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    except (ValueError, OSError, AttributeError):
        memory = math.nan
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            names = [line for line in handle if line.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    except OSError:
        pass

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{memory:.0f} GiB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "DuckDB memory_limit": os.environ.get("OLIST_DUCKDB_MEMORY_LIMIT", "4GB"),
        "Python": platform.python_version(),
        "versions": ", ".join(
            f"{name} {package(name)}"
            for name in (
                "dbt-core",
                "dbt-duckdb",
                "duckdb",
                "pandas",
                "scikit-learn",
            )
        ),
        "commit": commit or "-",
    }


def find(runs: list[Run], data: str, step: str) -> Run | None:
    """Return the run of ``step`` on the data set whose label starts ``data``."""
    return next((r for r in runs if r.data.startswith(data) and r.step == step), None)


def _ok(run: Run | None) -> bool:
    return run is not None and not run.failed and not math.isnan(run.seconds)


def _ratio(value: float, base: Run | None, of_memory: bool = False) -> str:
    if not _ok(base) or base is None:
        return ""
    denominator = base.peak_bytes if of_memory else base.seconds
    if not denominator:
        return ""
    mark = "" if base.finished else "< "
    return f"{mark}{value / denominator:.2f}x"


def targets(runs: list[Run], machine: dict[str, str]) -> list[dict[str, str]]:
    """Return the targets of issue 23 present in ``runs``: target, measured, met."""
    rows: list[dict[str, str]] = []

    def add(target: str, measured: str, met: bool) -> None:
        rows.append(
            {"target": target, "measured": measured, "met": "yes" if met else "no"}
        )

    def versus(
        data: str, step: str, base: str, what: str, limit: float, **how: bool
    ) -> None:
        run, reference = find(runs, data, step), find(runs, data, base)
        if run is None or reference is None:
            return
        if not _ok(run):
            add(what, "failed", False)
            return
        if not _ok(reference):
            return
        memory, strict = how.get("memory", False), how.get("strict", False)
        value = (
            run.peak_bytes / reference.peak_bytes
            if memory
            else run.seconds / reference.seconds
        )
        mark = "" if reference.finished else "< "
        add(what, f"{mark}{value:.2f}x", value < limit if strict else value <= limit)

    versus("real", REUSE, PANDAS, "real data: reuse build <= 1.5x pandas", 1.5)
    versus("real", FIRST, PANDAS, "real data: first build <= 4x pandas", 4.0)
    one = "generated 1,000,000 "
    versus(
        one,
        REUSE,
        PANDAS,
        "1M orders: reuse build faster than pandas",
        1.0,
        strict=True,
    )
    versus(
        one,
        REUSE,
        PANDAS,
        "1M orders: reuse build peak <= pandas' peak",
        1.0,
        memory=True,
    )
    ten = "generated 10,000,000 "
    default_limit = machine.get("DuckDB memory_limit", "4GB").replace(" ", "") == "4GB"
    for step in (FIRST, REUSE):
        run = find(runs, ten, step)
        if run is None:
            first = find(runs, ten, FIRST)
            if step == REUSE and first is not None and first.failed:
                add(f"10M orders: {step} completes", "not run (no first build)", False)
            continue
        add(
            f"10M orders: {step} completes with the default memory_limit (4 GB)",
            ("completed" if _ok(run) else "failed")
            + ("" if default_limit else f" (limit {machine['DuckDB memory_limit']})"),
            _ok(run) and default_limit,
        )
        if _ok(run):
            add(
                f"10M orders: {step} peak <= 6 GiB",
                f"{run.peak_bytes / GIB:.2f} GiB",
                run.peak_bytes <= 6 * GIB,
            )
        if step == FIRST and _ok(run):
            add(
                "10M orders: first build <= 10 minutes",
                f"{run.seconds / 60:.1f} min",
                run.seconds <= 600,
            )
    versus(ten, REUSE, FLOOR, "10M orders: reuse build <= 3x the DuckDB floor", 3.0)
    generated = find(runs, ten, GENERATE)
    if generated is not None and _ok(generated):
        add(
            "generator writes 10M orders in <= 3 minutes with <= 8 GiB peak",
            f"{generated.seconds:.0f} s, {generated.peak_bytes / GIB:.2f} GiB",
            generated.seconds <= 180 and generated.peak_bytes <= 8 * GIB,
        )
    return rows


def _seconds(run: Run) -> str:
    if math.isnan(run.seconds):
        return "failed"
    if run.failed:
        return f"failed after {run.seconds:.1f}"
    return f"{run.seconds:.1f}" + ("" if run.finished else " (stopped)")


def _cpu(run: Run) -> str:
    return "" if run.cpu_seconds is None or run.failed else f"{run.cpu_seconds:.1f}"


def _data_sets(runs: list[Run]) -> list[str]:
    return list(dict.fromkeys(run.data for run in runs))


def results_table(runs: list[Run], data: str) -> list[str]:
    """Return the Markdown table of one data set's steps."""
    pandas, floor = find(runs, data, PANDAS), find(runs, data, FLOOR)
    lines = [
        "| step | wall s | CPU s | peak GiB | wall / pandas | peak / pandas "
        "| wall / floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in (r for r in runs if r.data == data):
        compared = _ok(run) and run.step not in {GENERATE, PANDAS, FLOOR}
        cells = [
            run.step,
            _seconds(run),
            _cpu(run),
            "" if run.failed else f"{run.peak_bytes / GIB:.2f}",
            _ratio(run.seconds, pandas) if compared else "",
            _ratio(run.peak_bytes, pandas, of_memory=True) if compared else "",
            _ratio(run.seconds, floor) if compared else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def floor_check(runs: list[Run], data: str) -> str:
    """Return a sentence saying whether the floor and ``customer_rfm`` agree."""
    floor = find(runs, data, FLOOR)
    built = next(
        (r for r in runs if r.data == data and r.step in {REUSE, FIRST} and r.totals),
        None,
    )
    if floor is None or not floor.totals:
        return ""
    found = floor.totals
    text = (
        f"The floor found {found['customers']:,} customers, {found['orders']:,} "
        f"qualifying orders and R$ {float(found['monetary']):,.2f}"
    )
    if built is None:
        return text + "."
    same = all(
        str(found[k]) == str(built.totals.get(k)) for k in found if k != "seconds"
    )
    return text + (
        "; the built `customer_rfm` has the same."
        if same
        else f"; the built `customer_rfm` differs: {built.totals}."
    )


def top_seconds(phases: list[dict[str, Any]]) -> float:
    """Return the summed wall seconds of the top-level phases."""
    return sum(float(p["seconds"]) for p in phases if p["level"] == 0)


def phase_table(runs: list[Run], data: str) -> list[str]:
    """Return the phase table of one data set's first and reuse builds."""
    builds = [r for r in (find(runs, data, FIRST), find(runs, data, REUSE)) if r]
    builds = [r for r in builds if r.data == data and r.phases and _ok(r)]
    if not builds:
        return []
    header = "| phase |" + "".join(
        f" {b.step}: at s | wall s | node s |" for b in builds
    )
    lines = [header, "|---|" + "---:|---:|---:|" * len(builds)]
    names = list(dict.fromkeys(p["name"] for b in builds for p in b.phases))
    for name in names:
        level = next(p["level"] for b in builds for p in b.phases if p["name"] == name)
        cells = [("&nbsp;&nbsp;- " if level else "**") + name + ("" if level else "**")]
        for build in builds:
            row = next((p for p in build.phases if p["name"] == name), None)
            if row is None:
                cells += ["", "", ""]
                continue
            nodes = row.get("node_seconds")
            cells += [
                f"{row['start']:.1f}",
                f"{row['seconds']:.1f}",
                "" if nodes is None else f"{nodes:.1f} ({row['nodes']})",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    totals = [
        f"{b.step}: phases {top_seconds(b.phases):.1f} s of {b.seconds:.1f} s"
        for b in builds
    ]
    return [
        *lines,
        "",
        "Top-level phases add up to the process: " + "; ".join(totals) + ".",
    ]


#: What the page says about method (the same every run).
METHOD = (
    "- **first build**: `olist-seg build` into an empty warehouse, with an "
    "empty dbt target folder (a fresh clone: dbt parses the whole project): "
    "input checks, every model and test, the model selection and fit on the "
    "bounded sample (`segment_fit_sample_size`, 50,000 customers), "
    "publication (Parquet export, atomic replace) and the printed summary.",
    "- **reuse build**: `olist-seg build` again, same data, same warehouse "
    "and target folder: the frozen model scores every customer in SQL, "
    "nothing is fitted. Every model and data test runs; what only re-proves "
    "unchanged inputs is skipped and the build's summary says so: the input "
    "checks of CSV files unchanged since they passed, and the purchase "
    "model's training set, which only a fit reads (DECISIONLOG \"Routine "
    'builds skip what only re-proves unchanged inputs").',
    "- **make run**: the `make run` target itself (`olist-seg build`, "
    "`drift`, `export`, `report`), with `OLIST_DATA_DIR` on the data, a new "
    "warehouse and dbt target folder, and `-o .venv/bin/.installed` (the "
    "environment is installed; make would only compare two file dates).",
    "- **pandas yardstick**: the same eight features and one k-means fit on "
    "every customer in plain pandas (`olist_segmentation.yardstick`), what a "
    "notebook does: no checks, no tests, no warehouse. Stopped after 400 s "
    "(`< ` before a ratio: the true ratio is lower).",
    "- **DuckDB floor**: R, F and M per `customer_unique_id` in one DuckDB "
    "query straight from the CSVs, with the project's qualifying orders and "
    "as-of date (`olist_segmentation.benchmark_floor`): what the mart part "
    "cannot beat.",
    "",
    "Every step is one process tree, run alone. **wall s**: start to exit. "
    "**CPU s**: user + system time of the process and every descendant it "
    "waited for (`wait4`), so `make` -> `olist-seg` -> `dbt` all count. "
    "**peak GiB**: the larger of the largest single process's maxrss and the "
    "highest sum of the tree's resident memory, sampled every 0.2 s from "
    "`/proc` (shared pages count once per process). Ratios: the step's wall "
    "time or peak over the yardstick's (or the floor's) on the same data.",
)
#: How the phase tables are made (the same every run).
PHASES = (
    "From the build's own records: dbt's `target/run_results.json` (start "
    "and end of every node and hook, `execution_time`, dbt's invocation "
    "start) and `target/olist_build_timings.json`, the marks `olist-seg "
    "build` writes outside dbt (working copy, dbt start and end, Parquet "
    "export, publication, summary). **at s**: start of the phase, seconds "
    "after the process started. Bold rows follow each other and add up to "
    "the process's wall time. Models and tests interleave on dbt's two "
    "threads (a model's tests run as soon as it is built), so their rows "
    "give **wall s** as *busy* time (at least one such node running) and "
    "**node s** as `execution_time` summed over the nodes (number of nodes "
    "in brackets): node seconds add up both threads and can exceed the wall "
    "time.",
)


def render(runs: list[Run], machine: dict[str, str]) -> str:
    """Return the generated part of ``docs/benchmarks.md``."""
    when = machine.get("date", "")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make benchmark` (`python -m olist_segmentation.benchmark`)"
        + (f" on {when}" if when else "")
        + ": one run, one step at a time, each as a whole process.",
        "",
        "## What is timed",
        "",
        *METHOD,
        "",
        "## Results",
    ]
    for data in _data_sets(runs):
        customers = next(
            (r.customers for r in runs if r.data == data and r.customers), None
        )
        lines += [
            "",
            f"### {data}" + (f" ({customers:,} customers)" if customers else ""),
            "",
            *results_table(runs, data),
        ]
        check = floor_check(runs, data)
        if check:
            lines += ["", check]
    phase_sets = [(data, phase_table(runs, data)) for data in _data_sets(runs)]
    phase_sets = [(data, table) for data, table in phase_sets if table]
    if phase_sets:
        lines += ["", "## Phases of one first and one reuse build", "", *PHASES]
        for data, table in phase_sets:
            lines += ["", f"### {data}", "", *table]
    met = targets(runs, machine)
    if met:
        lines += [
            "",
            "## Targets (issue 23)",
            "",
            "| target | measured | met |",
            "|---|---:|---|",
        ]
        lines += [f"| {r['target']} | {r['measured']} | {r['met']} |" for r in met]
    if machine:
        lines += ["", "## Machine", ""]
        lines += [f"- {name}: {value}" for name, value in machine.items()]
    return "\n".join(lines) + "\n"


def write_results(path: Path, runs: list[Run], machine: dict[str, str]) -> Path:
    """Write the page to ``path`` and the runs to its ``.json`` twin.

    What an existing page holds from the heading :data:`KEPT_FROM` on is
    kept below the generated part.

    Returns:
        ``path``.
    """
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        at = old.find("\n" + KEPT_FROM)
        kept = old[at:] if at >= 0 else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(runs, machine) + kept, encoding="utf-8")
    document = {"machine": machine, "runs": [asdict(run) for run in runs]}
    path.with_suffix(".json").write_text(
        json.dumps(document, indent=1) + "\n", encoding="utf-8"
    )
    return path
