"""Tests of the synthetic Olist generator (olist_segmentation.generate)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olist_segmentation import generate as gen
from olist_segmentation.errors import OlistError

N_ORDERS = 2_000
SEED = 7
REAL_DIR = Path(os.environ.get("OLIST_REAL_DATA_DIR", "/work/shared/data/olist"))

NINE_FILES = {
    "olist_customers_dataset.csv",
    "olist_geolocation_dataset.csv",
    "olist_order_items_dataset.csv",
    "olist_order_payments_dataset.csv",
    "olist_order_reviews_dataset.csv",
    "olist_orders_dataset.csv",
    "olist_products_dataset.csv",
    "olist_sellers_dataset.csv",
    "product_category_name_translation.csv",
}
PLANTED = "planted_customer_types.csv"

# Exact first line (bytes, line ending included) of every real file.
HEADERS: dict[str, bytes] = {
    "olist_customers_dataset.csv": (
        b"customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,"
        b"customer_state\n"
    ),
    "olist_geolocation_dataset.csv": (
        b"geolocation_zip_code_prefix,geolocation_lat,geolocation_lng,"
        b"geolocation_city,geolocation_state\n"
    ),
    "olist_order_items_dataset.csv": (
        b"order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,"
        b"freight_value\n"
    ),
    "olist_order_payments_dataset.csv": (
        b"order_id,payment_sequential,payment_type,payment_installments,payment_value\n"
    ),
    "olist_order_reviews_dataset.csv": (
        b"review_id,order_id,review_score,review_comment_title,"
        b"review_comment_message,review_creation_date,review_answer_timestamp\n"
    ),
    "olist_orders_dataset.csv": (
        b"order_id,customer_id,order_status,order_purchase_timestamp,"
        b"order_approved_at,order_delivered_carrier_date,"
        b"order_delivered_customer_date,order_estimated_delivery_date\n"
    ),
    "olist_products_dataset.csv": (
        b'"product_id","product_category_name","product_name_lenght",'
        b'"product_description_lenght","product_photos_qty","product_weight_g",'
        b'"product_length_cm","product_height_cm","product_width_cm"\n'
    ),
    "olist_sellers_dataset.csv": (
        b'"seller_id","seller_zip_code_prefix","seller_city","seller_state"\n'
    ),
    "product_category_name_translation.csv": (
        b"\xef\xbb\xbfproduct_category_name,product_category_name_english\r\n"
    ),
}
STATUSES = {
    "delivered",
    "shipped",
    "canceled",
    "unavailable",
    "invoiced",
    "processing",
    "created",
    "approved",
}
HEX32 = re.compile(r"^[0-9a-f]{32}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^\d+\.\d{2}$")


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline()


def _read(folder: Path, name: str) -> pd.DataFrame:
    """Read a generated file as text, empty strings for NULL."""
    return pd.read_csv(
        folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("sample")
    counts = gen.generate(folder, N_ORDERS, SEED)
    return folder, counts


@pytest.fixture(scope="module")
def tables(sample: tuple[Path, dict[str, int]]) -> dict[str, pd.DataFrame]:
    folder, _ = sample
    names = {
        "customers": "olist_customers_dataset.csv",
        "geo": "olist_geolocation_dataset.csv",
        "items": "olist_order_items_dataset.csv",
        "payments": "olist_order_payments_dataset.csv",
        "reviews": "olist_order_reviews_dataset.csv",
        "orders": "olist_orders_dataset.csv",
        "products": "olist_products_dataset.csv",
        "sellers": "olist_sellers_dataset.csv",
        "translation": "product_category_name_translation.csv",
        "planted": PLANTED,
    }
    return {key: _read(folder, name) for key, name in names.items()}


# --------------------------------------------------------------------------
# Files, headers, determinism
# --------------------------------------------------------------------------


def test_writes_the_nine_files_and_the_planted_file(sample):
    folder, counts = sample
    assert {p.name for p in folder.iterdir()} == NINE_FILES | {PLANTED}
    assert set(counts) == NINE_FILES | {PLANTED}
    assert counts["olist_orders_dataset.csv"] == N_ORDERS
    assert counts["olist_customers_dataset.csv"] == N_ORDERS


@pytest.mark.parametrize("name", sorted(NINE_FILES))
def test_header_line_is_exactly_the_real_one(sample, name):
    folder, _ = sample
    assert _first_line(folder / name) == HEADERS[name]


@pytest.mark.skipif(not REAL_DIR.is_dir(), reason="real Olist data not available")
@pytest.mark.parametrize("name", sorted(NINE_FILES))
def test_header_line_matches_the_real_file(sample, name):
    folder, _ = sample
    assert _first_line(folder / name) == _first_line(REAL_DIR / name)


def test_same_seed_gives_identical_bytes_and_other_seed_differs(sample, tmp_path):
    folder, _ = sample
    again = tmp_path / "again"
    other = tmp_path / "other"
    gen.generate(again, N_ORDERS, SEED)
    gen.generate(other, N_ORDERS, SEED + 1)
    for name in NINE_FILES | {PLANTED}:
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name
    for name in NINE_FILES - {"product_category_name_translation.csv"}:
        assert (other / name).read_bytes() != (folder / name).read_bytes(), name


def test_duckdb_reads_every_file_with_the_reported_row_counts(sample):
    folder, counts = sample
    con = duckdb.connect()
    for name, expected in counts.items():
        path = str(folder / name)
        rows = con.execute(
            "SELECT count(*) FROM read_csv(?, header=true, quote='\"', escape='\"')",
            [path],
        ).fetchone()[0]
        assert rows == expected, name
        assert len(pd.read_csv(folder / name, dtype=str)) == expected, name


# --------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------


def test_ids_are_32_char_lowercase_hex(tables):
    checks = {
        "orders": ["order_id", "customer_id"],
        "customers": ["customer_id", "customer_unique_id"],
        "items": ["order_id", "product_id", "seller_id"],
        "payments": ["order_id"],
        "reviews": ["review_id", "order_id"],
        "products": ["product_id"],
        "sellers": ["seller_id"],
        "planted": ["customer_unique_id"],
    }
    for table, columns in checks.items():
        for column in columns:
            assert tables[table][column].str.match(HEX32).all(), (table, column)


def test_products_and_sellers_quote_some_ids_like_the_real_files(sample):
    folder, _ = sample
    for name in ("olist_products_dataset.csv", "olist_sellers_dataset.csv"):
        lines = (folder / name).read_text().splitlines()[1:]
        quoted = sum(line.startswith('"') for line in lines)
        assert 0 < quoted < len(lines), name
    seller_lines = (folder / "olist_sellers_dataset.csv").read_text().splitlines()
    assert all(re.search(r',"\d{5}",', line) for line in seller_lines[1:])


def test_timestamps_money_and_zip_formats(tables):
    orders = tables["orders"]
    for column in orders.columns[3:]:
        values = orders[column][orders[column] != ""]
        assert values.str.match(TIMESTAMP).all(), column
    assert orders["order_estimated_delivery_date"].str.endswith(" 00:00:00").all()
    reviews = tables["reviews"]
    assert reviews["review_creation_date"].str.endswith(" 00:00:00").all()
    assert reviews["review_answer_timestamp"].str.match(TIMESTAMP).all()
    assert tables["items"]["shipping_limit_date"].str.match(TIMESTAMP).all()
    for column in ("price", "freight_value"):
        assert tables["items"][column].str.match(MONEY).all(), column
    assert tables["payments"]["payment_value"].str.match(MONEY).all()
    for table, column in (
        ("customers", "customer_zip_code_prefix"),
        ("sellers", "seller_zip_code_prefix"),
        ("geo", "geolocation_zip_code_prefix"),
    ):
        zips = tables[table][column]
        assert zips.str.match(r"^\d{5}$").all(), column
        assert zips.str.startswith("0").any(), column
    geo = tables["geo"]
    assert geo["geolocation_lat"].astype(float).between(-34, 6).all()
    assert geo["geolocation_lng"].astype(float).between(-74, -34).all()


# --------------------------------------------------------------------------
# Quirks
# --------------------------------------------------------------------------


def test_geolocation_has_quoted_cities_with_commas_far_into_the_file(sample, tables):
    folder, _ = sample
    lines = (folder / "olist_geolocation_dataset.csv").read_text().splitlines()
    hits = [i for i, line in enumerate(lines) if re.search(r',"[^"]*, [^"]*",', line)]
    assert len(hits) >= 3
    assert min(hits) > len(lines) // 2
    cities = tables["geo"]["geolocation_city"]
    assert cities.str.endswith(", brasil").sum() == len(hits)


def test_translation_has_bom_crlf_and_misses_used_categories(sample, tables):
    folder, _ = sample
    raw = (folder / "product_category_name_translation.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n") > 0
    used = set(tables["products"]["product_category_name"]) - {""}
    translated = set(tables["translation"]["product_category_name"])
    missing = used - translated
    assert missing
    assert len(missing) <= 3
    assert len(used & translated) / len(used) > 0.9


def test_review_comments_have_line_breaks_and_doubled_quotes(sample, tables):
    folder, _ = sample
    messages = tables["reviews"]["review_comment_message"]
    assert messages.str.contains("\r\n", regex=False).sum() >= 3
    assert messages.str.contains('"', regex=False).sum() >= 3
    raw = (folder / "olist_order_reviews_dataset.csv").read_text(encoding="utf-8")
    assert '""' in raw


def test_payments_quirks(tables):
    payments = tables["payments"]
    payments["seq"] = payments["payment_sequential"].astype(int)
    payments["value"] = payments["payment_value"].astype(float)
    payments["inst"] = payments["payment_installments"].astype(int)
    per_order = payments.groupby("order_id")["seq"].agg(["count", "min", "max"])
    assert (per_order["min"] == 1).all()
    assert (per_order["max"] == per_order["count"]).all()
    assert (per_order["count"] > 1).sum() > 10
    mixed = payments.groupby("order_id")["payment_type"].agg(set)
    assert mixed.apply(lambda s: {"voucher", "credit_card"} <= s).any()
    assert set(payments["payment_type"]) == {
        "credit_card",
        "boleto",
        "voucher",
        "debit_card",
        "not_defined",
    }
    assert (payments["value"] == 0).any()
    card = payments["payment_type"] == "credit_card"
    assert payments.loc[card, "inst"].between(1, 24).all()
    assert payments.loc[card, "inst"].max() > 10
    assert (payments.loc[~card, "inst"] == 1).all()
    no_payment = set(tables["orders"]["order_id"]) - set(payments["order_id"])
    assert len(no_payment) == 1


def test_payment_sum_roughly_equals_items_plus_freight(tables):
    items = tables["items"]
    items_total = (
        (items["price"].astype(float) + items["freight_value"].astype(float))
        .groupby(items["order_id"])
        .sum()
    )
    payments = tables["payments"]
    paid = payments["payment_value"].astype(float).groupby(payments["order_id"]).sum()
    card_installments = (
        (
            (payments["payment_type"] == "credit_card")
            & (payments["payment_installments"].astype(int) > 1)
        )
        .groupby(payments["order_id"])
        .any()
    )
    not_defined = (
        (payments["payment_type"] == "not_defined").groupby(payments["order_id"]).any()
    )
    both = pd.concat(
        [items_total, paid, card_installments, not_defined],
        axis=1,
        join="inner",
        keys=["items", "paid", "card", "not_defined"],
    )
    both = both[~both["not_defined"]]
    ratio = both["paid"] / both["items"]
    # Without instalments the payments add up exactly (vouchers included) ...
    assert ((both["paid"] - both["items"]).abs() < 0.005)[~both["card"]].all()
    # ... with instalments some orders pay interest on top.
    assert ratio.between(1 - 1e-9, 1.25).all()
    assert ratio.between(0.999, 1.001).mean() > 0.9


def test_reviews_have_shared_ids_and_double_reviews(tables):
    reviews = tables["reviews"]
    assert not reviews.duplicated(["review_id", "order_id"]).any()
    orders_per_review = reviews.groupby("review_id")["order_id"].nunique()
    assert (orders_per_review == 2).sum() >= 2
    reviews_per_order = reviews.groupby("order_id")["review_id"].nunique()
    assert (reviews_per_order == 2).sum() >= 2
    assert set(reviews["review_score"]) == {"1", "2", "3", "4", "5"}


def test_products_without_category_have_no_text_lengths(tables):
    products = tables["products"]
    empty = products[products["product_category_name"] == ""]
    assert len(empty) >= 1
    for column in (
        "product_name_lenght",
        "product_description_lenght",
        "product_photos_qty",
    ):
        assert (empty[column] == "").all(), column
    assert (empty["product_weight_g"] != "").all()


def test_every_status_and_the_null_dates_it_implies(tables):
    orders = tables["orders"]
    status = orders["order_status"]
    assert set(status) == STATUSES
    assert 0.95 <= (status == "delivered").mean() <= 0.99
    carrier = orders["order_delivered_carrier_date"] != ""
    customer = orders["order_delivered_customer_date"] != ""
    approved = orders["order_approved_at"] != ""
    no_delivery = status.isin(["canceled", "unavailable", "created"])
    assert not (carrier | customer)[no_delivery].any()
    assert not approved[status == "created"].any()
    shipped = status == "shipped"
    assert carrier[shipped].all()
    assert not customer[shipped].any()
    delivered = status == "delivered"
    assert carrier[delivered].all()
    assert 1 <= (~customer[delivered]).sum() <= 10
    assert not customer[~delivered].any()


def test_calendar_only_canceled_at_the_end_and_2016_nearly_empty(tables):
    orders = tables["orders"]
    purchase = orders["order_purchase_timestamp"]
    late = orders[purchase >= "2018-09-04"]
    assert len(late) >= 1
    assert (late["order_status"] == "canceled").all()
    assert (purchase < "2017-01-01").mean() < 0.01
    assert purchase.min() >= "2016-09-04"
    assert purchase.max() <= "2018-10-17 23:59:59"
    months = purchase.str[:7].value_counts()
    assert months["2018-03"] > months["2017-03"]
    assert months["2017-11"] > months["2017-10"] * 1.2  # Black Friday


def test_late_deliveries_get_low_scores(tables):
    orders = tables["orders"]
    delivered = orders[orders["order_delivered_customer_date"] != ""]
    is_late = (
        delivered["order_delivered_customer_date"]
        > delivered["order_estimated_delivery_date"]
    )
    scores = tables["reviews"].merge(
        delivered.assign(is_late=is_late)[["order_id", "is_late"]], on="order_id"
    )
    score = scores["review_score"].astype(int)
    assert (score[scores["is_late"]] <= 2).mean() > 0.6
    assert (score[~scores["is_late"]] >= 4).mean() > 0.7


# --------------------------------------------------------------------------
# Integrity and behaviour
# --------------------------------------------------------------------------


def test_referential_integrity(tables):
    orders, customers = tables["orders"], tables["customers"]
    assert orders["order_id"].is_unique
    assert orders["customer_id"].is_unique
    assert customers["customer_id"].is_unique
    assert set(orders["customer_id"]) == set(customers["customer_id"])
    assert set(tables["items"]["product_id"]) <= set(tables["products"]["product_id"])
    assert set(tables["items"]["seller_id"]) <= set(tables["sellers"]["seller_id"])
    assert tables["products"]["product_id"].is_unique
    assert tables["sellers"]["seller_id"].is_unique
    order_ids = set(orders["order_id"])
    for table in ("items", "payments", "reviews"):
        assert set(tables[table]["order_id"]) <= order_ids, table
    geo_zips = set(tables["geo"]["geolocation_zip_code_prefix"])
    for table, column in (
        ("customers", "customer_zip_code_prefix"),
        ("sellers", "seller_zip_code_prefix"),
    ):
        zips = tables[table][column]
        assert zips.isin(geo_zips).mean() > 0.9, table
    per_zip = tables["geo"].groupby("geolocation_zip_code_prefix").size()
    assert per_zip.mean() > 5
    item_keys = tables["items"][["order_id", "order_item_id"]]
    assert not item_keys.duplicated().any()


def test_one_time_buyers_share_and_repeat_tail(tables):
    orders_per_person = tables["customers"].groupby("customer_unique_id").size()
    assert 0.95 <= (orders_per_person == 1).mean() <= 0.99
    assert orders_per_person.max() >= 6


def test_states_weighted_like_the_real_data(tables):
    share = tables["customers"]["customer_state"].value_counts(normalize=True)
    assert share.index[0] == "SP"
    assert 0.35 <= share["SP"] <= 0.5
    assert len(share) >= 20


def test_planted_file_covers_every_person_once(tables):
    planted = tables["planted"]
    assert list(planted.columns) == ["customer_unique_id", "planted_type"]
    assert planted["customer_unique_id"].is_unique
    people = set(tables["customers"]["customer_unique_id"])
    assert set(planted["customer_unique_id"]) == people
    assert set(planted["planted_type"]) == set(gen.TYPE_NAMES)


def test_planted_types_differ_in_the_segmentation_features(tables):
    orders = tables["orders"].merge(tables["customers"], on="customer_id")
    paid = (
        tables["payments"]
        .assign(value=lambda d: d["payment_value"].astype(float))
        .groupby("order_id")
        .agg(value=("value", "sum"), inst=("payment_installments", "max"))
    )
    orders = orders.merge(paid, on="order_id", how="left")
    days = (
        pd.to_datetime(orders["order_delivered_customer_date"].replace("", None))
        - pd.to_datetime(orders["order_purchase_timestamp"])
    ).dt.days
    orders = orders.assign(
        days=days,
        late=orders["order_delivered_customer_date"]
        > orders["order_estimated_delivery_date"],
        inst=orders["inst"].astype(float),
    )
    per_person = orders.groupby("customer_unique_id").agg(
        n=("order_id", "size"),
        value=("value", "mean"),
        inst=("inst", "mean"),
        days=("days", "mean"),
        late=("late", "mean"),
    )
    per_type = (
        per_person.join(tables["planted"].set_index("customer_unique_id"))
        .groupby("planted_type")[["n", "value", "inst", "days", "late"]]
        .mean()
    )
    assert per_type.loc["loyal_high_value", "n"] >= 2
    assert per_type.loc["frequent_small_basket", "n"] >= 3
    assert per_type.loc["bargain_one_timer", "n"] == 1
    assert (
        per_type.loc["big_ticket_installment", "value"]
        > 3 * per_type.loc["bargain_one_timer", "value"]
    )
    assert per_type.loc["big_ticket_installment", "inst"] > 6
    assert per_type.loc["disappointed", "late"] > 0.9
    assert per_type["days"].idxmax() in {"remote_long_delivery", "disappointed"}
    assert (
        per_type.loc["remote_long_delivery", "days"]
        > 2 * per_type.loc["bargain_one_timer", "days"]
    )


# --------------------------------------------------------------------------
# Command line and validation
# --------------------------------------------------------------------------


def test_main_returns_error_code_and_generate_raises(tmp_path, capsys):
    assert gen.main(["--orders", "5", "--out", str(tmp_path)]) == 2
    assert "at least 100" in capsys.readouterr().err
    with pytest.raises(gen.GeneratorArgumentError, match="at least 100") as error:
        gen.generate(tmp_path, 99, 1)
    assert isinstance(error.value, OlistError)
    assert isinstance(error.value, ValueError)  # what generate() raised before
    for args, message in (
        ((100, -1, gen.DEFAULT_START, gen.DEFAULT_END), "non-negative"),
        ((100, 1, "2018-13-45", gen.DEFAULT_END), "ISO dates"),
        ((100, 1, "2018-01-01", "2018-02-01"), "days after"),
    ):
        with pytest.raises(gen.GeneratorArgumentError, match=message):
            gen.generate(tmp_path / "never", *args)
    assert not (tmp_path / "never").exists()


def test_an_output_folder_that_cannot_be_written_is_a_clear_error(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    for out in (a_file, a_file / "below"):
        with pytest.raises(gen.OutputFolderError, match="choose another --out"):
            gen.generate(out, 100, 1)
        assert gen.main(["--orders", "100", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("olist-generate: error: ")
        assert "Traceback" not in err
    assert issubclass(gen.OutputFolderError, OlistError)


def test_main_writes_files_and_progress_lines(tmp_path, capsys):
    assert gen.main(["--orders", "150", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == NINE_FILES | {PLANTED}
    err = capsys.readouterr().err
    assert "olist_orders_dataset.csv: 150 rows" in err
