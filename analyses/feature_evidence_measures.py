"""What ``feature_evidence`` measures: features, correlations, feature sets.

Reads ``intermediate.int_customer_features`` of a built warehouse
(read-only), describes each candidate feature as the pipeline's
``FeaturePreparer`` sees it, flags near-constant features and redundant
pairs, and runs the project's model selection on candidate feature sets.
Used by ``analyses/feature_evidence.py``; everything is seeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import skew
from sklearn.metrics import adjusted_rand_score

from olist_segmentation.segmentation import (
    Candidate,
    FeaturePreparer,
    SegmentConfig,
    choose,
    select_model,
)

#: Every numeric column of ``int_customer_features`` that could be a feature.
CANDIDATE_FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "avg_items_per_order",
    "distinct_category_count",
    "freight_share",
    "avg_installments",
    "credit_card_share",
    "boleto_share",
    "voucher_share",
    "delivered_order_count",
    "avg_delivery_days",
    "late_delivery_share",
    "reviewed_order_count",
    "avg_review_score",
    "latitude",
    "longitude",
    "distance_to_sao_paulo_km",
)

#: The default ``segment_features`` of ``dbt_project.yml`` when this was written.
CURRENT_FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_installments",
    "credit_card_share",
    "avg_review_score",
    "late_delivery_share",
    "avg_delivery_days",
    "freight_share",
    "distinct_category_count",
    "distance_to_sao_paulo_km",
)

#: Candidate numbers of segments (the dbt default).
K_VALUES = (4, 5, 6, 7, 8)

RFM = ("recency_days", "frequency", "monetary")

#: Pairs of features whose |correlation| after the transform exceeds this
#: carry the same information twice: keep one.
REDUNDANT_ABS_R = 0.7
#: A feature whose most common value covers more than this share of customers
#: is near-constant: the few others sit many standard deviations away.
NEAR_CONSTANT_SHARE = 0.95

TABLE = "intermediate.int_customer_features"


@dataclass(frozen=True)
class Warehouse:
    """A built warehouse and its customer features."""

    label: str
    path: Path
    features: pd.DataFrame
    planted: pd.Series | None


@dataclass
class SetResult:
    """Model selection of one feature set on one warehouse."""

    name: str
    features: tuple[str, ...]
    warehouse: str
    customers: int
    candidates: list[Candidate]
    chosen: int
    planted_ari: list[float | None]
    kmeans_n_init10: list[Candidate]
    with_n_init10: list[Candidate]
    chosen_n_init10: int
    planted_ari_n_init10: list[float | None]
    seconds: float

    def shares(self, index: int, n_init10: bool = False) -> np.ndarray:
        """Return the segment shares of one candidate, largest first."""
        candidate = (self.with_n_init10 if n_init10 else self.candidates)[index]
        counts = np.bincount(candidate.labels, minlength=candidate.n_segments)
        return np.sort(counts / counts.sum())[::-1]


# --------------------------------------------------------------------------
# Loading


def load_warehouse(label: str, path: Path, planted_csv: Path | None) -> Warehouse:
    """Read the customer features of one warehouse (read-only).

    Args:
        label: Name shown in the document (e.g. ``real``).
        path: DuckDB file.
        planted_csv: CSV of ``customer_unique_id`` and ``planted_type``;
            attached when it covers most of this warehouse's customers.

    Returns:
        The warehouse, with ``planted`` aligned to the feature rows or None.
    """
    con = duckdb.connect(str(path), read_only=True)
    try:
        features = con.execute(
            f"select * from {TABLE} order by customer_unique_id"
        ).df()
    finally:
        con.close()
    planted = None
    if planted_csv is not None:
        truth = pd.read_csv(planted_csv)
        type_column = [c for c in truth.columns if c != "customer_unique_id"][0]
        mapped = features["customer_unique_id"].map(
            truth.set_index("customer_unique_id")[type_column]
        )
        if mapped.notna().mean() > 0.5:
            planted = mapped
    return Warehouse(label, path, features, planted)


def parse_warehouse(text: str) -> tuple[str, Path]:
    """Split ``label=path`` (or a bare path, labelled by its file stem)."""
    if "=" in text:
        label, path = text.split("=", 1)
        return label, Path(path)
    return Path(text).stem, Path(text)


# --------------------------------------------------------------------------
# Per-feature diagnostics


def feature_diagnostics(
    features: pd.DataFrame, columns: Sequence[str], config: SegmentConfig
) -> pd.DataFrame:
    """Describe each feature as the pipeline sees it.

    Args:
        features: One row per customer.
        columns: Feature columns to describe.
        config: Gives the clip quantiles and the skewness threshold.

    Returns:
        One row per feature: missing share, share of the most common value,
        skewness raw / after clip / after the transform, whether ``log1p``
        applies, the largest |z| after scaling and the share beyond 3 sd.
    """
    x = features[list(columns)].astype(float).to_numpy()
    prepare = FeaturePreparer(config.clip_quantiles, config.skew_threshold).fit(x)
    z = prepare.transform(x)
    filled = np.where(np.isnan(x), prepare.fill_values_, x)
    scaled = (z - z.mean(axis=0)) / np.where(z.std(axis=0) > 0, z.std(axis=0), 1.0)
    rows = []
    for i, name in enumerate(columns):
        values = features[name].dropna()
        mode_share = float(values.value_counts(normalize=True).iloc[0])
        rows.append(
            {
                "feature": name,
                "missing_share": float(features[name].isna().mean()),
                "mode_share": mode_share,
                "skew_raw": float(np.nan_to_num(skew(filled[:, i]))),
                "skew_clipped": float(prepare.skewness_[i]),
                "log1p": bool(prepare.log_transform_[i]),
                "skew_transformed": float(np.nan_to_num(skew(z[:, i]))),
                "max_abs_z": float(np.abs(scaled[:, i]).max()),
                "share_beyond_3sd": float((np.abs(scaled[:, i]) > 3).mean()),
                "near_constant": mode_share > NEAR_CONSTANT_SHARE,
            }
        )
    return pd.DataFrame(rows)


def transformed_correlations(
    features: pd.DataFrame, columns: Sequence[str], config: SegmentConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return Pearson and Spearman correlations after the pipeline transform."""
    x = features[list(columns)].astype(float).to_numpy()
    z = FeaturePreparer(config.clip_quantiles, config.skew_threshold).fit_transform(x)
    frame = pd.DataFrame(z, columns=list(columns))
    return frame.corr("pearson"), frame.corr("spearman")


