"""The generator's parameters, read from the TOML and CSV files in ``resources/``.

Every number that describes the synthetic world (state shares, category mix,
price tiers, customer types, review texts, ...) lives in a resource file next to
this module; this module reads them once, at import, into typed constants:

==========================  ===================================================
file                        content
==========================  ===================================================
``calendar.toml``           monthly volumes, weekday / hour profiles, Black Friday
``orders.toml``             order statuses and order-level oddities
``states.csv``              the 27 states: customer %, sellers, CEP range, ...
``cities.csv``              a few cities per state, capital first
``geography.toml``          zip prefixes, geolocation rows, accented spellings
``categories.csv``          product categories: real product counts, big-ticket
``translation.csv``         the translation file's rows, in the real order
``catalogue.toml``          price tiers, catalogue knobs, forced products, payments
``customer_types.toml``     the six planted customer types
``reviews.toml``            review shares, score profiles and texts
==========================  ===================================================

Changing a resource file changes the generated sample (and its hashes); the order
of the rows matters, because codes are positions in these tables.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

RESOURCE_PACKAGE = "olist_segmentation.generator"
RESOURCE_FOLDER = "resources"


def read_text(name: str) -> str:
    """Return the text of a file of the generator's ``resources/`` folder."""
    folder = resources.files(RESOURCE_PACKAGE).joinpath(RESOURCE_FOLDER)
    return folder.joinpath(name).read_text(encoding="utf-8")


def read_toml(name: str) -> dict[str, Any]:
    """Return a TOML file of the generator's ``resources/`` folder as a dict."""
    return tomllib.loads(read_text(name))


def read_csv(name: str) -> list[dict[str, str]]:
    """Return the rows of a CSV file of the generator's ``resources/`` folder."""
    return list(csv.DictReader(io.StringIO(read_text(name))))


def _floats(values: list[Any]) -> tuple[float, ...]:
    """Return a TOML array of numbers as a tuple of floats."""
    return tuple(float(value) for value in values)


# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------

_CALENDAR = read_toml("calendar.toml")
MONTHLY_ORDERS: dict[str, float] = {
    month: float(orders) for month, orders in _CALENDAR["monthly_orders"].items()
}
WEEKDAY_WEIGHTS: tuple[float, ...] = _floats(_CALENDAR["profiles"]["weekday"])
HOUR_WEIGHTS: tuple[float, ...] = _floats(_CALENDAR["profiles"]["hour"])
BLACK_FRIDAY_BOOST: dict[int, float] = {
    int(offset): float(boost)
    for offset, boost in _CALENDAR["black_friday_boost"].items()
}
TAIL_DAYS: int = _CALENDAR["tail_days"]
MAIN_GAP_DAYS: int = _CALENDAR["main_gap_days"]
TAIL_ORDER_SHARE: float = _CALENDAR["tail_order_share"]

# --------------------------------------------------------------------------
# Order statuses
# --------------------------------------------------------------------------

_ORDERS = read_toml("orders.toml")
DELIVERED = "delivered"
STATUS_SHARES: dict[str, float] = {
    status: count / _ORDERS["real_orders"]
    for status, count in _ORDERS["status_counts"].items()
}
STATUSES: tuple[str, ...] = (DELIVERED, *STATUS_SHARES)
ST: dict[str, int] = {name: code for code, name in enumerate(STATUSES)}
CANCELED_WITHOUT_ITEMS: float = _ORDERS["quirks"]["canceled_without_items"]
CANCELED_WITHOUT_APPROVAL: float = _ORDERS["quirks"]["canceled_without_approval"]
DELIVERED_WITHOUT_CUSTOMER_DATE: float = _ORDERS["quirks"][
    "delivered_without_customer_date"
]
DELIVERED_WITHOUT_APPROVAL: float = _ORDERS["quirks"]["delivered_without_approval"]

