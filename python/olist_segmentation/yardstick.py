"""The yardstick: what a plain pandas notebook does, for the benchmark.

The same job as ``dbt build`` in its simplest honest form: read the CSVs
with pandas, compute the eight model features of every customer (the
definitions of ``macros/customer_features.sql``), prepare them as the
project's pipeline does (median fill, 0.5/99.5% clip, log of skewed
features, standard scaling) and fit one k-means on every customer. No
tests, no input checks, no frozen model, no warehouse. ``make benchmark``
runs it in its own process beside the project's builds and reports the
project's wall time and peak memory as ratios of this one's.

Run alone: ``python -m olist_segmentation.yardstick DATA_DIR [--k 5]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import skew
from sklearn.cluster import KMeans

#: Statuses that do not count as a purchase (the project's default).
EXCLUDED_STATUSES = ("canceled", "unavailable")
#: Sao Paulo, the distance reference (var geography_reference_point).
REFERENCE_POINT = (-23.5505, -46.6333)
FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_installments",
    "credit_card_share",
    "avg_review_score",
    "avg_delivery_days",
    "distance_to_sao_paulo_km",
)


def _read(data_dir: Path, name: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_csv(
        data_dir / f"olist_{name}_dataset.csv",
        usecols=columns,
        dtype={c: "string" for c in columns if c.endswith(("_id", "_prefix"))},
    )


def customer_features(data_dir: Path) -> pd.DataFrame:
    """Return the eight model features per customer_unique_id, pandas only."""
    orders = _read(
        data_dir,
        "orders",
        [
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_delivered_customer_date",
        ],
    )
    for column in ("order_purchase_timestamp", "order_delivered_customer_date"):
        orders[column] = pd.to_datetime(orders[column])
    customers = _read(
        data_dir,
        "customers",
        ["customer_id", "customer_unique_id", "customer_zip_code_prefix"],
    )
    payments = _read(
        data_dir,
        "order_payments",
        ["order_id", "payment_type", "payment_installments", "payment_value"],
    )
    reviews = _read(
        data_dir, "order_reviews", ["order_id", "review_score", "review_creation_date"]
    )
    reviews["review_creation_date"] = pd.to_datetime(reviews["review_creation_date"])
    geo = _read(
        data_dir,
        "geolocation",
        ["geolocation_zip_code_prefix", "geolocation_lat", "geolocation_lng"],
    )

    status = orders["order_status"].str.strip().str.lower()
    orders = orders[~status.isin(EXCLUDED_STATUSES)].copy()
    orders["purchase_date"] = orders["order_purchase_timestamp"].dt.normalize()
    as_of = orders["purchase_date"].max() + pd.Timedelta(days=1)

    payments["card_value"] = payments["payment_value"].where(
        payments["payment_type"] == "credit_card", 0.0
    )
    paid = payments.groupby("order_id").agg(
        payment_total=("payment_value", "sum"),
        installments=("payment_installments", "max"),
        card_value=("card_value", "sum"),
    )
    reviewed = reviews.groupby("order_id").agg(
        review_score=("review_score", "mean"),
        reviewed_at=("review_creation_date", "min"),
    )
    o = (
        orders.merge(customers, on="customer_id", how="left")
        .merge(paid, on="order_id", how="left")
        .merge(reviewed, on="order_id", how="left")
    )
    delivered = o["order_delivered_customer_date"]
    o["delivery_days"] = (delivered.dt.normalize() - o["purchase_date"]).dt.days.where(
        delivered < as_of
    )
    o["review_score"] = o["review_score"].where(o["reviewed_at"] < as_of)
    o["payment_total"] = o["payment_total"].fillna(0.0)
    o["card_value"] = o["card_value"].fillna(0.0)

    features = o.groupby("customer_unique_id").agg(
        last_purchase_date=("purchase_date", "max"),
        frequency=("order_id", "nunique"),
        monetary=("payment_total", "sum"),
        avg_installments=("installments", "mean"),
        card_value=("card_value", "sum"),
        avg_review_score=("review_score", "mean"),
        avg_delivery_days=("delivery_days", "mean"),
    )
    features["recency_days"] = (as_of - features["last_purchase_date"]).dt.days
    features["credit_card_share"] = features["card_value"] / features[
        "monetary"
    ].replace(0.0, np.nan)

    latest = o.sort_values(
        ["order_purchase_timestamp", "order_id"], ascending=False
    ).drop_duplicates("customer_unique_id")
    lat_ok = geo["geolocation_lat"].between(-34.0, 5.5)
    inside = lat_ok & geo["geolocation_lng"].between(-74.0, -34.5)
    places = (
        geo[inside]
        .groupby("geolocation_zip_code_prefix")[["geolocation_lat", "geolocation_lng"]]
        .mean()
    )
    located = latest.set_index("customer_unique_id")[["customer_zip_code_prefix"]].join(
        places, on="customer_zip_code_prefix"
    )
    lat, lon = (
        np.radians(located["geolocation_lat"]),
        np.radians(located["geolocation_lng"]),
    )
    lat0, lon0 = np.radians(REFERENCE_POINT[0]), np.radians(REFERENCE_POINT[1])
    features["distance_to_sao_paulo_km"] = (
        2
        * 6371.0088
        * np.arcsin(
            np.sqrt(
                np.sin((lat0 - lat) / 2) ** 2
                + np.cos(lat) * np.cos(lat0) * np.sin((lon0 - lon) / 2) ** 2
            )
        )
    )
    return features[list(FEATURES)].sort_index()


def segments(features: pd.DataFrame, k: int = 5, seed: int = 0) -> np.ndarray:
    """Prepare the features as the project does and fit one k-means."""
    x = features.to_numpy(dtype=float)
    fill = np.nan_to_num(np.nanmedian(x, axis=0))
    x = np.where(np.isnan(x), fill, x)
    low, high = np.quantile(x, 0.005, axis=0), np.quantile(x, 0.995, axis=0)
    x = np.clip(x, low, high)
    logged = (low >= 0) & (np.nan_to_num(skew(x, axis=0)) > 1.0)
    x = np.where(logged, np.log1p(np.where(logged, x, 0.0)), x)
    scale = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(scale > 0, scale, 1.0)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)


def main(argv: list[str] | None = None) -> int:
    """Run the yardstick on a folder of the nine CSVs; print its timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path, help="CSV of customer_unique_id,segment")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    features = customer_features(args.data_dir)
    labels = segments(features, args.k)
    print(
        f"yardstick: {len(features):,} customers, k-means k={args.k} in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    if args.out:
        pd.DataFrame({"customer_unique_id": features.index, "segment": labels}).to_csv(
            args.out, index=False
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
