"""Reviews: about one per order, scores that follow the delivery, texts.

Late deliveries mostly get 1-2 stars, on-time deliveries mostly 4-5 stars.
Some orders get two reviews and some review ids are shared by two orders;
some comments have line breaks and doubled quotes, as in the real file.
"""

from __future__ import annotations

import numpy as np

from olist_segmentation.generator.draws import (
    NULL_INT,
    SECONDS_PER_DAY,
    Table,
    floor_day,
    lognormal,
    normalise,
    pick,
    pick_subset,
)
from olist_segmentation.generator.parameters import (
    CUSTOMER_TYPES,
    DELIVERED,
    MESSAGE_SHARE_BY_SCORE,
    MIN_SPECIAL_MESSAGES,
    NO_REVIEW_SHARE,
    REVIEW_MESSAGES,
    REVIEW_TITLES,
    SCORES_IN_PROGRESS,
    SCORES_NOT_DELIVERED,
    SECOND_REVIEW_SHARE,
    SHARED_REVIEW_SHARE,
    SPECIAL_MESSAGE_WEIGHT,
    ST,
    TITLE_SHARE,
)

MESSAGE_SENTIMENT = np.array([s for s, _ in REVIEW_MESSAGES])
MESSAGE_TEXTS: tuple[str, ...] = tuple(t for _, t in REVIEW_MESSAGES)
MESSAGE_MULTILINE = np.array(["\r\n" in t for t in MESSAGE_TEXTS])
MESSAGE_QUOTED = np.array(['"' in t for t in MESSAGE_TEXTS])
TITLE_SENTIMENT = np.array([s for s, _ in REVIEW_TITLES])
TITLE_TEXTS: tuple[str, ...] = tuple(t for _, t in REVIEW_TITLES)


def _sentiment(score: np.ndarray) -> np.ndarray:
    """Map review scores to 0 (1-2 stars), 1 (3 stars) or 2 (4-5 stars)."""
    return np.where(score <= 2, 0, np.where(score == 3, 1, 2))


def _pick_texts(
    rng: np.random.Generator,
    sentiment: np.ndarray,
    text_sentiment: np.ndarray,
    text_weight: np.ndarray,
) -> np.ndarray:
    """Pick a text code per row among the texts of the row's sentiment."""
    out = np.empty(len(sentiment), dtype=np.int64)
    for value in range(3):
        rows = np.flatnonzero(sentiment == value)
        pool = np.flatnonzero(text_sentiment == value)
        out[rows] = rng.choice(pool, size=len(rows), p=normalise(text_weight[pool]))
    return out


def _review_scores(
    rng: np.random.Generator, orders: Table, order: np.ndarray
) -> np.ndarray:
    """Draw review scores: late deliveries mostly 1-2, on time mostly 4-5."""
    n_types = len(CUSTOMER_TYPES)
    profiles = [SCORES_NOT_DELIVERED, SCORES_IN_PROGRESS]
    profiles += [t.on_time_scores for t in CUSTOMER_TYPES]
    profiles += [t.late_scores for t in CUSTOMER_TYPES]
    status = orders["status"][order]
    kind = orders["type"][order]
    profile = np.where(orders["late"][order], 2 + n_types + kind, 2 + kind)
    in_progress = (status != ST[DELIVERED]) & ~np.isin(
        status, [ST["canceled"], ST["unavailable"]]
    )
    profile[in_progress] = 1
    profile[np.isin(status, [ST["canceled"], ST["unavailable"]])] = 0
    score = np.empty(len(order), dtype=np.int64)
    for code, probs in enumerate(profiles):
        rows = np.flatnonzero(profile == code)
        score[rows] = 1 + pick(rng, len(rows), np.array(probs))
    return score


def _force_special_messages(
    rng: np.random.Generator, reviews: Table, candidates: np.ndarray
) -> None:
    """Make sure some comments have line breaks and some have quotes."""
    message = reviews["message"]
    used = np.zeros(len(message), dtype=bool)
    for flags in (MESSAGE_MULTILINE, MESSAGE_QUOTED):
        present = int(np.sum((message >= 0) & flags[np.maximum(message, 0)]))
        free = candidates[~used[candidates]]
        rows = pick_subset(rng, free, max(0, MIN_SPECIAL_MESSAGES - present))
        used[rows] = True
        sentiment = _sentiment(reviews["score"][rows])
        message[rows] = _pick_texts(
            rng, sentiment, np.where(flags, MESSAGE_SENTIMENT, -1), flags.astype(float)
        )


def build_reviews(rng: np.random.Generator, orders: Table) -> Table:
    """Build reviews: about one per order, with the real data's oddities.

    Some orders get two reviews and some review ids are shared by two orders
    (the review is copied onto a different order).
    """
    day = SECONDS_PER_DAY
    n_orders = len(orders["status"])
    reviewed = np.flatnonzero(rng.random(n_orders) >= NO_REVIEW_SHARE)
    second = pick_subset(rng, reviewed, max(2, round(SECOND_REVIEW_SHARE * n_orders)))
    order = np.concatenate([reviewed, second])
    is_second = np.arange(len(order)) >= len(reviewed)
    n = len(order)

    score = _review_scores(rng, orders, order)
    delivered = orders["delivered"][order]
    estimated = orders["estimated"][order]
    after = np.minimum(rng.geometric(0.8, n) - 1, 10)
    created = (
        np.where(
            delivered >= 0,
            floor_day(delivered) + day,
            estimated + rng.integers(-5, 3, n) * day,
        )
        + after * day
    )
    created[is_second] += rng.integers(1, 30, int(is_second.sum())) * day
    answered = created + np.maximum(lognormal(rng, 40 * 3600, 0.9, n), 600).astype(
        np.int64
    )

    sentiment = _sentiment(score)
    message_weight = np.where(
        MESSAGE_MULTILINE | MESSAGE_QUOTED, SPECIAL_MESSAGE_WEIGHT, 1.0
    )
    message = _pick_texts(rng, sentiment, MESSAGE_SENTIMENT, message_weight)
    message_share = np.array(MESSAGE_SHARE_BY_SCORE)
    message[rng.random(n) >= message_share[score - 1]] = NULL_INT
    title = _pick_texts(rng, sentiment, TITLE_SENTIMENT, np.ones(len(TITLE_TEXTS)))
    title[rng.random(n) >= TITLE_SHARE] = NULL_INT
    reviews = {
        "key": np.arange(n),
        "order": order,
        "score": score,
        "title": title,
        "message": message,
        "created": created,
        "answered": answered,
    }

    single = np.flatnonzero(~is_second & ~np.isin(order, second))
    k = max(2, round(SHARED_REVIEW_SHARE * n_orders))
    chosen = pick_subset(rng, single, 2 * k)
    donors, takers = chosen[: len(chosen) // 2], chosen[len(chosen) // 2 :]
    for column in ("key", "score", "title", "message", "created", "answered"):
        reviews[column][takers[: len(donors)]] = reviews[column][donors]
    untouched = np.setdiff1d(np.arange(n), chosen)
    _force_special_messages(rng, reviews, untouched)

    shuffled = rng.permutation(n)
    return {column: values[shuffled] for column, values in reviews.items()}
