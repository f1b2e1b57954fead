"""Writing the nine Olist CSV files (and the planted-type file) with DuckDB.

The files have exactly the names, headers and format quirks of the public
Olist dataset: 32-character hex ids (MD5 of a seed-derived salt and a row
number), ``YYYY-MM-DD HH:MM:SS`` timestamps, money with two decimals,
zero-padded zip prefixes, hand-quoted products and sellers files, and a
translation file with a UTF-8 BOM and CRLF line endings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from olist_segmentation.generator.draws import NULL_INT, Table
from olist_segmentation.generator.geography import (
    CITY_NAMES,
    GEO_CITY_LABELS,
    STATE_UFS,
)
from olist_segmentation.generator.parameters import (
    CATEGORY_NAMES,
    PAYMENT_TYPES,
    STATUSES,
    TRANSLATION,
    TYPE_NAMES,
)
from olist_segmentation.generator.reviews import MESSAGE_TEXTS, TITLE_TEXTS

CUSTOMERS_FILE = "olist_customers_dataset.csv"
GEOLOCATION_FILE = "olist_geolocation_dataset.csv"
ITEMS_FILE = "olist_order_items_dataset.csv"
PAYMENTS_FILE = "olist_order_payments_dataset.csv"
REVIEWS_FILE = "olist_order_reviews_dataset.csv"
ORDERS_FILE = "olist_orders_dataset.csv"
PRODUCTS_FILE = "olist_products_dataset.csv"
SELLERS_FILE = "olist_sellers_dataset.csv"
TRANSLATION_FILE = "product_category_name_translation.csv"
PLANTED_FILE = "planted_customer_types.csv"

OLIST_FILES: tuple[str, ...] = (
    CUSTOMERS_FILE,
    GEOLOCATION_FILE,
    ITEMS_FILE,
    PAYMENTS_FILE,
    REVIEWS_FILE,
    ORDERS_FILE,
    PRODUCTS_FILE,
    SELLERS_FILE,
    TRANSLATION_FILE,
)

PRODUCT_COLUMNS: tuple[str, ...] = (
    "product_id",
    "product_category_name",
    "product_name_lenght",
    "product_description_lenght",
    "product_photos_qty",
    "product_weight_g",
    "product_length_cm",
    "product_height_cm",
    "product_width_cm",
)
SELLER_COLUMNS: tuple[str, ...] = (
    "seller_id",
    "seller_zip_code_prefix",
    "seller_city",
    "seller_state",
)

# CSV options shared by every COPY (standard quoting, empty string for NULL).
CSV_OPTIONS = "HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULLSTR ''"
# Products and sellers are written with hand-made quotes, like the real files.
RAW_CSV_OPTIONS = "HEADER, DELIMITER ',', QUOTE '', ESCAPE '', NULLSTR ''"


@dataclass(frozen=True)
class SampleTables:
    """Everything the writer needs: the built tables and the row orders.

    Attributes:
        salt: Seed-derived salt of the MD5 ids.
        prefixes: Zip prefixes (geography).
        geo: Geolocation rows.
        sellers: Seller universe.
        products: Product universe.
        people: People (``customer_unique_id``) with their planted type.
        orders: Orders, with ``row_order`` and ``customer_row_order``.
        items: Order items (``written`` flags the rows to write).
        payments: Payment rows.
        reviews: Review rows.
        sold: Indices of the products written (those in a written item).
        active: Indices of the sellers written (those of a sold product).
    """

    salt: int
    prefixes: Table
    geo: Table
    sellers: Table
    products: Table
    people: Table
    orders: Table
    items: Table
    payments: Table
    reviews: Table
    sold: np.ndarray
    active: np.ndarray


def _categorical(
    codes: np.ndarray, labels: tuple[str, ...] | list[str]
) -> pd.Categorical[str]:
    """Wrap integer codes (-1 = NULL) as a pandas categorical for DuckDB."""
    return pd.Categorical.from_codes(
        codes.astype(np.int32), categories=pd.Index(list(labels))
    )


def _connect(salt: int) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB with the formatting macros used by COPY."""
    con = duckdb.connect(config={"preserve_insertion_order": True})
    con.execute(f"CREATE MACRO hid(kind, i) AS md5('{salt}:' || kind || ':' || i)")
    con.execute(
        "CREATE MACRO ts(x) AS CASE WHEN x >= 0 THEN "
        "strftime(make_timestamp(x * 1000000), '%Y-%m-%d %H:%M:%S') END"
    )
    con.execute("CREATE MACRO money(c) AS printf('%d.%02d', c // 100, c % 100)")
    con.execute("CREATE MACRO zip5(z) AS lpad(CAST(z AS VARCHAR), 5, '0')")
    con.execute("CREATE MACRO nn(x) AS CASE WHEN x >= 0 THEN x END")
    con.execute(
        "CREATE MACRO raw_id(kind, i, quoted) AS "
        "CASE WHEN quoted THEN '\"' || hid(kind, i) || '\"' ELSE hid(kind, i) END"
    )
    return con


