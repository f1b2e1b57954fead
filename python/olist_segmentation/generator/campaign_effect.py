"""Plant a known campaign effect in a copy of a data folder (for testing results).

:func:`plant_campaign_effect` takes an exported list with a control group
and an uplift (e.g. 0.10: ten percentage points of conversion) and writes a
copy of a data folder in which each *contacted* customer, with probability
``uplift``, places one extra qualifying order within the horizon after the
list's as-of date. The control group is never touched, so ``olist-seg
results`` on the copy should find a conversion difference near the uplift
(a little less: a contacted customer who would have bought anyway adds no
conversion). The extra order is a copy of the customer's latest qualifying
order before the as-of date (same items, sellers, payments; every date
moved by the same number of days), with new ``order_id`` and
``customer_id`` (a new customers row for the same ``customer_unique_id``,
as Olist writes one per order). Who is chosen and the day are md5 draws of
the customer id and the seed: the same list, uplift and seed give the same
files. What was planted is written to ``planted_campaign_effect.json``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from olist_segmentation.campaign import CampaignError, read_list
from olist_segmentation.generator.csv_files import (
    CUSTOMERS_FILE,
    ITEMS_FILE,
    ORDERS_FILE,
    PAYMENTS_FILE,
)

#: What was planted, written beside the CSVs of the copy.
PLANTED_EFFECT_FILE = "planted_campaign_effect.json"
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
ORDER_TIMES = (
    "order_purchase_timestamp",
    "order_approved_at",
    "order_delivered_carrier_date",
    "order_delivered_customer_date",
    "order_estimated_delivery_date",
)


@dataclass
class PlantedEffect:
    """What :func:`plant_campaign_effect` wrote."""

    out: str
    export_folder: str
    as_of_date: str
    horizon_days: int
    uplift: float
    seed: int
    contacted: int
    planted_orders: int
    #: Planted customers with no other qualifying order in the window: the
    #: conversion the plant adds is new_buyers / contacted.
    new_buyers: int
    planted_revenue: float
    #: Chosen customers without a qualifying order (with items and
    #: payments) before the as-of date to copy: no order planted.
    skipped: int

    @property
    def conversion_points(self) -> float:
        """The conversion the plant added among the contacted customers."""
        return self.new_buyers / self.contacted if self.contacted else 0.0

    @property
    def revenue_per_contacted(self) -> float:
        """The revenue the plant added per contacted customer."""
        return self.planted_revenue / self.contacted if self.contacted else 0.0


def _draw(*parts: object) -> float:
    digest = hashlib.md5(
        "/".join(str(p) for p in parts).encode(), usedforsecurity=False
    ).hexdigest()
    return int(digest[:13], 16) / 16**13


def _new_id(*parts: object) -> str:
    return hashlib.md5(
        "/".join(str(p) for p in parts).encode(), usedforsecurity=False
    ).hexdigest()


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def _row(frame: pd.DataFrame, key: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in frame.loc[key].to_dict().items()}


def _shift(value: str, days: int) -> str:
    if not value:
        return value
    moved = dt.datetime.strptime(value, TIMESTAMP) + dt.timedelta(days=days)
    return moved.strftime(TIMESTAMP)


def _append(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    """Append rows to a CSV file, in its column order and quoting."""
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writerows(rows)


def _check_arguments(data_dir: Path, out: Path, uplift: float, horizon: int) -> None:
    if not 0 < uplift <= 1:
        raise CampaignError(
            f"--uplift {uplift}: must be above 0 and at most 1 (0.05 = five "
            "percentage points of conversion)."
        )
    if horizon < 1:
        raise CampaignError(f"--horizon-days {horizon}: must be at least 1.")
    if not (data_dir / ORDERS_FILE).is_file():
        raise CampaignError(
            f"{data_dir}: no {ORDERS_FILE}. Fix: pass --from the data folder the "
            "list's warehouse was built from."
        )
    if out.resolve() == data_dir.resolve() or (out.exists() and any(out.iterdir())):
        raise CampaignError(
            f"{out}: exists and is not empty (or is the source folder). Fix: "
            "write the planted copy to a new folder."
        )


def plant_campaign_effect(
    data_dir: Path,
    export_folder: Path,
    out: Path,
    uplift: float,
    seed: int = 0,
    horizon_days: int = 90,
) -> PlantedEffect:
    """Copy ``data_dir`` to ``out`` with extra orders for contacted customers.

    Args:
        data_dir: The folder of the nine CSVs (a continuation of the list's
            data, covering the horizon).
        export_folder: A list exported with a control group.
        out: The new folder (must not exist or be empty).
        uplift: Probability that a contacted customer gets an extra order.
        seed: Seed of the draws (who, which day).
        horizon_days: The extra orders fall in ``[as_of, as_of + horizon)``.

    Raises:
        CampaignError: A bad uplift, folder or list (the message says which).
    """
    _check_arguments(data_dir, out, uplift, horizon_days)
    listed = read_list(export_folder)
    as_of = dt.date.fromisoformat(listed.as_of_date)
    excluded = set(listed.manifest["source"]["excluded_order_statuses"])
    orders, customers = _read(data_dir, ORDERS_FILE), _read(data_dir, CUSTOMERS_FILE)
    items, payments = _read(data_dir, ITEMS_FILE), _read(data_dir, PAYMENTS_FILE)
    history = orders.merge(
        customers[["customer_id", "customer_unique_id"]], on="customer_id"
    )
    history["day"] = history["order_purchase_timestamp"].str[:10]
    history = history[~history["order_status"].str.strip().str.lower().isin(excluded)]
    end = str(as_of + dt.timedelta(days=horizon_days))
    natural = set(
        history.loc[
            (history["day"] >= str(as_of)) & (history["day"] < end),
            "customer_unique_id",
        ]
    )
    usable = history[
        (history["day"] < str(as_of))
        & history["order_id"].isin(items["order_id"])
        & history["order_id"].isin(payments["order_id"])
    ].sort_values(["customer_unique_id", "order_purchase_timestamp", "order_id"])
    templates = usable.groupby("customer_unique_id").tail(1)
    template_of = dict(
        zip(templates["customer_unique_id"], templates["order_id"], strict=True)
    )
    by_order = {
        "orders": orders.set_index("order_id", drop=False),
        "customers": customers.set_index("customer_id", drop=False),
    }
    new: dict[str, list[dict[str, str]]] = {"o": [], "c": [], "i": [], "p": []}
    planted_revenue, new_buyers, skipped = 0.0, 0, 0
    salt = f"campaign-effect/{seed}"
    for person in sorted(listed.contacted):
        if _draw(person, "plant", seed) >= uplift:
            continue
        template_id = template_of.get(person)
        if template_id is None:
            skipped += 1
            continue
        order = _row(by_order["orders"], template_id)
        purchased = dt.datetime.strptime(order["order_purchase_timestamp"], TIMESTAMP)
        day = as_of + dt.timedelta(days=int(_draw(person, "day", seed) * horizon_days))
        days = (day - purchased.date()).days
        order_id, customer_id = _new_id(salt, person, "order"), _new_id(salt, person)
        customer = _row(by_order["customers"], order["customer_id"])
        new["c"].append({**customer, "customer_id": customer_id})
        new["o"].append(
            {
                **order,
                **{k: _shift(order[k], days) for k in ORDER_TIMES},
                "order_id": order_id,
                "customer_id": customer_id,
            }
        )
        for item in items[items["order_id"] == template_id].to_dict("records"):
            new["i"].append(
                {
                    **item,
                    "order_id": order_id,
                    "shipping_limit_date": _shift(item["shipping_limit_date"], days),
                }
            )
        for payment in payments[payments["order_id"] == template_id].to_dict("records"):
            new["p"].append({**payment, "order_id": order_id})
            planted_revenue += float(payment["payment_value"])
        new_buyers += person not in natural
    shutil.copytree(data_dir, out, dirs_exist_ok=True)
    for name, frame, rows in (
        (ORDERS_FILE, orders, new["o"]),
        (CUSTOMERS_FILE, customers, new["c"]),
        (ITEMS_FILE, items, new["i"]),
        (PAYMENTS_FILE, payments, new["p"]),
    ):
        _append(out / name, list(frame.columns), rows)
    effect = PlantedEffect(
        str(out),
        str(export_folder),
        str(as_of),
        horizon_days,
        uplift,
        seed,
        len(listed.contacted),
        len(new["o"]),
        new_buyers,
        round(planted_revenue, 2),
        skipped,
    )
    (out / PLANTED_EFFECT_FILE).write_text(
        json.dumps(
            {
                **asdict(effect),
                "conversion_points": effect.conversion_points,
                "revenue_per_contacted": effect.revenue_per_contacted,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return effect
