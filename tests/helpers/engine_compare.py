"""What the engine tests compare: the public marts of two builds of the sample.

``test_postgres`` and ``test_spark`` build the test sample on their engine
and compare each mart below with the DuckDB build of the same sample: same
columns in the same order, same rows (ordered by the key), text and
integers equal, floats equal to 1e-9.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from olist_segmentation import cli, engines, snapshot

from helpers.builds import Build

#: Public marts compared, with their key.
MARTS = {
    "customers": ["customer_unique_id"],
    "customer_rfm": ["customer_unique_id"],
    "rfm_score_thresholds": ["metric", "score"],
    "rfm_segment_summary": ["rfm_segment"],
    "customer_segments": ["customer_unique_id"],
    "segment_profiles": ["segment_id"],
    "segment_definitions": ["model_version", "segment_id"],
    "customer_predictions": ["customer_unique_id"],
    "customer_next_best_action": ["customer_unique_id"],
    # make drift's tables (selector monitoring)
    "segment_lift": ["segmentation", "segment_name"],
    "segment_refit_check": ["model_version"],
    "segment_drift": ["feature"],
    "prediction_backtest": ["cut_date", "method"],
}
#: Columns that differ by design between two builds (wall-clock time).
VOLATILE = {"scored_at"}


def assert_same_mart(mart: str, duck: pd.DataFrame, other: pd.DataFrame) -> None:
    """Fail unless ``other`` holds ``duck``'s columns and values (floats to 1e-9)."""
    assert list(other.columns) == list(duck.columns)
    assert len(other) == len(duck) > 0
    for column in duck.columns:
        if column in VOLATILE:
            continue
        left, right = duck[column], other[column]
        if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
            np.testing.assert_allclose(
                right.astype(float).to_numpy(),
                left.astype(float).to_numpy(),
                rtol=1e-9,
                atol=1e-9,
                equal_nan=True,
                err_msg=f"{mart}.{column}",
            )
        else:
            assert right.astype(str).tolist() == left.astype(str).tolist(), (
                f"{mart}.{column}"
            )


Query = Callable[[str], pd.DataFrame]


def load_and_build(target: str, build: Build) -> None:
    """Load the sample into ``target``, build it, then `make drift`'s models."""
    counts = engines.load(target, build.data_dir)
    assert counts["orders"] == len(
        pd.read_csv(build.data_dir / "olist_orders_dataset.csv")
    )
    engines.build(target, "default")
    engines.build(target, "monitoring", {"segment_refit": False})


def assert_mart_equals_duckdb(mart: str, build: Build, query: Query) -> None:
    """Compare one public mart of the engine with the DuckDB build."""
    order = ", ".join(MARTS[mart])
    sql = f"select * from main.{mart} order by {order}"
    assert_same_mart(mart, build.query(sql), query(sql))


def assert_every_customer_segmented_once(query: Query) -> None:
    """Every customer of customer_rfm has exactly one row of customer_segments."""
    counts = query(
        "select (select count(*) from main.customer_rfm) as rfm, "
        "(select count(distinct customer_unique_id) from main.customer_segments) "
        "as segmented, (select count(*) from main.customer_segments) as rows_"
    ).iloc[0]
    assert counts["rfm"] == counts["segmented"] == counts["rows_"] > 0


def assert_rebuild_fits_nothing(target: str, query: Query) -> pd.DataFrame:
    """Rebuild: no new model version, the same segments; return them."""
    before = query("select * from main.customer_segments order by 1")
    latest = "select max(model_version) as v from main.segment_model_selection"
    versions = query(latest)
    engines.build(target, "default")
    after = query("select * from main.customer_segments order by 1")
    assert query(latest).equals(versions)
    pd.testing.assert_frame_equal(
        before.drop(columns=list(VOLATILE)), after.drop(columns=list(VOLATILE))
    )
    return after


def assert_bad_csv_refused(
    target: str, build: Build, tmp_path: Path, query: Query
) -> None:
    """A timestamp that does not parse: the load names it, loads nothing."""
    data = tmp_path / "data"
    shutil.copytree(build.data_dir, data)
    orders = data / "olist_orders_dataset.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[3], '"not a time"', 1)
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    count = "select count(*) as n from olist.orders"
    rows_before = query(count).iloc[0, 0]
    with pytest.raises(engines.EngineError) as raised:
        engines.load(target, data)
    message = str(raised.value)
    assert "olist_orders_dataset.csv" in message
    assert "order_purchase_timestamp" in message
    assert "Nothing was loaded" in message
    assert query(count).iloc[0, 0] == rows_before


