"""Campaign measurement on the real Olist data (issue 22, item 3).

Nobody was contacted in the real data, so a list "exported" as of
2018-03-01 and measured 90 days later must show no effect: both intervals
cover 0. Builds its own warehouse as of that date (about 100 s on 2 cores).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from olist_segmentation import campaign_results, export

from helpers.builds import build_or_fail

REAL_DATA = os.environ.get("OLIST_REAL_DATA_DIR")
AS_OF = "2018-03-01"

pytestmark = pytest.mark.skipif(
    not REAL_DATA, reason="OLIST_REAL_DATA_DIR is not set (no real data here)"
)


def test_a_list_nobody_contacted_shows_no_effect(tmp_path: Path) -> None:
    data = Path(REAL_DATA or ".")
    built = build_or_fail(data, tmp_path / "olist.duckdb", as_of_date=AS_OF)
    listed = export.export_customers(
        tmp_path / "all", built.warehouse, control_share=0.10, control_seed=0
    )
    assert listed.control_rows == pytest.approx(
        0.10 * (listed.rows + listed.control_rows), rel=0.05
    )
    result = campaign_results.measure(tmp_path / "all", data_dir=data, horizon_days=90)
    campaign_results.write_results(result)
    print(campaign_results.table(result))
    found = json.loads((tmp_path / "all" / "results.json").read_text())
    assert found["as_of_date"] == AS_OF and found["window"]["before"] == "2018-05-30"
    groups = found["groups"]
    assert groups["contacted"]["customers"] + groups["control"]["customers"] == (
        listed.rows + listed.control_rows
    )
    for name, interval in found["difference_contacted_minus_control"].items():
        assert interval["low"] <= 0 <= interval["high"], name
        assert interval["verdict"] == "not significant: the interval covers 0"
    # both groups have buyers: the later orders were read
    assert 0 < groups["control"]["buyers"] < groups["contacted"]["buyers"]
