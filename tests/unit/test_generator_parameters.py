"""The generator's parameter files load and describe a sane synthetic world.

Fast: nothing is generated. The byte-level behaviour of the generator is
tested in test_generate.py.
"""

from __future__ import annotations

import fnmatch
import math
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from olist_segmentation.generator import parameters as p

ROOT = Path(__file__).resolve().parents[2]
RESOURCE_FILES = (
    "calendar.toml",
    "catalogue.toml",
    "categories.csv",
    "cities.csv",
    "customer_types.toml",
    "geography.toml",
    "orders.toml",
    "reviews.toml",
    "states.csv",
    "translation.csv",
)


def _resource_folder() -> list[str]:
    folder = resources.files(p.RESOURCE_PACKAGE).joinpath(p.RESOURCE_FOLDER)
    return sorted(entry.name for entry in folder.iterdir() if entry.is_file())


def test_every_data_file_is_read_and_shipped_with_the_package():
    assert _resource_folder() == sorted(RESOURCE_FILES)
    for name in RESOURCE_FILES:
        assert p.read_text(name).strip(), name
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["olist_segmentation"]
    for name in RESOURCE_FILES:
        path = f"generator/resources/{name}"
        assert any(fnmatch.fnmatch(path, glob) for glob in globs), path


def test_shares_sum_to_one():
    assert math.isclose(sum(t.share for t in p.CUSTOMER_TYPES), 1.0)
    assert math.isclose(sum(t.product_share for t in p.TIERS), 1.0)
    assert sum(s.customer_pct for s in p.STATES) == pytest.approx(100, abs=0.05)
    for profile in (
        p.SCORES_LATE,
        p.SCORES_ON_TIME,
        p.SCORES_NOT_DELIVERED,
        p.SCORES_IN_PROGRESS,
    ):
        assert len(profile) == 5
        assert math.isclose(sum(profile), 1.0)
    assert 0 < sum(p.STATUS_SHARES.values()) < 0.05  # the rest is delivered


@pytest.mark.parametrize("ctype", p.CUSTOMER_TYPES, ids=lambda t: t.name)
def test_customer_type_probabilities(ctype: p.CustomerType):
    assert len(ctype.tiers) == len(p.TIERS)
    assert len(ctype.payment_mix) == 4  # card, boleto, voucher, debit card
    for probs in (
        ctype.tiers,
        ctype.payment_mix,
        tuple(ctype.installments.values()),
        ctype.on_time_scores,
        ctype.late_scores,
    ):
        assert all(0 <= x <= 1 for x in probs)
        assert math.isclose(sum(probs), 1.0)
    assert all(1 <= k <= 24 for k in ctype.installments)
    assert 1 <= ctype.min_orders <= ctype.max_orders
    assert 0 < ctype.repeat_p <= 1
    assert ctype.home in {"core", "national", "remote"}
    low, high = ctype.on_time_span
    assert 0 < low < high < 1


def test_customer_types_match_the_documented_table():
    assert p.TYPE_NAMES == (
        "loyal_high_value",
        "frequent_small_basket",
        "bargain_one_timer",
        "big_ticket_installment",
        "disappointed",
        "remote_long_delivery",
    )


def test_states_and_cities():
    assert len(p.STATES) == 27
    assert len({s.uf for s in p.STATES}) == 27
    ranges = sorted((s.zip_lo, s.zip_hi) for s in p.STATES)
    for (_, hi), (lo, _) in zip(ranges, ranges[1:], strict=False):
        assert hi < lo  # CEP ranges do not overlap
    for state in p.STATES:
        assert 1000 <= state.zip_lo < state.zip_hi <= 99_999, state.uf
        assert state.region in {"N", "NE", "CO", "SE", "S"}, state.uf
        assert -34 < state.lat < 6 and -74 < state.lng < -34, state.uf
        assert state.est_days > 0 and state.sellers >= 0, state.uf
        assert len(p.CITIES[state.uf]) >= 2, state.uf
    assert sum(len(cities) for cities in p.CITIES.values()) == len(
        p.read_csv("cities.csv")
    )


def test_categories_translation_and_forced_products():
    categories = set(p.CATEGORY_NAMES)
    translated = [pt for pt, _ in p.TRANSLATION]
    assert len(translated) == len(set(translated))
    assert set(translated) | set(p.UNTRANSLATED_CATEGORIES) == categories
    assert not set(translated) & set(p.UNTRANSLATED_CATEGORIES)
    assert p.BIG_TICKET_CATEGORIES.issubset(categories)
    assert categories != p.BIG_TICKET_CATEGORIES
    assert all(weight > 0 for weight in p.CATEGORY_WEIGHTS.values())
    for tier, category, _ in p.FORCED_PRODUCTS.values():
        assert tier in p.TIER
        assert category is None or category in categories
    for tier in p.TIERS:
        low, high = tier.price_range
        assert low < tier.median_price < high, tier.name


def test_calendar_and_review_texts():
    assert len(p.WEEKDAY_WEIGHTS) == 7
    assert len(p.HOUR_WEIGHTS) == 24
    assert p.TAIL_DAYS < p.MAIN_GAP_DAYS
    assert all(orders >= 0 for orders in p.MONTHLY_ORDERS.values())
    assert len(p.MESSAGE_SHARE_BY_SCORE) == 5
    for texts in (p.REVIEW_MESSAGES, p.REVIEW_TITLES):
        assert {sentiment for sentiment, _ in texts} == {0, 1, 2}
    messages = [text for _, text in p.REVIEW_MESSAGES]
    assert sum("\r\n" in text for text in messages) >= 2
    assert sum('"' in text for text in messages) >= 2
    assert p.PAYMENT_TYPES[:4] == ("credit_card", "boleto", "voucher", "debit_card")
