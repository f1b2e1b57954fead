"""People and their orders: planted type, purchase calendar, status, timeline.

A population of people (``customer_unique_id``) is drawn; each person belongs
to one planted customer type, which fixes how many orders they place.
Purchase days follow the real monthly volumes, a weekday and an hourly profile
and a Black-Friday spike; after ``end - 44 days`` only a handful of canceled
orders remain. Each order gets approval, carrier, delivery and estimated
dates that depend on the customer's state and type.
"""

from __future__ import annotations

import numpy as np

from olist_segmentation.generator.draws import (
    NULL_TS,
    SECONDS_PER_DAY,
    Table,
    epoch,
    floor_day,
    lognormal,
    normalise,
    pick,
    pick_subset,
)
from olist_segmentation.generator.geography import (
    STATE_EST_DAYS,
    home_weights,
    pick_zips,
)
from olist_segmentation.generator.parameters import (
    BLACK_FRIDAY_BOOST,
    CANCELED_WITHOUT_APPROVAL,
    CUSTOMER_TYPES,
    DELIVERED,
    DELIVERED_WITHOUT_APPROVAL,
    DELIVERED_WITHOUT_CUSTOMER_DATE,
    HOUR_WEIGHTS,
    MAIN_GAP_DAYS,
    MONTHLY_ORDERS,
    PAY,
    ST,
    STATUS_SHARES,
    TAIL_DAYS,
    TAIL_ORDER_SHARE,
    TYPE_NAMES,
    WEEKDAY_WEIGHTS,
)


def type_array(attribute: str) -> np.ndarray:
    """Return one attribute of every customer type as an array."""
    return np.array([getattr(t, attribute) for t in CUSTOMER_TYPES])


# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------


def _day_weights(
    first: np.datetime64, last: np.datetime64
) -> tuple[np.ndarray, np.ndarray]:
    """Return the days ``first..last`` and their relative order volume."""
    days = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    default = float(np.median(list(MONTHLY_ORDERS.values())))
    weights = np.zeros(len(days))
    for month in np.unique(months):
        in_month = months == month
        n_days = ((month + 1).astype("datetime64[D]") - month).astype(np.int64)
        total = MONTHLY_ORDERS.get(str(month), default)
        weights[in_month] = total / n_days
    weekday = (days.astype(np.int64) + 3) % 7  # Monday = 0
    weights *= normalise(WEEKDAY_WEIGHTS)[weekday] * 7
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    in_november = months.astype(np.int64) % 12 == 10
    fourth_friday = (
        in_november & (weekday == 4) & (day_of_month >= 22) & (day_of_month <= 28)
    )
    for offset, boost in BLACK_FRIDAY_BOOST.items():
        weights[np.isin(days, days[fourth_friday] + offset)] *= boost
    if weights.sum() <= 0:
        weights[:] = 1.0
    return days, weights


