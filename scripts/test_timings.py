"""Time `make test`'s two halves and write docs/test_suite.md.

Usage (what `make test-timings` runs, from the repository root):

    .venv/bin/python scripts/test_timings.py [--workers N]

Runs `make lint`, then the unit and integration tests as `make test` runs
them (pytest-xdist, N workers) with a JUnit report, and writes the page:
wall time of each half, tests and summed test time per module, the slowest
tests. One run on this machine; the page says which machine and when.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import platform
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "test_suite.md"
JUNIT = ROOT / "target" / "test-timings.xml"
SLOWEST = 15


def _timed(command: list[str]) -> float:
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True)
    return time.perf_counter() - started


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _cases(junit: Path) -> list[tuple[str, str, float, str]]:
    """Return (module, test, seconds, outcome) of each test case in the report."""
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        module = case.get("classname", "").replace(".", "/") + ".py"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        seconds = float(case.get("time", 0))
        cases.append((module, case.get("name", ""), seconds, outcome))
    return cases


def main() -> int:
    """Run the suite, write the page; the exit status is the tests'."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    lint = _timed(["make", "lint"])
    JUNIT.parent.mkdir(exist_ok=True)
    command = [str(bin_dir / "pytest"), "-n", str(args.workers)]
    command += ["--dist", "worksteal", f"--junitxml={JUNIT}", "-q"]
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    status = subprocess.run(command, cwd=ROOT, check=False).returncode
    tests = time.perf_counter() - started
    cases = _cases(JUNIT)

    per_module: dict[str, list[float]] = collections.defaultdict(list)
    for module, _, seconds, _ in cases:
        per_module[module].append(seconds)
    outcomes = collections.Counter(outcome for *_, outcome in cases)
    lines = [
        "# The test suite: how long each part takes",
        "",
        "Written by `make test-timings` (`scripts/test_timings.py`); one run.",
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores "
        f"({_cpu()}), {args.workers} pytest workers.",
        "",
        "| part | wall s |",
        "|---|---:|",
        f"| `make lint` (ruff, mypy, sqlfluff, dbt-score) | {lint:.0f} |",
        f"| unit and integration tests ({len(cases)} tests) | {tests:.0f} |",
        f"| `make test` in all (without install and `make chromium`) "
        f"| {lint + tests:.0f} |",
        "",
        "Outcomes: "
        + ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        + ".",
        "",
        "## Per module",
        "",
        "Test time is summed over the module's tests, setup included: the",
        "first test of each worker pays for the shared builds it makes",
        "first (`WARM_UP` in tests/conftest.py), and the first test to ask",
        "for another shared build pays for that one. The sum is the work of",
        "all workers, more than the wall time.",
        "",
        "| module | tests | test time s |",
        "|---|---:|---:|",
    ]
    for module, times in sorted(per_module.items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"| `{module}` | {len(times)} | {sum(times):.1f} |")
    lines += [
        "",
        f"## The {SLOWEST} slowest tests",
        "",
        "| test | s |",
        "|---|---:|",
    ]
    for module, name, seconds, _ in sorted(cases, key=lambda c: -c[2])[:SLOWEST]:
        lines.append(f"| `{module}::{name}` | {seconds:.1f} |")
    PAGE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"Wrote {PAGE.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
