"""Bad input stops the build with an error naming the file, the column and
the fix, and leaves the marts of the previous build untouched.

The cases run the build's input checks without a build (``input_checks``,
helpers/input_checks.py); the missing file, the renamed column and the bad
vars also go through ``olist-seg build`` / ``dbt build`` end to end, and
prove the served warehouse is unchanged and nothing was built.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from helpers.builds import Build, olist_seg_build, private_copy, run_dbt
from helpers.input_checks import InputChecks

ITEMS = "olist_order_items_dataset.csv"


def _build_fails(data_dir: Path, warehouse: Path) -> str:
    result = run_dbt(["build"], data_dir, warehouse, capture=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    return output


def _checks_fail(checks: InputChecks, data_dir: Path) -> str:
    checked = checks.run(data_dir)
    assert not checked.passed, checked.output[-3000:]
    return checked.output


def _rewrite(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_missing_file_is_named(
    sample_build: Build, sample_copy: Path, tmp_path: Path
) -> None:
    # end to end: `olist-seg build` on a served warehouse
    served = private_copy(sample_build, tmp_path / "served").warehouse
    before = hashlib.sha256(served.read_bytes()).hexdigest()
    (sample_copy / "olist_sellers_dataset.csv").unlink()
    result = olist_seg_build(sample_copy, served)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "olist_sellers_dataset.csv" in output
    assert str(sample_copy) in output
    assert "OLIST_DATA_DIR" in output
    assert "START sql" not in output
    assert hashlib.sha256(served.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in served.parent.iterdir()) == ["olist.duckdb"]


def test_empty_folder_lists_all_nine_files(
    input_checks: InputChecks, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    output = _checks_fail(input_checks, empty)
    assert "9 of the nine CSV files not found" in output


def test_renamed_column_is_named(input_checks: InputChecks, sample_copy: Path) -> None:
    _rewrite(sample_copy / ITEMS, ",price,", ",item_price,")
    output = _checks_fail(input_checks, sample_copy)
    assert ITEMS in output
    assert "missing column(s) price" in output
    assert "found instead: item_price" in output
    assert "rename the columns back" in output


def test_missing_column_is_named(input_checks: InputChecks, sample_copy: Path) -> None:
    path = sample_copy / "olist_order_payments_dataset.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.drop(columns=["payment_installments"]).to_csv(path, index=False)
    output = _checks_fail(input_checks, sample_copy)
    assert "olist_order_payments_dataset.csv" in output
    assert "missing column(s) payment_installments" in output


@pytest.mark.parametrize(
    ("file", "column", "bad_value", "type_name"),
    [
        (ITEMS, "price", "12,50", "DECIMAL(12,2)"),
        (
            "olist_orders_dataset.csv",
            "order_purchase_timestamp",
            "25/12/2017",
            "TIMESTAMP",
        ),
        ("olist_order_reviews_dataset.csv", "review_score", "five", "INTEGER"),
    ],
)
def test_unparseable_value_is_named(
    input_checks: InputChecks,
    sample_copy: Path,
    file: str,
    column: str,
    bad_value: str,
    type_name: str,
) -> None:
    path = sample_copy / file
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[3, column] = bad_value
    frame.to_csv(path, index=False)
    output = _checks_fail(input_checks, sample_copy)
    assert f"{file}, column {column}: 1 value(s) are not {type_name}" in output
    assert bad_value in output
    assert "Fix:" in output


def test_failed_build_leaves_previous_marts_untouched(
    sample_build: Build, sample_copy: Path, tmp_path: Path
) -> None:
    # end to end: `dbt build` through the project's runner
    good = private_copy(sample_build, tmp_path / "served")
    warehouse = good.warehouse
    before = good.query("select * from main.customer_rfm order by 1")
    _rewrite(sample_copy / ITEMS, ",price,", ",item_price,")
    output = _build_fails(sample_copy, warehouse)
    assert "missing column(s) price" in output
    after = good.query("select * from main.customer_rfm order by 1")
    pd.testing.assert_frame_equal(before, after)


def test_malformed_row_is_named_with_its_line(
    input_checks: InputChecks, sample_copy: Path
) -> None:
    path = sample_copy / "olist_order_payments_dataset.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[4] += ",surplus"
    path.write_text("\n".join(lines), encoding="utf-8")
    output = _checks_fail(input_checks, sample_copy)
    assert "olist_order_payments_dataset.csv: 1 malformed row(s) (line 5:" in output
    assert "every row needs 5 fields" in output


def test_bad_vars_are_named_before_anything_is_built(
    sample_dir: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "olist.duckdb"
    result = run_dbt(
        ["build"],
        sample_dir,
        warehouse,
        {"as_of_date": "yesterday", "rfm_frequency_thresholds": [3, 2, 4, 5]},
        capture=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "var as_of_date must be a date YYYY-MM-DD or null, got 'yesterday'" in output
    assert "var rfm_frequency_thresholds must list 4 increasing" in output
    assert "START sql table model" not in output


def test_bad_prediction_vars_are_named_before_anything_is_built(
    input_checks: InputChecks, sample_dir: Path
) -> None:
    checked = input_checks.run(
        sample_dir,
        {
            "prediction_value_tier_shares": [0.4, 0.1],
            "prediction_backtest_cut_dates": ["2018-02-30"],
            "prediction_features": ["recency_days", "shoe_size"],
            "prediction_horizon_days": 0,
        },
    )
    output = checked.output
    assert not checked.passed
    assert "var prediction_value_tier_shares must be two increasing shares" in output
    assert "got '[0.4, 0.1]'" in output
    assert (
        "var prediction_backtest_cut_dates must be a non-empty list of dates "
        "YYYY-MM-DD, e.g. ['2018-03-01', '2018-06-06'], got '2018-02-30'"
    ) in output
    assert "var prediction_features must be a non-empty list" in output
    assert "got 'shoe_size'" in output
    assert "var prediction_horizon_days must be a whole number of days >= 1" in output
    # the build's hook order: the vars are checked before the files
    assert "passed the file, header, value" not in output
