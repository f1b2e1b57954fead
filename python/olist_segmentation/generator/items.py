"""Order items: which products each order buys, from whom, at what freight.

Freight grows with product weight and with the distance between seller and
customer states. Unavailable and created orders (and a quarter of the
canceled ones) get items for the order value, but no item rows are written
for them, as in the real data.
"""

from __future__ import annotations

import numpy as np

from olist_segmentation.generator.draws import (
    SECONDS_PER_DAY,
    Table,
    normalise,
    pick,
    pick_subset,
    positions,
)
from olist_segmentation.generator.geography import STATE_LAT, STATE_LNG
from olist_segmentation.generator.orders import type_array
from olist_segmentation.generator.parameters import (
    CANCELED_WITHOUT_ITEMS,
    CUSTOMER_TYPES,
    DELIVERED,
    FORCED_PRODUCTS,
    FREE_FREIGHT_SHARE,
    MAX_ITEMS,
    SAME_PRODUCT_AGAIN,
    ST,
    TIERS,
)


def build_items(
    rng: np.random.Generator,
    orders: Table,
    products: Table,
    sellers: Table,
) -> Table:
    """Build order items: products by the buyer's tier, seller, price, freight.

    Items of unavailable and created orders (and of a quarter of the canceled
    ones) are generated for the order value but flagged as not written.
    """
    kind, status = orders["type"], orders["status"]
    n_orders = len(kind)
    n_items = np.minimum(rng.geometric(1 - type_array("extra_item_p")[kind]), MAX_ITEMS)
    order_tier = np.empty(n_orders, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        order_tier[rows] = pick(rng, len(rows), np.array(ctype.tiers))
    order = np.repeat(np.arange(n_orders), n_items)
    position = positions(n_items)
    n = len(order)
    product = np.empty(n, dtype=np.int64)
    item_tier = order_tier[order]
    for code in range(len(TIERS)):
        rows = np.flatnonzero(item_tier == code)
        pool = np.flatnonzero(products["tier"] == code)
        product[rows] = rng.choice(
            pool, size=len(rows), p=normalise(products["popularity"][pool])
        )
    again = (position > 0) & (rng.random(n) < SAME_PRODUCT_AGAIN)
    product = product[np.maximum.accumulate(np.where(again, 0, np.arange(n)))]

    first_row = np.cumsum(n_items) - n_items
    delivered = np.flatnonzero(status == ST[DELIVERED])
    forced = pick_subset(rng, delivered, len(FORCED_PRODUCTS))
    product[first_row[forced]] = list(FORCED_PRODUCTS)[: len(forced)]

    has_items = ~np.isin(status, [ST["unavailable"], ST["created"]])
    has_items &= ~(
        (status == ST["canceled"]) & (rng.random(n_orders) < CANCELED_WITHOUT_ITEMS)
    )

    seller = products["seller"][product]
    seller_state = sellers["state"][seller]
    buyer_state = orders["state"][order]
    distance = np.hypot(
        STATE_LAT[seller_state] - STATE_LAT[buyer_state],
        STATE_LNG[seller_state] - STATE_LNG[buyer_state],
    )
    freight = (9.0 + 4.0 * np.sqrt(products["weight"][product] / 1000.0)) * (
        1.0 + distance / 12.0
    )
    freight *= type_array("freight_factor")[orders["type"][order]]
    freight *= rng.lognormal(0.0, 0.25, n)
    freight_cents = np.round(freight * 100).astype(np.int64)
    freight_cents[rng.random(n) < FREE_FREIGHT_SHARE] = 0

    base = np.where(orders["approved"] >= 0, orders["approved"], orders["purchase"])
    shipping_limit = base[order] + rng.integers(3, 9, n) * SECONDS_PER_DAY
    return {
        "order": order,
        "item": position + 1,
        "product": product,
        "seller": seller,
        "shipping_limit": shipping_limit,
        "price": products["price"][product],
        "freight": freight_cents,
        "written": has_items[order],
    }


def order_totals(items: Table, n_orders: int) -> np.ndarray:
    """Return each order's items + freight in cents (all items, written or not)."""
    totals = np.bincount(
        items["order"], items["price"] + items["freight"], minlength=n_orders
    )
    return np.round(totals).astype(np.int64)