def _sample_times(
    rng: np.random.Generator, n: int, days: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Draw ``n`` purchase timestamps (epoch seconds) from a day profile."""
    day = days[pick(rng, n, weights)].astype("datetime64[s]").astype(np.int64)
    hour = pick(rng, n, np.array(HOUR_WEIGHTS))
    return day + hour * 3600 + rng.integers(0, 3600, n)


# --------------------------------------------------------------------------
# People and orders
# --------------------------------------------------------------------------


def build_people(rng: np.random.Generator, n_orders: int, prefixes: Table) -> Table:
    """Draw people (customer_unique_id): planted type, orders, state, zip.

    People are drawn until their orders add up to exactly ``n_orders``.
    """
    kind = pick(rng, n_orders, np.array([t.share for t in CUSTOMER_TYPES]))
    counts = np.ones(n_orders, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        if ctype.max_orders > 1:
            extra = rng.geometric(ctype.repeat_p, len(rows)) - 1
            counts[rows] = np.minimum(ctype.min_orders + extra, ctype.max_orders)
    cumulative = np.cumsum(counts)
    n_people = int(np.searchsorted(cumulative, n_orders)) + 1
    kind, counts = kind[:n_people], counts[:n_people]
    counts[-1] -= cumulative[n_people - 1] - n_orders
    state = np.empty(n_people, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        state[rows] = pick(rng, len(rows), home_weights(ctype.home))
    return {
        "type": kind,
        "orders": counts,
        "state": state,
        "zip": pick_zips(rng, state, prefixes),
    }


def _assign_statuses(rng: np.random.Generator, n: int) -> np.ndarray:
    """Give every order a status with the real shares, each at least once."""
    status = np.full(n, ST[DELIVERED], dtype=np.int64)
    shuffled = rng.permutation(n)
    start = 0
    for name, share in STATUS_SHARES.items():
        k = max(1, round(share * n))
        status[shuffled[start : start + k]] = ST[name]
        start += k
    return status


def build_orders(
    rng: np.random.Generator, people: Table, start: str, end: str
) -> Table:
    """Place each person's orders in time and give them a status.

    A few one-time buyers' orders are moved after ``end - 44 days`` and
    canceled, so that only canceled orders exist at the end of the period.
    """
    person = np.repeat(np.arange(len(people["orders"])), people["orders"])
    n = len(person)
    end_day = np.datetime64(end, "D")
    days, weights = _day_weights(
        np.datetime64(start, "D"), end_day - np.timedelta64(MAIN_GAP_DAYS, "D")
    )
    purchase = _sample_times(rng, n, days, weights)
    status = _assign_statuses(rng, n)
    one_timers = np.flatnonzero(
        (people["orders"][person] == 1) & (status == ST[DELIVERED])
    )
    tail = pick_subset(rng, one_timers, max(1, round(TAIL_ORDER_SHARE * n)))
    tail_start = epoch(str(end_day - np.timedelta64(TAIL_DAYS, "D")))
    tail_span = (TAIL_DAYS + 1) * SECONDS_PER_DAY
    purchase[tail] = tail_start + rng.integers(0, tail_span, len(tail))
    status[tail] = ST["canceled"]
    return {
        "person": person,
        "type": people["type"][person],
        "state": people["state"][person],
        "purchase": purchase,
        "status": status,
    }


# --------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------


def add_timeline(
    rng: np.random.Generator, orders: Table, method: np.ndarray, end: str
) -> None:
    """Add approval, carrier, delivery and estimated dates to ``orders``.

    Delivered orders whose delivery would fall after the snapshot (``end``)
    become ``shipped``; dates are removed where the status implies it.
    """
    day = SECONDS_PER_DAY
    purchase, status, kind = orders["purchase"], orders["status"], orders["type"]
    n = len(purchase)
    delay = np.where(
        rng.random(n) < 0.75, lognormal(rng, 900, 1.0, n), rng.uniform(3600, day, n)
    )
    boleto = method == PAY["boleto"]
    delay[boleto] = lognormal(rng, 30 * 3600, 0.5, int(boleto.sum()))
    approved = purchase + delay.astype(np.int64)

    est_days = STATE_EST_DAYS[orders["state"]] * type_array("est_factor")[kind]
    est_days = np.maximum(4, np.round(est_days + rng.normal(0, 3, n))).astype(np.int64)
    estimated = floor_day(purchase) + est_days * day

    span = type_array("on_time_span")[kind]
    on_time = purchase + (rng.uniform(span[:, 0], span[:, 1]) * est_days * day)
    disappointed = kind == TYPE_NAMES.index("disappointed")
    late_days = np.where(disappointed, rng.integers(3, 31, n), rng.integers(1, 21, n))
    late = estimated + late_days * day + rng.integers(0, day, n)
    is_late = rng.random(n) < type_array("late_p")[kind]
    delivered = np.where(is_late, late, on_time.astype(np.int64))
    delivered = np.maximum(delivered, approved + day + rng.integers(0, day, n))
    carrier_delay = lognormal(rng, 1.8 * day, 0.7, n)
    carrier = approved + np.minimum(carrier_delay, 0.6 * (delivered - approved)).astype(
        np.int64
    )

    snapshot = epoch(end) + day - 1
    status[(status == ST[DELIVERED]) & (delivered > snapshot)] = ST["shipped"]
    is_delivered = status == ST[DELIVERED]
    delivered_rows = np.flatnonzero(is_delivered)
    no_approval = (status == ST["created"]) | (
        (status == ST["canceled"]) & (rng.random(n) < CANCELED_WITHOUT_APPROVAL)
    )
    no_approval[
        pick_subset(rng, delivered_rows, round(DELIVERED_WITHOUT_APPROVAL * n))
    ] = True
    no_delivery = ~is_delivered
    no_delivery[
        pick_subset(
            rng, delivered_rows, max(2, round(DELIVERED_WITHOUT_CUSTOMER_DATE * n))
        )
    ] = True
    orders["approved"] = np.where(no_approval, NULL_TS, approved)
    orders["carrier"] = np.where(
        is_delivered | (status == ST["shipped"]), carrier, NULL_TS
    )
    orders["delivered"] = np.where(no_delivery, NULL_TS, delivered)
    orders["estimated"] = estimated
    orders["late"] = (orders["delivered"] >= 0) & (orders["delivered"] > estimated)