def _copy(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    select: str,
    path: Path,
    options: str = CSV_OPTIONS,
) -> int:
    """COPY ``select`` (reading the frame as ``src``) to a CSV file."""
    con.register("src", frame)
    try:
        target = str(path).replace("'", "''")
        result = con.execute(f"COPY ({select}) TO '{target}' ({options})").fetchone()
    finally:
        con.unregister("src")
    return int(result[0]) if result else 0


def _write_orders(con: duckdb.DuckDBPyConnection, orders: Table, out: Path) -> int:
    """Write olist_orders_dataset.csv (rows in random order)."""
    frame = pd.DataFrame(
        {
            "oid": np.arange(len(orders["status"])),
            "status": _categorical(orders["status"], STATUSES),
            "purchase": orders["purchase"],
            "approved": orders["approved"],
            "carrier": orders["carrier"],
            "delivered": orders["delivered"],
            "estimated": orders["estimated"],
        }
    ).iloc[orders["row_order"]]
    select = (
        "SELECT hid('o', oid) AS order_id, hid('c', oid) AS customer_id, "
        "CAST(status AS VARCHAR) AS order_status, "
        "ts(purchase) AS order_purchase_timestamp, ts(approved) AS order_approved_at, "
        "ts(carrier) AS order_delivered_carrier_date, "
        "ts(delivered) AS order_delivered_customer_date, "
        "ts(estimated) AS order_estimated_delivery_date FROM src"
    )
    return _copy(con, frame, select, out / ORDERS_FILE)


def _write_customers(
    con: duckdb.DuckDBPyConnection,
    orders: Table,
    people: Table,
    prefixes: Table,
    out: Path,
) -> int:
    """Write olist_customers_dataset.csv: one row per order (customer_id)."""
    zip_index = people["zip"][orders["person"]]
    frame = pd.DataFrame(
        {
            "oid": np.arange(len(zip_index)),
            "person": orders["person"],
            "zip": prefixes["zip"][zip_index],
            "city": _categorical(prefixes["city"][zip_index], CITY_NAMES),
            "state": _categorical(orders["state"], STATE_UFS),
        }
    ).iloc[orders["customer_row_order"]]
    select = (
        "SELECT hid('c', oid) AS customer_id, hid('u', person) AS customer_unique_id, "
        "zip5(zip) AS customer_zip_code_prefix, "
        "CAST(city AS VARCHAR) AS customer_city, "
        "CAST(state AS VARCHAR) AS customer_state FROM src"
    )
    return _copy(con, frame, select, out / CUSTOMERS_FILE)


def _write_items(con: duckdb.DuckDBPyConnection, items: Table, out: Path) -> int:
    """Write olist_order_items_dataset.csv, sorted by order_id like the real file."""
    keep = items["written"]
    frame = pd.DataFrame({k: v[keep] for k, v in items.items() if k != "written"})
    select = (
        "SELECT hid('o', \"order\") AS order_id, item AS order_item_id, "
        "hid('p', product) AS product_id, hid('s', seller) AS seller_id, "
        "ts(shipping_limit) AS shipping_limit_date, money(price) AS price, "
        "money(freight) AS freight_value FROM src ORDER BY order_id, order_item_id"
    )
    return _copy(con, frame, select, out / ITEMS_FILE)