def number(frame: pd.DataFrame, row: str, column: str) -> float:
    """Return the numeric cell ``frame.loc[row, column]`` as a float."""
    value = frame.loc[row, column]
    if not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{row}, {column}: {value!r} is not a number")
    return float(value)


def redundant_pairs(
    pearson: pd.DataFrame, spearman: pd.DataFrame, threshold: float = REDUNDANT_ABS_R
) -> list[tuple[str, str, float, float]]:
    """Return (a, b, pearson, spearman) of pairs above ``threshold`` in either."""
    names = list(pearson.columns)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            r, rho = number(pearson, a, b), number(spearman, a, b)
            if max(abs(r), abs(rho)) > threshold:
                pairs.append((a, b, r, rho))
    return sorted(pairs, key=lambda p: -max(abs(p[2]), abs(p[3])))


def prune(
    features: Sequence[str],
    near_constant: set[str],
    pairs: Sequence[tuple[str, str, float, float]],
) -> tuple[str, ...]:
    """Drop near-constant features, then the later feature of each redundant pair."""
    kept: list[str] = []
    redundant = {(a, b) for a, b, _, _ in pairs} | {(b, a) for a, b, _, _ in pairs}
    for name in features:
        if name in near_constant:
            continue
        if any((name, other) in redundant for other in kept):
            continue
        kept.append(name)
    return tuple(kept)


# --------------------------------------------------------------------------
# Model selection per feature set


def evaluate_set(
    name: str,
    columns: tuple[str, ...],
    warehouse: Warehouse,
    config: SegmentConfig,
    max_customers: int,
    seed: int,
    progress: Callable[[str], None],
) -> SetResult:
    """Run the model selection of one feature set on one warehouse.

    The warehouse is subsampled (without replacement, seeded) to
    ``max_customers``. K-means is run a second time with ``n_init=10``.
    """
    started = time.perf_counter()
    frame = warehouse.features
    planted = warehouse.planted
    if len(frame) > max_customers:
        rng = np.random.default_rng(seed)
        index = np.sort(rng.choice(len(frame), size=max_customers, replace=False))
        frame = frame.iloc[index].reset_index(drop=True)
        planted = None if planted is None else planted.iloc[index]
    set_config = replace(config, features=columns)

    def line(text: str) -> None:
        progress(f"  [{warehouse.label} / {name}] {text}")

    candidates = select_model(frame, set_config, line)
    ten = replace(set_config, algorithms=("kmeans",), n_init=10)
    kmeans10 = select_model(frame, ten, lambda t: line(f"n_init=10 {t}"))
    by_k = {c.n_segments: c for c in kmeans10}
    swapped = [by_k[c.n_segments] if c.algorithm == "kmeans" else c for c in candidates]
    return SetResult(
        name=name,
        features=columns,
        warehouse=warehouse.label,
        customers=len(frame),
        candidates=candidates,
        chosen=choose(candidates, set_config)[0],
        planted_ari=_planted_ari(candidates, planted),
        kmeans_n_init10=kmeans10,
        with_n_init10=swapped,
        chosen_n_init10=choose(swapped, set_config)[0],
        planted_ari_n_init10=_planted_ari(swapped, planted),
        seconds=time.perf_counter() - started,
    )


def _planted_ari(
    candidates: Sequence[Candidate], planted: pd.Series | None
) -> list[float | None]:
    if planted is None:
        return [None] * len(candidates)
    known = planted.notna().to_numpy()
    truth = planted.to_numpy()[known]
    return [float(adjusted_rand_score(truth, c.labels[known])) for c in candidates]


def feature_sets(pruned: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Return the candidate feature sets, by name.

    ``compact`` is the current set without ``distinct_category_count``
    (near-constant, repeats ``frequency``), ``late_delivery_share`` (a rare
    0/1 flag covered by delivery days and review score) and
    ``freight_share`` (after log mostly the inverse of order value).

    Args:
        pruned: The current set after :func:`prune` on the reference
            warehouse.
    """
    compact = tuple(
        name
        for name in CURRENT_FEATURES
        if name
        not in {"distinct_category_count", "late_delivery_share", "freight_share"}
    )
    return {
        "rfm": RFM,
        "rfm_payment": (*RFM, "avg_installments", "credit_card_share"),
        "rfm_experience": (
            *RFM,
            "avg_review_score",
            "late_delivery_share",
            "avg_delivery_days",
        ),
        "current": CURRENT_FEATURES,
        "pruned": pruned,
        "compact": compact,
    }
