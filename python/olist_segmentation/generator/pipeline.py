"""The generator's pipeline: draw every table in a fixed order, then write.

All randomness comes from one ``numpy`` generator seeded with ``seed``; the
builders are called in a fixed order, so the same ``(n_orders, seed)``
always gives byte-identical files. Changing the order of the calls (or of the
draws inside a builder) changes every file after it.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import numpy as np

from olist_segmentation.generator.arguments import (
    DEFAULT_END,
    DEFAULT_START,
    OutputFolderError,
    prepare_output,
    validate_arguments,
)
from olist_segmentation.generator.catalogue import build_products, build_sellers
from olist_segmentation.generator.csv_files import SampleTables, write_sample
from olist_segmentation.generator.geography import (
    build_geolocation,
    build_zip_prefixes,
)
from olist_segmentation.generator.items import build_items, order_totals
from olist_segmentation.generator.orders import add_timeline, build_orders, build_people
from olist_segmentation.generator.payments import build_payments, plan_payments
from olist_segmentation.generator.reviews import build_reviews
from olist_segmentation.log import get_logger

LOG = get_logger(__name__.rsplit(".", 1)[0])


def log(message: str) -> None:
    """Write one progress line to stderr (``[generator] message``)."""
    LOG.info(message)


def build_tables(n_orders: int, seed: int, start: str, end: str) -> SampleTables:
    """Draw every table of the sample (nothing is written).

    Args:
        n_orders: Number of orders.
        seed: Seed of the random generator.
        start: First purchase day (ISO date).
        end: Last purchase day (ISO date).

    Returns:
        The tables and row orders the writer needs.
    """
    rng = np.random.default_rng(seed)
    salt = int(rng.integers(0, 2**62))

    prefixes = build_zip_prefixes(rng, n_orders)
    sellers = build_sellers(rng, n_orders, prefixes)
    products = build_products(rng, n_orders, sellers)
    people = build_people(rng, n_orders, prefixes)
    orders = build_orders(rng, people, start, end)
    plan = plan_payments(rng, orders["type"])
    add_timeline(rng, orders, plan["method"], end)
    items = build_items(rng, orders, products, sellers)
    payments = build_payments(rng, orders, plan, order_totals(items, n_orders))
    reviews = build_reviews(rng, orders)
    geo = build_geolocation(rng, prefixes)
    orders["row_order"] = rng.permutation(n_orders)
    orders["customer_row_order"] = rng.permutation(n_orders)
    sold = rng.permutation(np.unique(items["product"][items["written"]]))
    active = rng.permutation(np.unique(products["seller"][sold]))
    return SampleTables(
        salt=salt,
        prefixes=prefixes,
        geo=geo,
        sellers=sellers,
        products=products,
        people=people,
        orders=orders,
        items=items,
        payments=payments,
        reviews=reviews,
        sold=sold,
        active=active,
    )


def generate(
    out_dir: Path,
    n_orders: int,
    seed: int,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
) -> dict[str, int]:
    """Generate the nine Olist CSV files and the planted-type side file.

    Args:
        out_dir: Folder to write into (created if needed).
        n_orders: Number of orders (at least 100).
        seed: Seed; the same ``(n_orders, seed)`` gives byte-identical files.
        start: First purchase day (ISO date).
        end: Last purchase day (ISO date); after ``end - 44 days`` only
            canceled orders are placed.

    Returns:
        Rows written per file name (header excluded), including
        ``planted_customer_types.csv``.

    Raises:
        GeneratorArgumentError: If the arguments are out of range (also a
            ``ValueError``).
        OutputFolderError: If ``out_dir`` cannot be created or written.
    """
    validate_arguments(n_orders, seed, start, end)
    out = prepare_output(out_dir)
    began = time.perf_counter()
    tables = build_tables(n_orders, seed, start, end)
    log(f"built {n_orders:,} orders in {time.perf_counter() - began:.1f}s")
    try:
        counts = write_sample(tables, out, log)
    except (OSError, duckdb.IOException) as exc:
        raise OutputFolderError(f"cannot write the sample into {out}: {exc}") from exc
    log(f"done: {out} in {time.perf_counter() - began:.1f}s")
    return counts