def _write_payments(con: duckdb.DuckDBPyConnection, payments: Table, out: Path) -> int:
    """Write olist_order_payments_dataset.csv."""
    frame = pd.DataFrame(
        {
            "order": payments["order"],
            "sequential": payments["sequential"],
            "type": _categorical(payments["type"], PAYMENT_TYPES),
            "installments": payments["installments"],
            "value": payments["value"],
        }
    )
    select = (
        "SELECT hid('o', \"order\") AS order_id, sequential AS payment_sequential, "
        "CAST(type AS VARCHAR) AS payment_type, installments AS payment_installments, "
        "money(value) AS payment_value FROM src"
    )
    return _copy(con, frame, select, out / PAYMENTS_FILE)


def _write_reviews(con: duckdb.DuckDBPyConnection, reviews: Table, out: Path) -> int:
    """Write olist_order_reviews_dataset.csv (multi-line, quoted comments)."""
    frame = pd.DataFrame(
        {
            "key": reviews["key"],
            "order": reviews["order"],
            "score": reviews["score"],
            "title": _categorical(reviews["title"], TITLE_TEXTS),
            "message": _categorical(reviews["message"], MESSAGE_TEXTS),
            "created": reviews["created"],
            "answered": reviews["answered"],
        }
    )
    select = (
        "SELECT hid('r', key) AS review_id, hid('o', \"order\") AS order_id, "
        "score AS review_score, CAST(title AS VARCHAR) AS review_comment_title, "
        "CAST(message AS VARCHAR) AS review_comment_message, "
        "ts(created) AS review_creation_date, "
        "ts(answered) AS review_answer_timestamp FROM src"
    )
    return _copy(con, frame, select, out / REVIEWS_FILE)


def _raw_alias(column: str) -> str:
    """Return a SQL alias whose header is the quoted column name."""
    return f'"""{column}"""'


def _write_products(
    con: duckdb.DuckDBPyConnection, products: Table, sold: np.ndarray, out: Path
) -> int:
    """Write olist_products_dataset.csv with quoted headers and some quoted ids."""
    no_dims = products["no_dimensions"][sold]
    frame = pd.DataFrame(
        {
            "pid": sold,
            "quoted": products["quoted"][sold],
            "category": _categorical(products["category"][sold], CATEGORY_NAMES),
            "name_len": products["name_len"][sold],
            "desc_len": products["desc_len"][sold],
            "photos": products["photos"][sold],
        }
        | {
            col: np.where(no_dims, NULL_INT, products[col][sold]).astype(np.int64)
            for col in ("weight", "length", "height", "width")
        }
    )
    sources = (
        "raw_id('p', pid, quoted)",
        "CAST(category AS VARCHAR)",
        "nn(name_len)",
        "nn(desc_len)",
        "nn(photos)",
        "nn(weight)",
        "nn(length)",
        "nn(height)",
        "nn(width)",
    )
    columns = ", ".join(
        f"{expr} AS {_raw_alias(name)}"
        for expr, name in zip(sources, PRODUCT_COLUMNS, strict=True)
    )
    select = f"SELECT {columns} FROM src"
    return _copy(con, frame, select, out / PRODUCTS_FILE, RAW_CSV_OPTIONS)


