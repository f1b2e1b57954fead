"""The benchmark's phases, floor query and page, on small inputs made here.

The run records follow dbt 1.11's ``run_results.json`` (schema v6): one
result per node and hook, with ``timing`` (compile and execute, UTC, ``Z``)
and ``execution_time``; exposures are ``no-op`` results. Timings are never
asserted: only structure and sums.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from olist_segmentation import benchmark_report as report
from olist_segmentation.benchmark_floor import excluded_statuses, run_floor
from olist_segmentation.benchmark_measure import tree_resident_bytes
from olist_segmentation.benchmark_phases import (
    Phase,
    build_phases,
    busy_seconds,
    nodes,
)
from olist_segmentation.build import find_project_dir
from olist_segmentation.build_timings import (
    MARKS,
    TIMINGS_FILE,
    BuildClock,
    dbt_target_dir,
)

T0 = 1_800_000_000.0  # the process start, Unix seconds
GIB = 1024**3


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(T0 + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _result(unique_id: str, start: float, end: float, thread: str) -> dict[str, Any]:
    middle = start + (end - start) / 4
    return {
        "status": "success",
        "timing": [
            {
                "name": "compile",
                "started_at": _stamp(start),
                "completed_at": _stamp(middle),
            },
            {
                "name": "execute",
                "started_at": _stamp(middle),
                "completed_at": _stamp(end),
            },
        ],
        "thread_id": thread,
        "execution_time": end - start,
        "adapter_response": {},
        "message": "OK",
        "failures": None,
        "unique_id": unique_id,
        "compiled": True,
        "relation_name": None,
        "batch_results": None,
    }


def run_results() -> dict[str, Any]:
    """A build of two models, a seed, three tests and a unit test on two threads."""
    hook = "operation.olist_segmentation.olist_segmentation-on-run-"
    results = [
        _result(f"{hook}start-0", 3.0, 3.1, "main"),
        _result(f"{hook}start-1", 3.1, 4.0, "main"),
        _result("seed.olist_segmentation.rfm_segments", 4.2, 4.5, "Thread-1 (worker)"),
        _result("model.olist_segmentation.stg_orders", 4.2, 6.0, "Thread-2 (worker)"),
        _result("unit_test.olist_segmentation.as_of", 4.6, 5.0, "Thread-1 (worker)"),
        _result("test.olist_segmentation.not_null_a", 6.0, 6.5, "Thread-1 (worker)"),
        _result("model.olist_segmentation.customer_rfm", 6.1, 8.0, "Thread-2 (worker)"),
        _result("test.olist_segmentation.unique_b", 8.0, 8.4, "Thread-1 (worker)"),
        _result("test.olist_segmentation.reconcile", 8.0, 9.0, "Thread-2 (worker)"),
        _result("exposure.olist_segmentation.report", 9.0, 9.0, "Thread-1 (worker)"),
        _result(f"{hook}end-0", 9.1, 9.2, "main"),
    ]
    results[-2]["status"] = "no-op"
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
            "dbt_version": "1.11.16",
            "generated_at": _stamp(9.3),
            "invocation_id": "0d9a9d5d-3c36-4c25-bc7a-180bb8b6d820",
            "invocation_started_at": _stamp(1.5),
            "env": {},
        },
        "results": results,
        "elapsed_time": 6.3,
        "args": {"which": "build"},
    }


MARKS_OF_RUN = {
    "command_start": T0 + 0.6,
    "work_copy_ready": T0 + 0.7,
    "dbt_start": T0 + 0.8,
    "dbt_end": T0 + 9.6,
    "parquet_end": T0 + 10.4,
    "publish_end": T0 + 10.5,
    "summary_end": T0 + 11.0,
}


def phases() -> list[Phase]:
    return build_phases(T0, T0 + 11.2, run_results(), MARKS_OF_RUN)


def test_busy_seconds_is_the_union_of_intervals() -> None:
    assert busy_seconds([]) == 0.0
    assert busy_seconds([(0, 2), (1, 3), (5, 6), (5.5, 5.8)]) == pytest.approx(4.0)


def test_nodes_read_dbt_timestamps_and_kinds() -> None:
    found = nodes(run_results())
    assert len(found) == 11
    assert [n.start for n in found] == sorted(n.start for n in found)
    first = found[0]
    assert first.kind == "operation"
    assert first.start == pytest.approx(T0 + 3.0, abs=1e-5)
    assert {n.kind for n in found} == {
        "operation",
        "seed",
        "model",
        "unit_test",
        "test",
        "exposure",
    }


def test_top_level_phases_tile_the_process() -> None:
    rows = phases()
    top = [p for p in rows if p.level == 0]
    assert [p.name.split(" (")[0] for p in top] == [
        "start-up and parse",
        "input checks",
        "models and tests",
        "end of dbt",
        "publication",
        "summary",
    ]
    assert top[0].start == 0.0
    assert top[-1].end == pytest.approx(11.2)
    for before, after in zip(top, top[1:], strict=False):
        assert before.end == pytest.approx(after.start)
    assert sum(p.seconds for p in top) == pytest.approx(11.2)
    assert all(p.seconds >= 0 for p in rows)


def test_detail_rows_stay_inside_their_phase() -> None:
    parent: Phase | None = None
    for row in phases():
        if row.level == 0:
            parent = row
            continue
        assert parent is not None
        assert parent.start - 1e-6 <= row.start <= row.end <= parent.end + 1e-6, row
        assert row.seconds <= row.end - row.start + 1e-6


def test_models_and_tests_count_busy_time_and_node_time() -> None:
    by_name = {p.name.split(" (")[0]: p for p in phases()}
    models, tests = by_name["models"], by_name["tests"]
    assert (models.nodes, tests.nodes) == (3, 4)
    assert models.node_seconds == pytest.approx(0.3 + 1.8 + 1.9)
    assert models.busy_seconds == pytest.approx(1.8 + 1.9)  # 4.2-6.0, 6.1-8.0
    assert tests.node_seconds == pytest.approx(0.4 + 0.5 + 0.4 + 1.0)
    assert tests.busy_seconds == pytest.approx(0.4 + 0.5 + 1.0)
    assert by_name["input checks"].end == pytest.approx(4.0, abs=1e-5)
    assert by_name["dbt start-up"].end == pytest.approx(1.5, abs=1e-5)
    assert by_name["Parquet export"].seconds == pytest.approx(0.8)


def test_marks_out_of_order_are_clamped() -> None:
    marks = {**MARKS_OF_RUN, "dbt_end": T0 + 8.9}  # before the last node ends
    rows = build_phases(T0, T0 + 11.2, run_results(), marks)
    top = [p for p in rows if p.level == 0]
    assert all(p.seconds >= 0 for p in top)
    assert sum(p.seconds for p in top) == pytest.approx(11.2)


def test_records_of_a_failed_build_are_refused() -> None:
    results = run_results()
    results["results"] = [
        r for r in results["results"] if "on-run" not in r["unique_id"]
    ]
    with pytest.raises(ValueError, match="on-run-start"):
        build_phases(T0, T0 + 11.2, results, MARKS_OF_RUN)
    with pytest.raises(ValueError, match="publish_end"):
        marks = {k: v for k, v in MARKS_OF_RUN.items() if k != "publish_end"}
        build_phases(T0, T0 + 11.2, run_results(), marks)


def test_build_clock_writes_its_marks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "t"))
    folder = dbt_target_dir(Path("/project"))
    assert folder == tmp_path / "t"
    clock = BuildClock()
    for name in MARKS:
        clock.mark(name)
    written = clock.write(folder, 0)
    assert written == folder / TIMINGS_FILE
    document = json.loads(written.read_text())
    assert document["exit_code"] == 0
    assert list(document["marks"]) == list(MARKS)
    monkeypatch.delenv("DBT_TARGET_PATH")
    assert dbt_target_dir(Path("/project")) == Path("/project/target")


def _csv(path: Path, header: str, rows: list[str]) -> None:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def test_the_floor_counts_qualifying_orders_per_person(tmp_path: Path) -> None:
    assert excluded_statuses(find_project_dir()) == ["canceled", "unavailable"]
    orders = ",".join(
        (
            "order_id,customer_id,order_status,order_purchase_timestamp",
            "order_approved_at,order_delivered_carrier_date",
            "order_delivered_customer_date,order_estimated_delivery_date",
        )
    )
    _csv(
        tmp_path / "olist_orders_dataset.csv",
        orders,
        [
            "o1,c1,delivered,2018-01-01 10:00:00,,,,",
            "o2,c2,delivered,2018-01-10 23:59:00,,,,",  # same person as o1
            "o3,c3, Canceled ,2018-02-01 10:00:00,,,,",  # not qualifying
            "o4,c4,shipped,2018-01-05 10:00:00,,,,",  # no payment
        ],
    )
    _csv(
        tmp_path / "olist_customers_dataset.csv",
        "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state",
        [
            "c1,p1,01001,sp,SP",
            "c2,p1,01001,sp,SP",
            "c3,p2,01001,sp,SP",
            "c4,p3,01001,sp,SP",
        ],
    )
    _csv(
        tmp_path / "olist_order_payments_dataset.csv",
        "order_id,payment_sequential,payment_type,payment_installments,payment_value",
        [
            "o1,1,boleto,1,10.50",
            "o1,2,voucher,1,2.25",
            "o2,1,credit_card,3,100.00",
            "o3,1,boleto,1,99.00",
        ],
    )
    found = run_floor(tmp_path, find_project_dir())
    # p1: two orders (12.75 + 100.00); p3: one order, no payment; p2: none
    assert found["customers"] == 2
    assert found["orders"] == 3
    assert found["monetary"] == "112.75"


def test_tree_resident_bytes_sees_this_process() -> None:
    assert tree_resident_bytes(__import__("os").getpid()) > 10 * 1024**2


def runs() -> list[report.Run]:
    """Runs of a whole benchmark: real data, 1M and 10M orders."""

    def run(
        data: str, step: str, seconds: float, gib: float, **extra: Any
    ) -> report.Run:
        return report.Run(
            data, step, seconds, int(gib * GIB), cpu_seconds=seconds * 1.5, **extra
        )

    phase_rows = [p.as_dict() for p in phases()]
    totals = {"customers": 94990, "orders": 98207, "monetary": "15739137.01"}
    real, one, ten = (
        "real Olist data",
        "generated 1,000,000 orders",
        "generated 10,000,000 orders",
    )
    return [
        run(
            real,
            report.FIRST,
            12.0,
            1.2,
            phases=phase_rows,
            totals=totals,
            customers=94990,
        ),
        run(
            real,
            report.REUSE,
            6.0,
            0.5,
            phases=phase_rows,
            totals=totals,
            customers=94990,
        ),
        run(real, report.MAKE_RUN, 30.0, 1.3),
        run(real, report.PANDAS, 4.0, 0.4),
        run(real, report.FLOOR, 1.0, 0.2, totals=totals, customers=94990),
        run(one, report.GENERATE, 8.0, 1.1),
        run(one, report.FIRST, 60.0, 2.0),
        run(one, report.REUSE, 20.0, 1.0),
        run(one, report.PANDAS, 25.0, 1.5),
        run(ten, report.GENERATE, 90.0, 7.0),
        run(ten, report.FIRST, 700.0, 3.9, failed=True),
        run(ten, report.PANDAS, 400.0, 12.0, finished=False),
        run(ten, report.FLOOR, 18.0, 4.9),
    ]


MACHINE = {"date": "2026-12-07 15:00 UTC", "cores": "2", "DuckDB memory_limit": "4GB"}


def test_targets_give_measured_values_and_verdicts() -> None:
    met = {
        row["target"]: (row["measured"], row["met"])
        for row in report.targets(runs(), MACHINE)
    }
    assert met["real data: reuse build <= 1.5x pandas"] == ("1.50x", "yes")
    assert met["real data: first build <= 4x pandas"] == ("3.00x", "yes")
    assert met["1M orders: reuse build faster than pandas"] == ("0.80x", "yes")
    assert met["1M orders: reuse build peak <= pandas' peak"] == ("0.67x", "yes")
    assert met[
        "10M orders: first build completes with the default memory_limit (4 GB)"
    ] == ("failed", "no")
    assert (
        met["generator writes 10M orders in <= 3 minutes with <= 8 GiB peak"][1]
        == "yes"
    )
    assert not [t for t in met if "10 minutes" in t]  # a failed build has no time
    assert met["10M orders: reuse build completes"] == (
        "not run (no first build)",
        "no",
    )


def test_no_target_is_judged_without_its_data_set() -> None:
    real_only = [r for r in runs() if r.data == "real Olist data"]
    assert all(
        row["target"].startswith("real data")
        for row in report.targets(real_only, MACHINE)
    )


def test_the_page_has_a_table_per_data_set_phases_targets_and_machine() -> None:
    page = report.render(runs(), MACHINE)
    for heading in (
        "## What is timed",
        "### real Olist data (94,990 customers)",
        "### generated 1,000,000 orders",
        "### generated 10,000,000 orders",
        "## Phases of one first and one reuse build",
        "## Targets (issue 23)",
        "## Machine",
    ):
        assert f"\n{heading}\n" in page, heading
    assert "| reuse build | 6.0 | 9.0 | 0.50 | 1.50x | 1.25x | 6.00x |" in page
    assert "| first build | failed after 700.0 |" in page
    assert "| pandas yardstick | 400.0 (stopped) |" in page
    assert "the built `customer_rfm` has the same" in page
    phase_part = page.split("## Phases")[1].split("## Targets")[0]
    for name in (
        "start-up and parse",
        "input checks",
        "models (and seeds)",
        "tests (data",
        "publication",
        "summary",
    ):
        assert name in phase_part, name
    assert "phases 11.2 s of 12.0 s" in phase_part


def test_results_keep_the_hand_written_sections_and_round_trip(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(
        "# Old\n\nold figures\n\n## Engines: by hand\n\nkept text\n", encoding="utf-8"
    )
    report.write_results(page, runs(), MACHINE)
    text = page.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert text.endswith("## Engines: by hand\n\nkept text\n")
    document = json.loads(page.with_suffix(".json").read_text())
    assert document["machine"] == MACHINE
    again = [report.Run.from_dict(row) for row in document["runs"]]
    assert [r.step for r in again] == [r.step for r in runs()]
    assert again[0].phases == runs()[0].phases


def test_an_older_pages_json_still_renders() -> None:
    old = {
        "data": "generated 10,000,000 orders",
        "step": "first build (failed)",
        "seconds": math.nan,
        "peak_bytes": 0,
        "finished": False,
        "customers": None,
    }
    run = report.Run.from_dict(old)
    assert (run.step, run.failed) == (report.FIRST, True)
    assert "| first build | failed |" in report.render([run], {})
