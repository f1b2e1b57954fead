"""`make benchmark` end to end on a tiny generated sample (about a minute).

Runs the first and reuse ``olist-seg build``, the pandas yardstick and the
DuckDB floor as the lead's benchmark does (``make run`` is left out: it is a
third build), writing to a temporary page. Timings are not asserted, only
that every step and phase is there and that the sums hold.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from olist_segmentation import benchmark
from olist_segmentation.benchmark_report import FIRST, FLOOR, GENERATE, PANDAS, REUSE

TOP_LEVEL = (
    "start-up and parse",
    "input checks (on-run-start hooks)",
    "models and tests (dbt's DAG, two threads)",
    "end of dbt (on-run-end hook, artifacts, exit)",
    "publication (Parquet export, atomic replace)",
    "summary (and exit)",
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    page = tmp_path_factory.mktemp("benchmark") / "benchmarks.md"
    code = benchmark.main(
        [
            "--orders",
            "3000",
            "--seed",
            "7",
            "--skip-real",
            "--steps",
            "first,reuse,pandas,floor",
            "--results",
            str(page),
        ]
    )
    assert code == 0
    return page, json.loads(page.with_suffix(".json").read_text())


def test_every_step_is_measured(result: tuple[Path, dict]) -> None:
    _, document = result
    runs = {row["step"]: row for row in document["runs"]}
    assert list(runs) == [GENERATE, FIRST, REUSE, PANDAS, FLOOR]
    for row in runs.values():
        assert not row["failed"] and row["finished"], row["step"]
        assert row["seconds"] > 0 and row["cpu_seconds"] > 0, row["step"]
        assert row["peak_bytes"] >= row["largest_process_bytes"] > 0, row["step"]
    assert document["machine"]["cores"]


def test_the_floor_finds_what_the_build_serves(result: tuple[Path, dict]) -> None:
    _, document = result
    runs = {row["step"]: row for row in document["runs"]}
    assert runs[FLOOR]["totals"] == runs[FIRST]["totals"] == runs[REUSE]["totals"]
    assert runs[FLOOR]["totals"]["customers"] > 1000


@pytest.mark.parametrize("step", [FIRST, REUSE])
def test_phases_tile_the_build(result: tuple[Path, dict], step: str) -> None:
    _, document = result
    build = next(row for row in document["runs"] if row["step"] == step)
    phases = build["phases"]
    top = [p for p in phases if p["level"] == 0]
    assert [p["name"] for p in top] == list(TOP_LEVEL)
    assert top[0]["start"] == 0.0
    assert top[-1]["end"] == pytest.approx(build["seconds"])
    for before, after in zip(top, top[1:], strict=False):
        assert before["end"] == pytest.approx(after["start"])
    assert sum(p["seconds"] for p in top) == pytest.approx(build["seconds"])
    parent = top[0]
    for row in phases:
        assert 0.0 <= row["start"] <= row["end"] <= build["seconds"] + 1e-6, row
        if row["level"] == 0:
            parent = row
            continue
        assert (
            parent["start"] - 1e-6 <= row["start"] <= row["end"] <= parent["end"] + 1e-6
        )
    by_name = {p["name"]: p for p in phases}
    assert by_name["models (and seeds)"]["nodes"] > 10
    assert by_name["tests (data and unit tests)"]["nodes"] > 10
    assert by_name["on-run-start hooks"]["nodes"] == 3


def test_the_page_is_written_from_the_run(result: tuple[Path, dict]) -> None:
    page, _ = result
    text = page.read_text(encoding="utf-8")
    assert "### generated 3,000 orders" in text
    assert "## Phases of one first and one reuse build" in text
    assert "the built `customer_rfm` has the same" in text
    assert "## Targets" not in text  # the targets are about other data sets