# -- the reading commands: summary, drift, report, export ---------------------

#: Floats of the report's HTML (data attributes, chart data) rounded to this
#: many significant digits before comparing: the engines sum in another order.
REPORT_DIGITS = 9
_LONG_FLOAT = re.compile(r"-?\d+\.\d{7,}(?:e-?\d+)?")


def run_olist_seg(*args: str) -> str:
    """Run ``olist-seg`` in this process (the Spark session is this process's).

    Returns its standard output; fails the test with it when the exit code
    is not 0.
    """
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(list(args))
    assert code == 0, f"olist-seg {' '.join(args)} exited {code}:\n{out.getvalue()}"
    return out.getvalue()


def _rounded(html: str) -> str:
    return _LONG_FLOAT.sub(lambda m: f"{float(m.group()):.{REPORT_DIGITS}g}", html)


def assert_commands_read_the_target(target: str, build: Build, tmp_path: Path) -> None:
    """summary, drift, report and export ``--target`` say what they say on DuckDB.

    They read a snapshot of the target's served tables; on the same data the
    drift verdict and the summary are the same text, the customer lists and
    control groups the same bytes, and the report the same page (floats to
    ``REPORT_DIGITS`` significant digits).
    """
    duck = ["--warehouse", str(build.warehouse)]
    other = ["--target", target]

    summary = run_olist_seg("summary", *other).splitlines()
    assert summary[0] == f"Warehouse: {snapshot.describe(target)}"
    expected = run_olist_seg("summary", *duck).splitlines()
    assert expected[0] == f"Warehouse: {build.warehouse}"
    # the CSVs were checked by `olist-seg load`, not by the build
    assert not [line for line in summary if line.startswith("Input checks:")]
    expected = [line for line in expected if not line.startswith("Input checks:")]
    assert summary[1:] == expected[1:]

    drift = run_olist_seg("drift", "--no-build", *other)
    assert "refit due" in drift
    assert drift == run_olist_seg("drift", "--no-build", *duck)

    pages = {}
    for name, where in (("duckdb", duck), (target, other)):
        page = tmp_path / f"{name}.html"
        run_olist_seg("report", *where, "--out", str(page))
        pages[name] = _rounded(page.read_text(encoding="utf-8"))
    assert "segment" in pages[target]
    assert pages[target] == pages["duckdb"]

    lists = {}
    for name, where in (("duckdb", duck), (target, other)):
        folder = tmp_path / f"export-{name}"
        run_olist_seg("export", *where, "--out", str(folder))
        lists[name] = folder
    for file in ("customers.csv", "control.csv"):
        written = (lists[target] / file).read_bytes()
        assert written.count(b"\n") > 10
        assert written == (lists["duckdb"] / file).read_bytes(), file
    manifest = json.loads((lists[target] / "export.json").read_text(encoding="utf-8"))
    assert manifest["warehouse"] == snapshot.describe(target)


def assert_stability_matches_duckdb(
    target: str, build: Build, tmp_path: Path, stability_args: list[str]
) -> None:
    """``olist-seg stability --target`` measures what it measures on DuckDB.

    The simulation runs on the target and on a copy of the DuckDB build of
    the same data; the recommendation and the intervals are the same text
    and the reports the same page.
    """
    copy = tmp_path / "duck.duckdb"
    shutil.copyfile(build.warehouse, copy)
    said = {}
    for name, where in (
        ("duckdb", ["--warehouse", str(copy), "--data-dir", str(build.data_dir)]),
        (target, ["--target", target]),
    ):
        page = tmp_path / f"stability-{name}.html"
        output = run_olist_seg(
            "stability", *where, *stability_args, "--report", str(page)
        )
        text = output[output.index("Refresh-interval simulation") :]
        said[name] = (
            text.split("\nReport written to")[0],
            _rounded(page.read_text(encoding="utf-8")),
        )
    assert "Recommended refresh interval" in said[target][0]
    assert said[target] == said["duckdb"]
