"""Payments: each order's payment type, instalments and payment rows.

Payments add up to items + freight (a few credit-card payments include
interest); some orders split the amount between a card and vouchers.
"""

from __future__ import annotations

import numpy as np

from olist_segmentation.generator.draws import Table, pick, pick_subset, positions
from olist_segmentation.generator.parameters import (
    CUSTOMER_TYPES,
    DELIVERED,
    INTEREST_SHARE,
    MAX_VOUCHERS,
    NOT_DEFINED_SHARE,
    PAY,
    ST,
    VOUCHER_SPLIT_SHARE,
    ZERO_VOUCHER_SHARE,
)


def plan_payments(rng: np.random.Generator, kind: np.ndarray) -> Table:
    """Choose each order's main payment type and credit-card instalments."""
    n = len(kind)
    method = np.empty(n, dtype=np.int64)
    installments = np.ones(n, dtype=np.int64)
    for code, ctype in enumerate(CUSTOMER_TYPES):
        rows = np.flatnonzero(kind == code)
        method[rows] = pick(rng, len(rows), np.array(ctype.payment_mix))
        card = rows[method[rows] == PAY["credit_card"]]
        values = np.array(list(ctype.installments))
        probs = np.array(list(ctype.installments.values()))
        installments[card] = values[pick(rng, len(card), probs)]
    return {"method": method, "installments": installments}


def build_payments(
    rng: np.random.Generator, orders: Table, plan: Table, totals: np.ndarray
) -> Table:
    """Build payment rows whose sum per order is items + freight (+ interest).

    Some orders split the amount between their main payment and vouchers
    (``payment_sequential`` 1..n), voucher-only orders may use several
    vouchers, a few canceled orders have a ``not_defined`` payment of 0, a few
    vouchers are 0 and exactly one delivered order has no payment at all.
    """
    status = orders["status"]
    n = len(totals)
    method = plan["method"].copy()
    installments = plan["installments"].copy()
    no_payment = pick_subset(rng, np.flatnonzero(status == ST[DELIVERED]), 1)
    not_defined = pick_subset(
        rng,
        np.flatnonzero(status == ST["canceled"]),
        max(1, round(NOT_DEFINED_SHARE * n)),
    )
    method[not_defined] = PAY["not_defined"]
    installments[not_defined] = 1
    special = np.zeros(n, dtype=bool)
    special[no_payment] = special[not_defined] = True

    amount = totals.copy()
    interest = (
        (method == PAY["credit_card"])
        & (installments > 1)
        & (rng.random(n) < INTEREST_SHARE)
    )
    amount[interest] += np.round(
        totals[interest] * 0.01 * (installments[interest] - 1)
    ).astype(np.int64)
    amount[not_defined] = 0

    n_vouchers = np.zeros(n, dtype=np.int64)
    voucher_total = np.zeros(n, dtype=np.int64)
    voucher_only = np.flatnonzero(method == PAY["voucher"])
    n_vouchers[voucher_only] = np.minimum(
        rng.geometric(0.7, len(voucher_only)), MAX_VOUCHERS
    )
    voucher_total[voucher_only] = amount[voucher_only]
    eligible = np.flatnonzero(~special & (method != PAY["voucher"]))
    split = pick_subset(
        rng, eligible, max(3, round(VOUCHER_SPLIT_SHARE * len(eligible)))
    )
    n_vouchers[split] = np.minimum(rng.geometric(0.6, len(split)), MAX_VOUCHERS)
    voucher_total[split] = (amount[split] * rng.uniform(0.05, 0.6, len(split))).astype(
        np.int64
    )

    has_main = method != PAY["voucher"]
    n_rows = has_main.astype(np.int64) + n_vouchers
    n_rows[no_payment] = 0
    order = np.repeat(np.arange(n), n_rows)
    sequential = positions(n_rows) + 1
    first_row = np.cumsum(n_rows) - n_rows
    is_voucher = ~has_main[order] | (sequential > 1)

    weight = rng.uniform(0.2, 1.0, len(order)) * is_voucher
    weight_sum = np.bincount(order, weight, minlength=n)[order]
    share = np.where(is_voucher, weight / np.where(weight_sum > 0, weight_sum, 1), 0.0)
    value = np.floor(voucher_total[order] * share).astype(np.int64)
    remainder = voucher_total - np.bincount(order, value, minlength=n).astype(np.int64)
    last_row = first_row + n_rows - 1
    with_vouchers = np.flatnonzero((n_vouchers > 0) & (n_rows > 0))
    value[last_row[with_vouchers]] += remainder[with_vouchers]
    value[~is_voucher] = (amount - voucher_total)[order[~is_voucher]]

    split_vouchers = np.flatnonzero(is_voucher & has_main[order])
    zero = pick_subset(rng, split_vouchers, max(1, round(ZERO_VOUCHER_SHARE * n)))
    np.add.at(value, first_row[order[zero]], value[zero])
    value[zero] = 0

    kind = np.where(is_voucher, PAY["voucher"], method[order])
    shuffled = rng.permutation(len(order))
    return {
        "order": order[shuffled],
        "sequential": sequential[shuffled],
        "type": kind[shuffled],
        "installments": np.where(kind == PAY["credit_card"], installments[order], 1)[
            shuffled
        ],
        "value": value[shuffled],
    }
