"""An independent computation of RFM values straight from the raw CSVs.

Written in pandas, separately from the dbt models, so that the end-to-end
tests compare the marts against a second derivation of the contract in the
README (qualifying orders, as-of date, recency, frequency, monetary).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from helpers.builds import Build

EXCLUDED_STATUSES = ("canceled", "unavailable")


def rfm_from_csv(data_dir: Path, as_of_date: str | None = None) -> pd.DataFrame:
    """Return recency_days, frequency, monetary per customer_unique_id."""
    orders = pd.read_csv(
        data_dir / "olist_orders_dataset.csv",
        usecols=["order_id", "customer_id", "order_status", "order_purchase_timestamp"],
        dtype=str,
    )
    customers = pd.read_csv(
        data_dir / "olist_customers_dataset.csv",
        usecols=["customer_id", "customer_unique_id"],
        dtype=str,
    )
    payments = pd.read_csv(
        data_dir / "olist_order_payments_dataset.csv",
        usecols=["order_id", "payment_value"],
        dtype={"order_id": str, "payment_value": float},
    )
    orders["purchase_date"] = pd.to_datetime(
        orders["order_purchase_timestamp"], format="%Y-%m-%d %H:%M:%S"
    ).dt.normalize()
    qualifying = orders[~orders["order_status"].isin(EXCLUDED_STATUSES)]
    if as_of_date is None:
        as_of = qualifying["purchase_date"].max() + pd.Timedelta(days=1)
    else:
        as_of = pd.Timestamp(as_of_date)
    qualifying = qualifying[qualifying["purchase_date"] < as_of]
    qualifying = qualifying.merge(customers, on="customer_id", how="left")
    paid = payments.groupby("order_id")["payment_value"].sum()
    qualifying["paid"] = qualifying["order_id"].map(paid).fillna(0.0)
    rfm = qualifying.groupby("customer_unique_id").agg(
        last_purchase=("purchase_date", "max"),
        frequency=("order_id", "nunique"),
        monetary=("paid", "sum"),
    )
    rfm["recency_days"] = (as_of - rfm["last_purchase"]).dt.days
    rfm["monetary"] = rfm["monetary"].round(2)
    return rfm[["recency_days", "frequency", "monetary"]].sort_index()


def latest_location_from_csv(data_dir: Path) -> pd.DataFrame:
    """Zip code prefix, city and state of each person's latest order.

    Every status counts; ties on the purchase time go to the larger
    order_id; city and state are normalised as the staging model does.
    """
    orders = pd.read_csv(
        data_dir / "olist_orders_dataset.csv",
        usecols=["order_id", "customer_id", "order_purchase_timestamp"],
        dtype=str,
    )
    raw = pd.read_csv(data_dir / "olist_customers_dataset.csv", dtype=str)
    latest = (
        orders.merge(raw, on="customer_id")
        .sort_values(
            ["customer_unique_id", "order_purchase_timestamp", "order_id"],
            ascending=[True, False, False],
        )
        .drop_duplicates("customer_unique_id")
        .set_index("customer_unique_id")
        .sort_index()
    )
    return pd.DataFrame(
        {
            "zip_code_prefix": latest["customer_zip_code_prefix"],
            "city": latest["customer_city"].str.strip().str.lower(),
            "state": latest["customer_state"].str.strip().str.upper(),
        }
    )


def moved_customers(data_dir: Path) -> set[str]:
    """The people whose orders carry more than one zip code prefix."""
    raw = pd.read_csv(data_dir / "olist_customers_dataset.csv", dtype=str)
    prefixes = raw.groupby("customer_unique_id")["customer_zip_code_prefix"].nunique()
    return set(prefixes[prefixes > 1].index)


def assert_location_is_the_latest_orders(build: Build) -> None:
    """Assert ``customers`` has every person's latest order's location."""
    expected = latest_location_from_csv(build.data_dir)
    served = build.query(
        "select customer_unique_id, zip_code_prefix, city, state "
        "from main.customers order by 1"
    ).set_index("customer_unique_id")
    assert list(served.index) == list(expected.index)
    served["zip_code_prefix"] = served["zip_code_prefix"].astype(str)
    pd.testing.assert_frame_equal(
        served, expected, check_dtype=False, check_names=False
    )
