"""Where one ``olist-seg build`` spends its time, from that build's own records.

Two records of the same build are combined (the benchmark's process start
and end come from :mod:`olist_segmentation.benchmark_measure`):

* dbt's ``run_results.json``: per node and hook, the start of its compile
  and the end of its execution (UTC), ``execution_time``, and
  ``metadata.invocation_started_at`` (dbt's command line has started);
* ``olist_build_timings.json`` (:mod:`olist_segmentation.build_timings`):
  what the command does outside dbt.

The top-level phases tile the process's wall time, each from where the
previous one ends: start-up and parse; input checks (the on-run-start
hooks); models and tests (dbt's DAG on its threads); end of dbt (the
on-run-end hook, artifacts, exit); publication (Parquet export and the
atomic replace); summary (and exit). Indented rows split a phase: for models
and tests they overlap (dbt runs a model's tests as soon as it is built, on
two threads), so each gets its *busy* wall seconds (at least one such node
running) and its *node seconds* (``execution_time`` summed over the nodes,
so over the threads: it can exceed the wall time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

#: dbt's node types, by the row they are counted in.
MODEL_TYPES = frozenset({"model", "seed", "snapshot"})
TEST_TYPES = frozenset({"test", "unit_test"})
ON_RUN_START = "-on-run-start-"
ON_RUN_END = "-on-run-end-"


@dataclass(frozen=True)
class Phase:
    """One row of the phase table: seconds from the process start."""

    name: str
    start: float
    end: float
    level: int = 0
    busy_seconds: float | None = None
    node_seconds: float | None = None
    nodes: int | None = None

    @property
    def seconds(self) -> float:
        """The phase's wall span (its busy seconds for overlapping rows)."""
        if self.busy_seconds is not None:
            return self.busy_seconds
        return self.end - self.start

    def as_dict(self) -> dict[str, Any]:
        """Return the row as plain data (JSON)."""
        return {**asdict(self), "seconds": self.seconds}


@dataclass(frozen=True)
class Node:
    """One result of ``run_results.json`` on the Unix clock."""

    unique_id: str
    kind: str
    start: float
    end: float
    execution_time: float


def _unix(text: str) -> float:
    """Return the Unix time of one of dbt's UTC timestamps."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def nodes(run_results: dict[str, Any]) -> list[Node]:
    """Return the timed results of a ``run_results.json``, in start order."""
    found = []
    for result in run_results["results"]:
        timing = result.get("timing") or []
        if not timing:
            continue
        found.append(
            Node(
                unique_id=result["unique_id"],
                kind=result["unique_id"].split(".", 1)[0],
                start=min(_unix(step["started_at"]) for step in timing),
                end=max(_unix(step["completed_at"]) for step in timing),
                execution_time=float(result.get("execution_time") or 0.0),
            )
        )
    return sorted(found, key=lambda node: node.start)


def busy_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    """Return the length of the union of ``intervals``."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def _detail(
    name: str, group: list[Node], origin: float, level: int = 1
) -> Phase | None:
    if not group:
        return None
    return Phase(
        name=name,
        start=min(n.start for n in group) - origin,
        end=max(n.end for n in group) - origin,
        level=level,
        busy_seconds=busy_seconds((n.start, n.end) for n in group),
        node_seconds=sum(n.execution_time for n in group),
        nodes=len(group),
    )


def build_phases(
    started: float,
    ended: float,
    run_results: dict[str, Any],
    marks: dict[str, float],
) -> list[Phase]:
    """Return the phases of one successful ``olist-seg build``.

    Args:
        started: Unix time the process was started.
        ended: Unix time it was reaped.
        run_results: dbt's ``run_results.json`` of that build.
        marks: The ``marks`` of its ``olist_build_timings.json``.

    Returns:
        Top-level phases (``level`` 0) that tile ``[0, ended - started]``,
        each followed by the rows that split it (``level`` 1).

    Raises:
        ValueError: The records lack a mark or hook a successful build has.
    """
    missing = [m for m in ("dbt_start", "dbt_end", "publish_end") if m not in marks]
    all_nodes = nodes(run_results)
    hooks_start = [n for n in all_nodes if ON_RUN_START in n.unique_id]
    hooks_end = [n for n in all_nodes if ON_RUN_END in n.unique_id]
    models = [n for n in all_nodes if n.kind in MODEL_TYPES]
    tests = [n for n in all_nodes if n.kind in TEST_TYPES]
    if missing or not hooks_start or not (models or tests):
        raise ValueError(
            f"not the records of one successful build: marks missing {missing}, "
            f"{len(hooks_start)} on-run-start hooks, {len(models) + len(tests)} "
            "models and tests"
        )
    dag = [n for n in all_nodes if n.kind not in {"operation"}]
    invoked = _unix(run_results["metadata"]["invocation_started_at"])
    # boundaries, made non-decreasing (clocks of two processes, rounding)
    raw = [
        started,
        min(n.start for n in hooks_start),
        max(n.end for n in hooks_start),
        max(n.end for n in dag),
        marks["dbt_end"],
        marks["publish_end"],
        ended,
    ]
    edge = [raw[0]]
    for value in raw[1:]:
        edge.append(min(max(value, edge[-1]), ended))
    at = [value - started for value in edge]

    def inside(value: float, low: int, high: int) -> float:
        return min(max(value - started, at[low]), at[high])

    names = (
        "start-up and parse",
        "input checks (on-run-start hooks)",
        "models and tests (dbt's DAG, two threads)",
        "end of dbt (on-run-end hook, artifacts, exit)",
        "publication (Parquet export, atomic replace)",
        "summary (and exit)",
    )
    top = [Phase(name, at[i], at[i + 1]) for i, name in enumerate(names)]
    command = inside(marks.get("command_start", started), 0, 1)
    copy = inside(marks.get("dbt_start", started), 0, 1)
    dbt_up = inside(invoked, 0, 1)
    parquet = inside(marks.get("parquet_end", marks["dbt_end"]), 4, 5)
    rows: list[Phase | None] = [
        top[0],
        Phase("Python start, imports", 0.0, command, 1),
        Phase("lock and working copy", command, copy, 1),
        Phase("dbt start-up", copy, dbt_up, 1),
        Phase("dbt parse, manifest, cache", dbt_up, at[1], 1),
        top[1],
        _detail("on-run-start hooks", hooks_start, started),
        top[2],
        _detail("models (and seeds)", models, started),
        _detail("tests (data and unit tests)", tests, started),
        top[3],
        _detail("on-run-end hook", hooks_end, started),
        top[4],
        Phase("Parquet export", at[4], parquet, 1),
        Phase("atomic replace", parquet, at[5], 1),
        top[5],
    ]
    return [row for row in rows if row is not None]
