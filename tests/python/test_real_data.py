"""The real Olist data (99,441 orders), when CI provides it.

Set OLIST_REAL_DATA_DIR to a folder of the nine Kaggle CSVs to run these;
`.ci/run` does so when ../shared/data/olist exists.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import Build, build_or_fail
from oracle import rfm_from_csv

REAL_DATA = os.environ.get("OLIST_REAL_DATA_DIR")

pytestmark = pytest.mark.skipif(
    not REAL_DATA, reason="OLIST_REAL_DATA_DIR is not set (no real data here)"
)


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    warehouse = tmp_path_factory.mktemp("real") / "olist.duckdb"
    return build_or_fail(Path(REAL_DATA or "."), warehouse)


def test_one_row_per_customer_with_a_qualifying_order(real_build: Build) -> None:
    counts = real_build.query(
        "select count(*) as n, count(distinct customer_unique_id) as people "
        "from main.customer_rfm"
    )
    assert counts["n"][0] == counts["people"][0] == 94_990
    customers = real_build.query("select count(*) as n from main.customers")
    assert customers["n"][0] == 96_096


def test_rfm_values_equal_independent_computation(real_build: Build) -> None:
    mart = (
        real_build.query("select * from main.customer_rfm")
        .set_index("customer_unique_id")
        .sort_index()
    )
    expected = rfm_from_csv(real_build.data_dir)
    assert list(mart.index) == list(expected.index)
    assert (mart["recency_days"] == expected["recency_days"]).all()
    assert (mart["frequency"] == expected["frequency"]).all()
    np.testing.assert_allclose(
        mart["monetary"].astype(float), expected["monetary"], atol=0.005
    )
    assert (mart["as_of_date"] == pd.Timestamp("2018-09-04")).all()
