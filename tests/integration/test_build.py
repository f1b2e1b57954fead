"""End-to-end: a real `dbt build` of a generated sample, checked against an
independent computation from the raw CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from olist_segmentation.build import PROJECT_DIR
from olist_segmentation.summaries import warehouse_summary

from helpers.builds import Build, build_or_fail
from helpers.oracle import assert_location_is_the_latest_orders, rfm_from_csv

SEGMENTS_SEED = PROJECT_DIR / "seeds" / "rfm_segments.csv"


def _customer_rfm(build: Build) -> pd.DataFrame:
    return build.query("select * from main.customer_rfm").set_index(
        "customer_unique_id"
    )


def test_customer_rfm_equals_independent_computation(sample_build: Build) -> None:
    mart = _customer_rfm(sample_build).sort_index()
    expected = rfm_from_csv(sample_build.data_dir)
    assert list(mart.index) == list(expected.index)
    assert (mart["recency_days"] == expected["recency_days"]).all()
    assert (mart["frequency"] == expected["frequency"]).all()
    np.testing.assert_allclose(
        mart["monetary"].astype(float), expected["monetary"], atol=0.005
    )


def test_customers_has_every_person_once(sample_build: Build) -> None:
    raw = pd.read_csv(sample_build.data_dir / "olist_customers_dataset.csv", dtype=str)
    customers = sample_build.query("select * from main.customers")
    assert customers["customer_unique_id"].is_unique
    assert set(customers["customer_unique_id"]) == set(raw["customer_unique_id"])
    rfm_ids = set(
        sample_build.query("select customer_unique_id from customer_rfm")[
            "customer_unique_id"
        ]
    )
    flagged = set(
        customers.loc[customers["has_qualifying_order"], "customer_unique_id"]
    )
    assert flagged == rfm_ids


def test_one_time_buyers_dominate_and_frequency_scores_do_not_collapse(
    sample_build: Build,
) -> None:
    mart = _customer_rfm(sample_build)
    one_timers = (mart["frequency"] == 1).mean()
    assert 0.9 < one_timers < 0.995
    # Fixed frequency bands: every one-time buyer scores 1, every repeat
    # buyer more than 1 (quintiles would give both the same score).
    assert set(mart.loc[mart["frequency"] == 1, "f_score"]) == {1}
    assert (mart.loc[mart["frequency"] > 1, "f_score"] > 1).all()


def test_equal_values_get_equal_scores(sample_build: Build) -> None:
    mart = _customer_rfm(sample_build)
    for value, score in [
        ("recency_days", "r_score"),
        ("frequency", "f_score"),
        ("monetary", "m_score"),
    ]:
        assert (mart.groupby(value)[score].nunique() == 1).all(), value
    # Quintile bands: each r and m score holds roughly a fifth of customers.
    for score in ("r_score", "m_score"):
        shares = mart[score].value_counts(normalize=True)
        assert set(shares.index) == {1, 2, 3, 4, 5}
        assert shares.between(0.1, 0.3).all(), shares.to_dict()


def test_segments_come_from_the_seed_grid(sample_build: Build) -> None:
    mart = _customer_rfm(sample_build)
    with SEGMENTS_SEED.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for customer in mart.itertuples():
        matches = [
            row["segment_name"]
            for row in rows
            if int(row["r_score_min"]) <= customer.r_score <= int(row["r_score_max"])
            and int(row["fm_score_min"])
            <= customer.fm_score
            <= int(row["fm_score_max"])
        ]
        assert matches == [customer.rfm_segment]
    assert (
        mart["fm_score"] == np.floor((mart["f_score"] + mart["m_score"] + 1) / 2)
    ).all()


def test_summary_adds_up_and_names_segments(sample_build: Build) -> None:
    summary = warehouse_summary(sample_build.warehouse)
    assert summary.rows["customer_rfm"] == len(rfm_from_csv(sample_build.data_dir))
    assert summary.rows["rfm_score_thresholds"] == 15
    assert (
        sum(customers for _, customers, _, _ in summary.segments)
        == summary.rows["customer_rfm"]
    )
    text = summary.render()
    assert str(sample_build.warehouse) in text
    assert "Potential loyalist" in text
    verdict = sample_build.query("select verdict from main.segment_refit_check")
    assert len(verdict) == 1
    assert f"Drift check: {verdict.iloc[0, 0]}" in text


def test_rebuild_gives_identical_tables(
    sample_build: Build, sample_rebuild: Build
) -> None:
    again = sample_rebuild
    for table in ("customers", "customer_rfm", "rfm_score_thresholds"):
        order = "1, 2, 3" if table == "rfm_score_thresholds" else "1"
        first = sample_build.query(f"select * from main.{table} order by {order}")
        second = again.query(f"select * from main.{table} order by {order}")
        pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize("as_of_date", ["2018-01-01"])
def test_as_of_date_var_moves_the_reference_date(
    sample_build: Build, tmp_path: Path, as_of_date: str
) -> None:
    past = build_or_fail(
        sample_build.data_dir, tmp_path / "olist.duckdb", as_of_date=as_of_date
    )
    mart = _customer_rfm(past).sort_index()
    expected = rfm_from_csv(sample_build.data_dir, as_of_date)
    assert len(mart) == len(expected) > 0
    assert len(mart) < len(_customer_rfm(sample_build))
    assert (mart["as_of_date"].astype(str) == as_of_date).all()
    assert (mart["recency_days"] == expected["recency_days"]).all()
    assert (mart["frequency"] == expected["frequency"]).all()
    customers = past.query("select max(last_order_at) as latest from main.customers")
    assert customers["latest"][0] < pd.Timestamp(as_of_date)


def test_every_mart_column_is_documented(sample_build: Build) -> None:
    spec = yaml.safe_load(
        (PROJECT_DIR / "models" / "marts" / "_marts__models.yml").read_text()
    )
    documented = {
        model["name"]: {
            column["name"]: column.get("description", "").strip()
            for column in model.get("columns", [])
        }
        for model in spec["models"]
    }
    for mart in (
        "customers",
        "customer_rfm",
        "rfm_score_thresholds",
        "rfm_segment_summary",
    ):
        actual = list(sample_build.query(f"select * from main.{mart} limit 0").columns)
        assert list(documented[mart]) == actual, mart
        assert all(documented[mart].values()), f"{mart}: empty description"


def test_location_is_the_latest_orders_whatever_its_status(
    sample_build: Build,
) -> None:
    # the sample gives each person one address, so this checks the columns
    # and the join; tests/real_data checks people who moved (250 there)
    assert_location_is_the_latest_orders(sample_build)