# --------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """A Brazilian state (unidade federativa) as used by the generator.

    Attributes:
        uf: Two-letter code.
        name: Lowercase name without accents.
        customer_pct: Percentage of the real customers living there.
        sellers: Number of real sellers there (seller weights).
        region: ``N``, ``NE``, ``CO``, ``SE`` or ``S``.
        lat: Latitude of the capital.
        lng: Longitude of the capital.
        zip_lo: First five-digit zip prefix of the state's CEP range.
        zip_hi: Last five-digit zip prefix of the state's CEP range.
        est_days: Median estimated delivery days to the state.
    """

    uf: str
    name: str
    customer_pct: float
    sellers: int
    region: str
    lat: float
    lng: float
    zip_lo: int
    zip_hi: int
    est_days: int


STATES: tuple[State, ...] = tuple(
    State(
        uf=row["uf"],
        name=row["name"],
        customer_pct=float(row["customer_pct"]),
        sellers=int(row["sellers"]),
        region=row["region"],
        lat=float(row["lat"]),
        lng=float(row["lng"]),
        zip_lo=int(row["zip_lo"]),
        zip_hi=int(row["zip_hi"]),
        est_days=int(row["est_days"]),
    )
    for row in read_csv("states.csv")
)


def _cities() -> dict[str, tuple[str, ...]]:
    """Return the cities of every state (capital first), in state order."""
    rows = read_csv("cities.csv")
    return {
        state.uf: tuple(row["city"] for row in rows if row["uf"] == state.uf)
        for state in STATES
    }


CITIES: dict[str, tuple[str, ...]] = _cities()
_GEOGRAPHY = read_toml("geography.toml")
REMOTE_REGIONS: tuple[str, ...] = tuple(_GEOGRAPHY["remote_regions"])
CAPITAL_ZIP_SHARE: float = _GEOGRAPHY["capital_zip_share"]
_GEO = _GEOGRAPHY["geolocation"]
ACCENTS: tuple[tuple[str, str], ...] = tuple(
    (plain, accented) for plain, accented in _GEO["accents"]
)
ACCENTED_GEO_SHARE: float = _GEO["accented_share"]
MIN_COMMA_CITY_ROWS: int = _GEO["min_comma_city_rows"]
COMMA_CITY_EVERY: int = _GEO["comma_city_every"]
GEO_PREFIXES_PER_ORDER: float = _GEO["prefixes_per_order"]
GEO_MIN_PREFIXES: int = _GEO["min_prefixes"]
GEO_MEAN_ROWS_PER_PREFIX: float = _GEO["mean_rows_per_prefix"]
GEO_MISSING_PREFIX_SHARE: float = _GEO["missing_prefix_share"]

# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------

TRANSLATION: tuple[tuple[str, str], ...] = tuple(
    (row["product_category_name"], row["product_category_name_english"])
    for row in read_csv("translation.csv")
)
_CATEGORIES = read_csv("categories.csv")
# Number of real products per category (the category mix of the catalogue).
CATEGORY_WEIGHTS: dict[str, int] = {
    row["category"]: int(row["products"]) for row in _CATEGORIES
}
BIG_TICKET_CATEGORIES: frozenset[str] = frozenset(
    row["category"] for row in _CATEGORIES if row["big_ticket"] == "1"
)
CATEGORY_NAMES: tuple[str, ...] = tuple(CATEGORY_WEIGHTS)


@dataclass(frozen=True)
class PriceTier:
    """A product price tier: lognormal price and weight, allowed categories."""

    name: str
    product_share: float
    median_price: float
    price_sigma: float
    price_range: tuple[float, float]
    median_weight_g: float
    big_ticket_only: bool


_CATALOGUE = read_toml("catalogue.toml")
UNTRANSLATED_CATEGORIES: tuple[str, ...] = tuple(_CATALOGUE["untranslated_categories"])
TIERS: tuple[PriceTier, ...] = tuple(
    PriceTier(
        name=tier["name"],
        product_share=tier["product_share"],
        median_price=tier["median_price"],
        price_sigma=tier["price_sigma"],
        price_range=(tier["price_range"][0], tier["price_range"][1]),
        median_weight_g=tier["median_weight_g"],
        big_ticket_only=tier["big_ticket_only"],
    )
    for tier in _CATALOGUE["tiers"]
)
TIER: dict[str, int] = {tier.name: code for code, tier in enumerate(TIERS)}
PRODUCTS_PER_ORDER: float = _CATALOGUE["products_per_order"]
SELLERS_PER_ORDER: float = _CATALOGUE["sellers_per_order"]
NULL_CATEGORY_SHARE: float = _CATALOGUE["null_category_share"]
SAME_PRODUCT_AGAIN: float = _CATALOGUE["same_product_again"]
FREE_FREIGHT_SHARE: float = _CATALOGUE["free_freight_share"]
MAX_ITEMS: int = _CATALOGUE["max_items"]
QUOTED_ID_SHARE: float = _CATALOGUE["quoted_id_share"]
# Product index -> (tier, category or None, dimensions missing).
FORCED_PRODUCTS: dict[int, tuple[str, str | None, bool]] = {
    forced["index"]: (
        forced["tier"],
        forced["category"] or None,
        forced["no_dimensions"],
    )
    for forced in _CATALOGUE["forced_products"]
}

# --------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------

_PAYMENTS = _CATALOGUE["payments"]
PAYMENT_TYPES: tuple[str, ...] = tuple(_PAYMENTS["types"])
PAY: dict[str, int] = {name: code for code, name in enumerate(PAYMENT_TYPES)}
VOUCHER_SPLIT_SHARE: float = _PAYMENTS["voucher_split_share"]
INTEREST_SHARE: float = _PAYMENTS["interest_share"]
ZERO_VOUCHER_SHARE: float = _PAYMENTS["zero_voucher_share"]
NOT_DEFINED_SHARE: float = _PAYMENTS["not_defined_share"]
MAX_VOUCHERS: int = _PAYMENTS["max_vouchers"]

# --------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------

_REVIEWS = read_toml("reviews.toml")
NO_REVIEW_SHARE: float = _REVIEWS["no_review_share"]
SECOND_REVIEW_SHARE: float = _REVIEWS["second_review_share"]
SHARED_REVIEW_SHARE: float = _REVIEWS["shared_review_share"]
TITLE_SHARE: float = _REVIEWS["title_share"]
MESSAGE_SHARE_BY_SCORE: tuple[float, ...] = _floats(_REVIEWS["message_share_by_score"])
MIN_SPECIAL_MESSAGES: int = _REVIEWS["min_special_messages"]
SPECIAL_MESSAGE_WEIGHT: float = _REVIEWS["special_message_weight"]
SCORES_LATE: tuple[float, ...] = _floats(_REVIEWS["scores"]["late"])
SCORES_ON_TIME: tuple[float, ...] = _floats(_REVIEWS["scores"]["on_time"])
SCORES_NOT_DELIVERED: tuple[float, ...] = _floats(_REVIEWS["scores"]["not_delivered"])
SCORES_IN_PROGRESS: tuple[float, ...] = _floats(_REVIEWS["scores"]["in_progress"])
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")


def _texts(section: str) -> tuple[tuple[int, str], ...]:
    """Return (sentiment code, text) pairs of a reviews.toml text section."""
    texts = _REVIEWS[section]
    return tuple(
        (code, text) for code, name in enumerate(SENTIMENTS) for text in texts[name]
    )


# (sentiment, text): 0 negative (1-2 stars), 1 neutral (3), 2 positive (4-5).
REVIEW_MESSAGES: tuple[tuple[int, str], ...] = _texts("messages")
REVIEW_TITLES: tuple[tuple[int, str], ...] = _texts("titles")

# --------------------------------------------------------------------------
# Planted customer types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerType:
    """Behaviour of one planted customer type.

    Attributes:
        name: Label written to ``planted_customer_types.csv``.
        share: Share of people (``customer_unique_id``) of this type.
        min_orders: Smallest number of orders of a person of this type.
        repeat_p: Success probability of the geometric number of extra
            orders (1.0 means always ``min_orders``).
        max_orders: Cap on the number of orders.
        home: ``"core"`` (south-east, south, centre-west), ``"national"`` or
            ``"remote"`` (north and north-east).
        tiers: Probabilities of the cheap, general, premium, big-ticket tiers.
        extra_item_p: Probability of one more item in an order (geometric).
        payment_mix: Probabilities of credit card, boleto, voucher, debit card.
        installments: Credit-card instalments -> probability.
        late_p: Probability that a delivery arrives after the estimate.
        est_factor: Multiplier of the state's estimated delivery days.
        on_time_span: On-time delivery time as a fraction of the estimate.
        freight_factor: Multiplier of the freight.
        on_time_scores: Review score probabilities (1..5) when on time.
        late_scores: Review score probabilities (1..5) when late.
    """

    name: str
    share: float
    min_orders: int
    repeat_p: float
    max_orders: int
    home: str
    tiers: tuple[float, ...]
    extra_item_p: float
    payment_mix: tuple[float, ...]
    installments: dict[int, float]
    late_p: float
    est_factor: float
    on_time_span: tuple[float, float]
    freight_factor: float
    on_time_scores: tuple[float, ...]
    late_scores: tuple[float, ...]


def _customer_type(spec: dict[str, Any]) -> CustomerType:
    """Build a customer type from one ``[[types]]`` table."""
    return CustomerType(
        name=spec["name"],
        share=spec["share"],
        min_orders=spec["min_orders"],
        repeat_p=spec["repeat_p"],
        max_orders=spec["max_orders"],
        home=spec["home"],
        tiers=_floats(spec["tiers"]),
        extra_item_p=spec["extra_item_p"],
        payment_mix=_floats(spec["payment_mix"]),
        installments={int(k): float(p) for k, p in spec["installments"].items()},
        late_p=spec["late_p"],
        est_factor=spec["est_factor"],
        on_time_span=(spec["on_time_span"][0], spec["on_time_span"][1]),
        freight_factor=spec["freight_factor"],
        on_time_scores=_floats(spec.get("on_time_scores", SCORES_ON_TIME)),
        late_scores=_floats(spec.get("late_scores", SCORES_LATE)),
    )


CUSTOMER_TYPES: tuple[CustomerType, ...] = tuple(
    _customer_type(spec) for spec in read_toml("customer_types.toml")["types"]
)
TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in CUSTOMER_TYPES)
