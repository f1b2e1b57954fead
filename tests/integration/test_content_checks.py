"""Bad content stops the build before any table changes, with a message
naming the file, the column, a count, an example and the fix.

Every case breaks a copy of the sample in one way and runs the build's
input checks on it without a build (``input_checks``, the same macros as
the build's on-run-start hooks) to check the message. One case goes through
``olist-seg build`` end to end into a copy of a built warehouse and checks
that nothing was built and the served file did not change (byte for byte);
the warning case builds, since the build must go on.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from helpers.builds import Build, olist_seg_build, run_dbt
from helpers.input_checks import InputChecks

ORDERS = "olist_orders_dataset.csv"
CUSTOMERS = "olist_customers_dataset.csv"
ITEMS = "olist_order_items_dataset.csv"
PAYMENTS = "olist_order_payments_dataset.csv"
REVIEWS = "olist_order_reviews_dataset.csv"
PRODUCTS = "olist_products_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"

Frame = pd.DataFrame


@dataclass(frozen=True)
class Case:
    """One kind of bad content: which file, how to break it, what to say."""

    file: str
    change: Callable[[Frame], Frame]
    expected: tuple[str, ...]


def _set(row: int, column: str, value: str) -> Callable[[Frame], Frame]:
    def change(frame: Frame) -> Frame:
        frame.loc[row, column] = value
        return frame

    return change


def _duplicate(row: int, **changes: str) -> Callable[[Frame], Frame]:
    def change(frame: Frame) -> Frame:
        copy = frame.iloc[[row]].copy()
        for column, value in changes.items():
            copy[column] = value
        return pd.concat([frame, copy], ignore_index=True)

    return change


def _delivered_before_purchase(frame: Frame) -> Frame:
    delivered = frame.index[frame["order_delivered_customer_date"] != ""][0]
    frame.loc[delivered, "order_delivered_customer_date"] = "2016-01-02 00:00:00"
    return frame


UNKNOWN = "ffffffffffffffffffffffffffffffff"

CASES = {
    "duplicate order row": Case(
        ORDERS,
        _duplicate(5),
        (
            "column order_id: 1 value(s) appear on more than one row",
            "keep one row per order_id",
        ),
    ),
    "conflicting order rows": Case(
        ORDERS,
        _duplicate(6, order_status="canceled"),
        ("column order_id: 1 value(s) appear on more than one row",),
    ),
    "duplicate customer": Case(
        CUSTOMERS,
        _duplicate(3, customer_unique_id=UNKNOWN),
        ("column customer_id: 1 value(s) appear on more than one row",),
    ),
    "duplicate product": Case(
        PRODUCTS, _duplicate(2), ("column product_id: 1 value(s) appear",)
    ),
    "duplicate seller": Case(
        SELLERS, _duplicate(2), ("column seller_id: 1 value(s) appear",)
    ),
    "duplicate payment": Case(
        PAYMENTS,
        _duplicate(4, payment_value="1.00"),
        ("column order_id, payment_sequential: 1 value(s) appear",),
    ),
    "order without customer": Case(
        ORDERS,
        _set(3, "customer_id", UNKNOWN),
        (
            "column customer_id: 1 row(s) refer to no row of " + CUSTOMERS,
            f"customer_id={UNKNOWN}",
        ),
    ),
    "item of unknown order": Case(
        ITEMS,
        _set(3, "order_id", UNKNOWN),
        (f"{ITEMS}, column order_id: 1 row(s) refer to no row of {ORDERS}",),
    ),
    "item of unknown product": Case(
        ITEMS,
        _set(3, "product_id", UNKNOWN),
        (f"column product_id: 1 row(s) refer to no row of {PRODUCTS}",),
    ),
    "item of unknown seller": Case(
        ITEMS,
        _set(3, "seller_id", UNKNOWN),
        (f"column seller_id: 1 row(s) refer to no row of {SELLERS}",),
    ),
    "payment of unknown order": Case(
        PAYMENTS,
        _set(3, "order_id", UNKNOWN),
        (f"{PAYMENTS}, column order_id: 1 row(s) refer to no row of {ORDERS}",),
    ),
    "review of unknown order": Case(
        REVIEWS,
        _set(3, "order_id", UNKNOWN),
        (f"{REVIEWS}, column order_id: 1 row(s) refer to no row of {ORDERS}",),
    ),
    "null customer_unique_id": Case(
        CUSTOMERS,
        _set(4, "customer_unique_id", ""),
        (
            "column customer_unique_id: 1 row(s) have no value",
            "fill in customer_unique_id",
        ),
    ),
    "null item order_id": Case(
        ITEMS, _set(4, "order_id", ""), ("column order_id: 1 row(s) have no value",)
    ),
    "unknown order status": Case(
        ORDERS,
        _set(7, "order_status", "lost_in_space"),
        (
            "column order_status: 1 row(s) have an unknown order status",
            "order_status=lost_in_space",
            "var olist_order_statuses",
        ),
    ),
    "negative payment": Case(
        PAYMENTS,
        _set(2, "payment_value", "-10.00"),
        (
            "column payment_value: 1 row(s) have a negative amount",
            "payment_value=-10.00",
        ),
    ),
    "negative price": Case(
        ITEMS,
        _set(2, "price", "-1.00"),
        ("column price: 1 row(s) have a negative amount",),
    ),
    "review score 7": Case(
        REVIEWS,
        _set(2, "review_score", "7"),
        ("column review_score: 1 row(s) have a score outside 1-5", "review_score=7"),
    ),
    "order in 2030": Case(
        ORDERS,
        _set(2, "order_purchase_timestamp", "2030-01-01 10:00:00"),
        (
            "column order_purchase_timestamp: 1 row(s) lie after this run",
            "order_purchase_timestamp=2030-01-01 10:00:00",
            "recency of every customer",
        ),
    ),
    "order in 1999": Case(
        ORDERS,
        _set(2, "order_purchase_timestamp", "1999-05-01 10:00:00"),
        (
            "column order_purchase_timestamp: 1 row(s) lie before 2015-01-01",
            "var olist_earliest_plausible_date",
        ),
    ),
    "delivered before purchase": Case(
        ORDERS,
        _delivered_before_purchase,
        ("column order_delivered_customer_date: 1 row(s) were delivered before",),
    ),
    "impossible calendar date": Case(
        ORDERS,
        _set(2, "order_purchase_timestamp", "2018-02-31 10:00:00"),
        (
            "column order_purchase_timestamp: 1 value(s) are not TIMESTAMP",
            "2018-02-31 10:00:00",
        ),
    ),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def shared(
    sample_build: Build, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """One data folder and one served warehouse (a copy of the sample build)."""
    root = tmp_path_factory.mktemp("content")
    warehouse = root / "served" / "olist.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(sample_build.warehouse, warehouse)
    return root / "data", warehouse


def _fresh_data(sample_dir: Path, data: Path) -> Path:
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(sample_dir, data)
    return data


def _build(data: Path, warehouse: Path, **dbt_vars: object) -> tuple[int, str]:
    result = run_dbt(["build"], data, warehouse, dbt_vars or None, capture=True)
    return result.returncode, result.stdout + result.stderr


def _broken(sample_dir: Path, data: Path, case: Case) -> Path:
    path = _fresh_data(sample_dir, data) / case.file
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    case.change(frame).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_bad_content_is_named_with_file_column_example_and_fix(
    name: str, sample_dir: Path, input_checks: InputChecks, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    case = CASES[name]
    path = _broken(sample_dir, data, case)

    checked = input_checks.run(data)

    output = checked.output
    assert not checked.passed, output[-3000:]
    assert f"file {path}" in output, output[-3000:]
    for text in case.expected:
        assert text in output, output[-3000:]
    assert "Fix:" in output or "Fix: " in output


def test_bad_content_stops_the_build_before_anything_changes(
    sample_dir: Path, shared: tuple[Path, Path]
) -> None:
    # end to end: `olist-seg build` on the served warehouse
    data, warehouse = shared
    case = CASES["duplicate order row"]
    path = _broken(sample_dir, data, case)
    before = _sha256(warehouse)

    result = olist_seg_build(data, warehouse)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert f"file {path}" in output, output[-3000:]
    for text in case.expected:
        assert text in output, output[-3000:]
    assert "Fix:" in output
    assert "START sql" not in output  # nothing was built
    assert _sha256(warehouse) == before
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["olist.duckdb"]


def test_latin1_file_is_named_with_its_line(
    sample_dir: Path, input_checks: InputChecks, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    path = _fresh_data(sample_dir, data) / CUSTOMERS
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[5].split(",")
    fields[3] = "são paulo"
    lines[5] = ",".join(fields)
    path.write_bytes("\n".join(lines).encode("latin-1"))

    checked = input_checks.run(data)

    output = checked.output
    assert not checked.passed
    assert f"file {path}: is not UTF-8 text: 1 line(s)" in output, output[-3000:]
    assert "line 6" in output
    assert "iconv -f latin1 -t utf-8" in output


def test_absurd_amount_is_a_warning_and_the_build_goes_on(
    sample_dir: Path, shared: tuple[Path, Path]
) -> None:
    data, warehouse = shared
    path = _fresh_data(sample_dir, data) / PAYMENTS
    payments = pd.read_csv(path)
    over = int((payments["payment_value"] > 500).sum())
    assert over > 0

    code, output = _build(data, warehouse, olist_max_plausible_value=500)

    assert code == 0, output[-3000:]
    assert (
        f"Olist input warning: file {path}, column payment_value: {over} row(s) "
        "exceed 500 BRL (var olist_max_plausible_value), e.g. "
    ) in output
    assert "raise the var when such amounts are real" in output


@pytest.mark.parametrize(
    ("dbt_vars", "expected"),
    [
        ({"as_of_date": "2018-02-31"}, "var as_of_date must be a date YYYY-MM-DD"),
        (
            {"olist_earliest_plausible_date": "2015-13-01"},
            "var olist_earliest_plausible_date must be a date YYYY-MM-DD",
        ),
        ({"olist_order_statuses": "delivered"}, "var olist_order_statuses must be"),
        ({"olist_max_plausible_value": -5}, "var olist_max_plausible_value must be"),
    ],
)
def test_bad_content_vars_are_named(
    dbt_vars: dict[str, object],
    expected: str,
    sample_dir: Path,
    input_checks: InputChecks,
) -> None:
    checked = input_checks.run(sample_dir, dbt_vars)
    assert not checked.passed
    assert expected in checked.output, checked.output[-3000:]
