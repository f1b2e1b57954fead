"""The catalogue: sellers and products.

Products belong to one of four price tiers (cheap, general, premium,
big-ticket) with lognormal prices; categories follow the real product counts
and big-ticket products are furniture / electronics. Each product is sold by
one seller; seller popularity is long-tailed.
"""

from __future__ import annotations

import numpy as np

from olist_segmentation.generator.draws import NULL_INT, Table, lognormal, pick
from olist_segmentation.generator.geography import pick_zips
from olist_segmentation.generator.parameters import (
    BIG_TICKET_CATEGORIES,
    CATEGORY_NAMES,
    CATEGORY_WEIGHTS,
    FORCED_PRODUCTS,
    NULL_CATEGORY_SHARE,
    PRODUCTS_PER_ORDER,
    QUOTED_ID_SHARE,
    SELLERS_PER_ORDER,
    STATES,
    TIER,
    TIERS,
    PriceTier,
)


def build_sellers(rng: np.random.Generator, n_orders: int, prefixes: Table) -> Table:
    """Draw the seller universe: state, zip prefix and long-tailed popularity."""
    n = max(30, round(SELLERS_PER_ORDER * n_orders))
    state = pick(rng, n, np.array([s.sellers for s in STATES], dtype=float))
    return {
        "state": state,
        "zip": pick_zips(rng, state, prefixes),
        "popularity": rng.lognormal(0.0, 1.2, n),
        "quoted": rng.random(n) < QUOTED_ID_SHARE,
    }


def _tier_categories(tier: PriceTier) -> tuple[np.ndarray, np.ndarray]:
    """Return the category codes a tier may use and their weights."""
    is_big = np.array([c in BIG_TICKET_CATEGORIES for c in CATEGORY_NAMES])
    weights = np.array(list(CATEGORY_WEIGHTS.values()), dtype=float)
    if tier.big_ticket_only:
        allowed = is_big
    elif tier.name == "cheap":
        allowed = ~is_big
    else:
        allowed = np.ones(len(CATEGORY_NAMES), dtype=bool)
    codes = np.flatnonzero(allowed)
    return codes, weights[codes]


def _price_cents(rng: np.random.Generator, price: np.ndarray) -> np.ndarray:
    """Round prices to cents with retail endings (.90, .99, .00 or random)."""
    n = len(price)
    ending = rng.choice(np.array([90, 99, 0, -1]), size=n, p=[0.5, 0.2, 0.15, 0.15])
    cents = np.where(ending >= 0, ending, rng.integers(0, 100, n))
    return np.maximum(np.floor(price).astype(np.int64) * 100 + cents, 85)


def build_products(rng: np.random.Generator, n_orders: int, sellers: Table) -> Table:
    """Draw the product universe: tier, category, price, size and seller."""
    n = max(200, round(PRODUCTS_PER_ORDER * n_orders))
    tier = pick(rng, n, np.array([t.product_share for t in TIERS]))
    tier[: 5 * len(TIERS)] = np.tile(np.arange(len(TIERS)), 5)  # no empty tier
    for index, (tier_name, _, _) in FORCED_PRODUCTS.items():
        tier[index] = TIER[tier_name]
    category = np.empty(n, dtype=np.int64)
    price = np.empty(n)
    weight = np.empty(n)
    for code, spec in enumerate(TIERS):
        rows = np.flatnonzero(tier == code)
        cats, cat_weights = _tier_categories(spec)
        category[rows] = cats[pick(rng, len(rows), cat_weights)]
        low, high = spec.price_range
        price[rows] = np.clip(
            lognormal(rng, spec.median_price, spec.price_sigma, len(rows)), low, high
        )
        weight[rows] = lognormal(rng, spec.median_weight_g, 0.9, len(rows))
    no_category = (tier <= TIER["general"]) & (rng.random(n) < NULL_CATEGORY_SHARE)
    category[no_category] = NULL_INT
    weight = np.clip(np.round(weight), 50, 40_000).astype(np.int64)
    side = np.cbrt(weight * rng.uniform(2.0, 8.0, n))
    no_dimensions = np.zeros(n, dtype=bool)
    for index, (_, cat, missing_dims) in FORCED_PRODUCTS.items():
        category[index] = NULL_INT if cat is None else CATEGORY_NAMES.index(cat)
        no_dimensions[index] = missing_dims
    has_text = category >= 0
    return {
        "tier": tier,
        "category": category,
        "price": _price_cents(rng, price),
        "weight": weight,
        "name_len": np.where(has_text, rng.integers(20, 77, n), NULL_INT),
        "desc_len": np.where(
            has_text,
            np.clip(lognormal(rng, 600, 0.8, n), 4, 3992).astype(np.int64),
            NULL_INT,
        ),
        "photos": np.where(has_text, np.minimum(rng.geometric(0.55, n), 20), NULL_INT),
        "length": np.clip(np.round(side * rng.uniform(1.0, 1.6, n)), 16, 105),
        "height": np.clip(np.round(side * rng.uniform(0.3, 1.0, n)), 2, 105),
        "width": np.clip(np.round(side * rng.uniform(0.6, 1.2, n)), 6, 118),
        "no_dimensions": no_dimensions,
        "seller": pick(rng, n, sellers["popularity"]),
        "popularity": rng.lognormal(0.0, 1.0, n),
        "quoted": rng.random(n) < QUOTED_ID_SHARE,
    }