def _write_sellers(
    con: duckdb.DuckDBPyConnection,
    sellers: Table,
    active: np.ndarray,
    prefixes: Table,
    out: Path,
) -> int:
    """Write olist_sellers_dataset.csv: quoted headers and zips, some quoted ids."""
    zip_index = sellers["zip"][active]
    frame = pd.DataFrame(
        {
            "sid": active,
            "quoted": sellers["quoted"][active],
            "zip": prefixes["zip"][zip_index],
            "city": _categorical(prefixes["city"][zip_index], CITY_NAMES),
            "state": _categorical(sellers["state"][active], STATE_UFS),
        }
    )
    sources = (
        "raw_id('s', sid, quoted)",
        "'\"' || zip5(zip) || '\"'",
        "CAST(city AS VARCHAR)",
        "CAST(state AS VARCHAR)",
    )
    columns = ", ".join(
        f"{expr} AS {_raw_alias(name)}"
        for expr, name in zip(sources, SELLER_COLUMNS, strict=True)
    )
    return _copy(
        con, frame, f"SELECT {columns} FROM src", out / SELLERS_FILE, RAW_CSV_OPTIONS
    )


def _write_geolocation(con: duckdb.DuckDBPyConnection, geo: Table, out: Path) -> int:
    """Write olist_geolocation_dataset.csv."""
    frame = pd.DataFrame(
        {
            "zip": geo["zip"],
            "lat": geo["lat"],
            "lng": geo["lng"],
            "city": _categorical(geo["city"], GEO_CITY_LABELS),
            "state": _categorical(geo["state"], STATE_UFS),
        }
    )
    select = (
        "SELECT zip5(zip) AS geolocation_zip_code_prefix, lat AS geolocation_lat, "
        "lng AS geolocation_lng, CAST(city AS VARCHAR) AS geolocation_city, "
        "CAST(state AS VARCHAR) AS geolocation_state FROM src"
    )
    return _copy(con, frame, select, out / GEOLOCATION_FILE)


def _write_translation(out: Path) -> int:
    """Write the translation table: UTF-8 BOM, CRLF, no final line break."""
    lines = ["product_category_name,product_category_name_english"]
    lines += [f"{pt},{en}" for pt, en in TRANSLATION]
    (out / TRANSLATION_FILE).write_bytes(
        ("\ufeff" + "\r\n".join(lines)).encode("utf-8")
    )
    return len(TRANSLATION)


def _write_planted(con: duckdb.DuckDBPyConnection, people: Table, out: Path) -> int:
    """Write planted_customer_types.csv: the planted type of every person."""
    frame = pd.DataFrame(
        {
            "person": np.arange(len(people["type"])),
            "type": _categorical(people["type"], TYPE_NAMES),
        }
    )
    select = (
        "SELECT hid('u', person) AS customer_unique_id, "
        "CAST(type AS VARCHAR) AS planted_type FROM src"
    )
    return _copy(con, frame, select, out / PLANTED_FILE)


def write_sample(
    tables: SampleTables, out: Path, progress: Callable[[str], None]
) -> dict[str, int]:
    """Write the nine Olist files and the planted-type file into ``out``.

    Args:
        tables: The built tables.
        out: Existing, writable folder.
        progress: Called with one line per file written.

    Returns:
        Rows written per file name (header excluded).
    """
    t = tables
    con = _connect(t.salt)
    writers: dict[str, Callable[[], int]] = {
        CUSTOMERS_FILE: lambda: _write_customers(
            con, t.orders, t.people, t.prefixes, out
        ),
        GEOLOCATION_FILE: lambda: _write_geolocation(con, t.geo, out),
        ITEMS_FILE: lambda: _write_items(con, t.items, out),
        PAYMENTS_FILE: lambda: _write_payments(con, t.payments, out),
        REVIEWS_FILE: lambda: _write_reviews(con, t.reviews, out),
        ORDERS_FILE: lambda: _write_orders(con, t.orders, out),
        PRODUCTS_FILE: lambda: _write_products(con, t.products, t.sold, out),
        SELLERS_FILE: lambda: _write_sellers(con, t.sellers, t.active, t.prefixes, out),
        TRANSLATION_FILE: lambda: _write_translation(out),
        PLANTED_FILE: lambda: _write_planted(con, t.people, out),
    }
    counts: dict[str, int] = {}
    try:
        for name, write in writers.items():
            t0 = time.perf_counter()
            counts[name] = write()
            progress(
                f"{name}: {counts[name]:,} rows in {time.perf_counter() - t0:.2f}s"
            )
    finally:
        con.close()
    return counts
