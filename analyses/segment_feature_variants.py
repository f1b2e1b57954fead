"""Evidence on distance and delivery features (issue 10, item 3).

Do ``distance_to_sao_paulo_km`` and ``avg_delivery_days`` make segments a
marketer can act on, or do they split customers by where they live? On a
built warehouse of the real data (with ``make drift``'s monitoring tables,
for the lift features), for four feature sets (the current
``segment_features``, without distance, without delivery days, without
both), this script:

1. draws the fit sample exactly as ``int_segment_fit_sample`` does (50,000
   customers, the smallest md5 of "<id>/<seed>"), runs the model selection
   there with the production settings (only the features change) and fits
   the chosen candidate;
2. scores every customer, names the segments with the project's rules
   (``naming.py``) and profiles them (share, means of all eight features,
   recommended action);
3. measures distinctness: the selection's own silhouette (not comparable
   across sets of different sizes) and the silhouette of the labels in one
   common space, the six behaviour features (RFM, payment, review), on the
   same 10,000 customers for every set;
4. measures stability: the selection's stability ARI (three seeds, 80%
   subsamples) and the agreement over time (ARI, on the customers of the
   past date, between the production-date model and a refit as of the past
   date);
5. measures lift as ``segment_lift`` does: the chosen candidate refitted as
   of ``lift_horizon_days`` before the as-of date (on that date's 50,000-
   customer sample), every customer of that date assigned, each segment's
   purchase rate in the next 90 days divided by everyone's; the past
   segments are matched to the production-date ones
   (``segmentation.match_segments``) so that they carry the same names.

Run, one feature set per locked job (about a minute each on 2 cores), then
render::

    .venv/bin/python analyses/segment_feature_variants.py --warehouse W \
        --variant current            # ... no_distance, no_delivery, behaviour_only
    .venv/bin/python analyses/segment_feature_variants.py --warehouse W --render

Results are cached as JSON (``--cache-dir``); ``--render`` rewrites the
section between the markers in docs/feature_selection.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline

from olist_segmentation import naming
from olist_segmentation import segmentation as seg

PROJECT_DIR = Path(__file__).resolve().parents[1]
DOC = PROJECT_DIR / "docs" / "feature_selection.md"
BEGIN = "<!-- BEGIN analyses/segment_feature_variants.py -->"
END = "<!-- END analyses/segment_feature_variants.py -->"

#: The ``segment_features`` this study starts from (dbt_project.yml before it).
CURRENT = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_installments",
    "credit_card_share",
    "avg_review_score",
    "avg_delivery_days",
    "distance_to_sao_paulo_km",
)
DISTANCE = "distance_to_sao_paulo_km"
DELIVERY = "avg_delivery_days"

#: The feature sets compared, by name.
VARIANTS: dict[str, tuple[str, ...]] = {
    "current": CURRENT,
    "no_distance": tuple(f for f in CURRENT if f != DISTANCE),
    "no_delivery": tuple(f for f in CURRENT if f != DELIVERY),
    "behaviour_only": tuple(f for f in CURRENT if f not in {DISTANCE, DELIVERY}),
}
#: The common space distinctness is compared in: what a marketer acts on.
BEHAVIOUR = VARIANTS["behaviour_only"]

FIT_SAMPLE_SIZE = 50_000
FIT_SAMPLE_SEED = 0
SILHOUETTE_SAMPLE = 10_000


def fit_sample(features: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """Return the rows ``int_segment_fit_sample`` selects, by customer id."""
    keys = features["customer_unique_id"].map(
        lambda c: hashlib.md5(f"{c}/{seed}".encode()).hexdigest()
    )
    order = pd.DataFrame({"key": keys, "id": features["customer_unique_id"]})
    chosen = set(order.sort_values(["key", "id"]).head(size)["id"])
    return (
        features[features["customer_unique_id"].isin(chosen)]
        .sort_values("customer_unique_id")
        .reset_index(drop=True)
    )


@dataclass(frozen=True)
class Study:
    """What the study reads from the warehouse (see :func:`load`)."""

    now: pd.DataFrame
    past: pd.DataFrame
    window: tuple[Any, ...]
    buyers: set[str]
    settings: str


def load(warehouse: Path) -> Study:
    """Read the features now and at the lift date, the buyers, the settings."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        now = con.execute(
            "select * from intermediate.int_customer_features "
            "order by customer_unique_id"
        ).df()
        past = con.execute(
            "select * from intermediate.int_customer_features_lift "
            "order by customer_unique_id"
        ).df()
        window = con.execute(
            "select as_of_date, window_end_date, horizon_days "
            "from intermediate.int_lift_as_of_date"
        ).fetchall()[0]
        buyers = con.execute(
            """
            select distinct orders.customer_unique_id
            from intermediate.int_orders_enriched as orders
            cross join intermediate.int_lift_as_of_date as w
            where orders.is_qualifying
                and orders.purchase_date >= w.as_of_date
                and orders.purchase_date < w.window_end_date
            """
        ).df()
        settings = con.execute(
            "select settings from main.segment_model_selection where is_chosen "
            "order by model_version desc limit 1"
        ).fetchall()[0][0]
    finally:
        con.close()
    return Study(now, past, window, set(buyers["customer_unique_id"]), settings)


def _scaled(
    frame: pd.DataFrame, fit_on: pd.DataFrame, columns: tuple[str, ...]
) -> np.ndarray:
    config = seg.SegmentConfig(features=columns)
    steps = seg.make_pipeline("kmeans", 2, 0, config)[:-1]
    steps.fit(seg.feature_matrix(fit_on, config))
    return steps.transform(seg.feature_matrix(frame, config))


def _silhouette(z: np.ndarray, labels: np.ndarray, index: np.ndarray) -> float:
    distances = seg.sample_distances(z[index])
    return seg.silhouette_from_distances(distances, labels[index])


def _named(
    pipeline: Pipeline,
    config: seg.SegmentConfig,
    sample: pd.DataFrame,
    ids: dict[int, int],
    kept: dict[int, str] | None = None,
) -> tuple[np.ndarray, dict[int, naming.SegmentDefinition]]:
    labels = pipeline.predict(seg.feature_matrix(sample, config))
    segment_ids = np.array([ids[label] for label in labels])
    centres = seg.cluster_parameters(pipeline)[0]
    z_centres = pd.DataFrame(
        centres,
        columns=list(config.features),
        index=[ids[i] for i in range(len(centres))],
    ).sort_index()
    raw = sample[list(config.features)].astype(float)
    shares = pd.Series(segment_ids).value_counts(normalize=True)
    definitions = naming.define_segments(
        z_centres,
        raw.groupby(segment_ids).median(),
        {str(name): float(value) for name, value in raw.median().items()},
        dict(zip(shares.index.astype(int), shares.astype(float), strict=True)),
        kept,
        segment_means=raw.groupby(segment_ids).mean(),
        overall_means={str(name): float(value) for name, value in raw.mean().items()},
    )
    return segment_ids, {d.segment_id: d for d in definitions}


def run_variant(name: str, data: Study) -> dict[str, object]:
    """Select, fit, name, profile and backtest one feature set."""
    started = time.perf_counter()
    columns = VARIANTS[name]
    config = replace(seg.SegmentConfig.from_json(data.settings), features=columns)
    now, past = data.now, data.past
    sample = fit_sample(now, FIT_SAMPLE_SIZE, FIT_SAMPLE_SEED)
    print(f"[{name}] selection on {len(sample):,} customers", file=sys.stderr)
    candidates = seg.select_model(sample, config)
    ranking = seg.choose(candidates, config)
    best = candidates[ranking[0]]
    pipeline = seg.fit_pipeline(sample, best.algorithm, best.n_segments, config)
    sample_labels = pipeline.predict(seg.feature_matrix(sample, config))
    ids = seg.initial_segment_ids(sample_labels, best.n_segments)
    sample_ids, definitions = _named(pipeline, config, sample, ids)

    # distinctness: own space and the common behaviour space, same customers
    rng = np.random.default_rng(0)
    index = np.sort(rng.choice(len(sample), SILHOUETTE_SAMPLE, replace=False))
    common = _scaled(sample, sample, BEHAVIOUR)
    full = _scaled(sample, sample, CURRENT)

    # every customer now: profile
    now_ids = np.array(
        [ids[label] for label in pipeline.predict(seg.feature_matrix(now, config))]
    )
    profile = now[list(CURRENT)].astype(float).groupby(now_ids).mean()
    shares = pd.Series(now_ids).value_counts(normalize=True)

    # backtest: refit as of the past date, matched to the production-date model
    past_sample = fit_sample(past, FIT_SAMPLE_SIZE, FIT_SAMPLE_SEED)
    past_pipeline = seg.fit_pipeline(
        past_sample, best.algorithm, best.n_segments, config
    )
    past_labels_sample = past_pipeline.predict(seg.feature_matrix(past_sample, config))
    version = 1
    production_transforms = seg.transforms_frame(pipeline, config, version)
    production_centres = seg.centres_frame(pipeline, config, version, ids)
    past_ids = seg.match_segments(
        seg.cluster_parameters(past_pipeline)[0],
        seg.transforms_frame(past_pipeline, config, version + 1),
        past_labels_sample,
        production_centres,
        production_transforms,
        config.match_max_distance,
        next_id=max(ids.values()) + 1,
    )
    kept = {
        past_ids[label]: definitions[past_ids[label]].segment_name
        for label in past_ids
        if past_ids[label] in definitions
    }
    _, past_definitions = _named(past_pipeline, config, past_sample, past_ids, kept)
    past_labels = past_pipeline.predict(seg.feature_matrix(past, config))
    past_segment = np.array([past_ids[label] for label in past_labels])
    production_on_past = pipeline.predict(seg.feature_matrix(past, config))
    bought = past["customer_unique_id"].isin(data.buyers).to_numpy()
    overall_rate = bought.mean()
    lift_rows = []
    for segment_id in sorted(set(past_segment)):
        member = past_segment == segment_id
        d = past_definitions[segment_id]
        lift_rows.append(
            {
                "segment_id": int(segment_id),
                "segment_name": d.segment_name,
                "matches_production": bool(segment_id in definitions),
                "customer_share": float(member.mean()),
                "buyers": int(bought[member].sum()),
                "purchase_rate": float(bought[member].mean()),
                "purchase_rate_lift": float(bought[member].mean() / overall_rate),
            }
        )
    lifts = np.array([r["purchase_rate_lift"] for r in lift_rows])
    weights = np.array([r["customer_share"] for r in lift_rows])
    segments = []
    for segment_id, d in sorted(definitions.items()):
        segments.append(
            {
                "segment_id": int(segment_id),
                "segment_name": d.segment_name,
                "customer_share": float(shares.get(segment_id, 0.0)),
                "means": profile.loc[segment_id].to_dict(),
                "recommended_action": d.recommended_action,
                "description": d.description,
            }
        )
    result = {
        "variant": name,
        "features": list(columns),
        "customers": len(now),
        "sample": len(sample),
        "chosen": f"{best.algorithm} k={best.n_segments}",
        "silhouette": best.silhouette,
        "silhouette_behaviour_space": _silhouette(common, sample_ids, index),
        "silhouette_full_space": _silhouette(full, sample_ids, index),
        "stability_ari": best.stability_ari,
        "eligible": int(
            sum(
                c.stability_ari >= config.min_stability
                and c.min_segment_share >= config.min_share
                for c in candidates
            )
        ),
        "ari_over_time": float(adjusted_rand_score(production_on_past, past_labels)),
        "matched": int(sum(bool(r["matches_production"]) for r in lift_rows)),
        "lift_as_of": str(data.window[0])[:10],
        "overall_purchase_rate": float(overall_rate),
        "lift_weighted_abs_deviation": float((weights * np.abs(lifts - 1)).sum()),
        "lift_max": float(lifts.max()),
        "lift_min": float(lifts.min()),
        "segments": segments,
        "lift": lift_rows,
        "top_candidates": [
            {
                "candidate": f"{candidates[i].algorithm} k={candidates[i].n_segments}",
                "silhouette": candidates[i].silhouette,
                "stability_ari": candidates[i].stability_ari,
                "min_share": candidates[i].min_segment_share,
            }
            for i in ranking[:3]
        ],
        "seconds": time.perf_counter() - started,
    }
    print(f"[{name}] {result['chosen']} in {result['seconds']:.0f} s", file=sys.stderr)
    return result


# --------------------------------------------------------------------------
# Markdown


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render(results: list[dict[str, Any]]) -> str:
    """Return the Markdown section (between the markers) from the JSON cache."""
    first = results[0]
    parts = [
        BEGIN,
        "## Distance and delivery: do they make segments a marketer can act on?",
        "Written by `analyses/segment_feature_variants.py` (see its docstring); "
        f"real data, {first['customers']:,} customers. Each set: model selection "
        f"with the production settings on the {first['sample']:,}-customer fit "
        "sample (`int_segment_fit_sample`, seed 0), the chosen candidate fitted "
        "there and every customer scored. *Silhouette (own)* is the selection's; "
        "it is not comparable across sets of different sizes, so *silhouette "
        "(behaviour space)* scores every set's labels on the same 10,000 "
        "customers in the six behaviour features (RFM, instalments, card share, "
        "review score). *ARI over time*: the production-date model against a "
        f"refit as of {first['lift_as_of']} on that date's customers. *Lift*: "
        "as `segment_lift`, 90-day purchase rate of each past segment over "
        f"everyone's ({_pct(first['overall_purchase_rate'])}); *lift spread* is "
        "the share-weighted mean of |lift - 1| (0 = segments say nothing about "
        "who buys next).",
        _table(
            [
                "set",
                "features",
                "chosen",
                "silhouette (own)",
                "silhouette (behaviour space)",
                "stability ARI",
                "eligible candidates",
                "ARI over time",
                "past segments matched",
                "lift spread",
                "lift max / min",
            ],
            [
                [
                    f"`{r['variant']}`",
                    len(r["features"]),
                    r["chosen"],
                    f"{r['silhouette']:.3f}",
                    f"{r['silhouette_behaviour_space']:.3f}",
                    f"{r['stability_ari']:.3f}",
                    f"{r['eligible']} of 15",
                    f"{r['ari_over_time']:.3f}",
                    f"{r['matched']} of {len(r['lift'])}",
                    f"{r['lift_weighted_abs_deviation']:.3f}",
                    f"{r['lift_max']:.2f} / {r['lift_min']:.2f}",
                ]
                for r in results
            ],
        ),
    ]
    for r in results:
        lift = {row["segment_id"]: row for row in r["lift"]}
        rows = []
        for s in r["segments"]:
            m = s["means"]
            past = lift.get(s["segment_id"])
            rows.append(
                [
                    s["segment_name"],
                    _pct(s["customer_share"]),
                    f"{m['recency_days']:.0f}",
                    f"{m['frequency']:.2f}",
                    f"{m['monetary']:.0f}",
                    f"{m['avg_installments']:.1f}",
                    _pct(m["credit_card_share"]),
                    f"{m['avg_review_score']:.2f}",
                    f"{m[DELIVERY]:.1f}",
                    f"{m[DISTANCE]:.0f}",
                    f"{past['purchase_rate_lift']:.2f}" if past else "–",
                    s["recommended_action"],
                ]
            )
        for past in r["lift"]:
            if not past["matches_production"]:
                rows.append(
                    [
                        f"*{past['segment_name']}* (past only)",
                        _pct(past["customer_share"]) + " (past)",
                        *["" for _ in range(8)],
                        f"{past['purchase_rate_lift']:.2f}",
                        "",
                    ]
                )
        parts += [
            f"### `{r['variant']}`: {r['chosen']} "
            f"({', '.join(f'`{f}`' for f in r['features'])})",
            "Means over all customers now; lift of the matching past segment.",
            _table(
                [
                    "segment",
                    "share",
                    "recency",
                    "orders",
                    "R$",
                    "instalments",
                    "card",
                    "review",
                    "delivery days",
                    "km to SP",
                    "90-day lift",
                    "action",
                ],
                rows,
            ),
        ]
    parts.append(END)
    return "\n\n".join(parts) + "\n"


def write_section(section: str, doc: Path = DOC) -> None:
    """Replace the marked section of ``doc`` (or insert it after the intro)."""
    text = doc.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + "\n" + tail
    else:
        marker = "\n## Recommendation"
        head, tail = text.split(marker, 1)
        text = head.rstrip("\n") + "\n\n" + section + marker + tail
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run one feature set, or render the cached results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--variant", choices=sorted(VARIANTS))
    parser.add_argument("--render", action="store_true")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path("/tmp/segment_feature_variants")
    )
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    if args.variant:
        if args.warehouse is None:
            parser.error("--variant needs --warehouse")
        result = run_variant(args.variant, load(args.warehouse))
        (args.cache_dir / f"{args.variant}.json").write_text(
            json.dumps(result, indent=1), encoding="utf-8"
        )
    if args.render:
        results = [
            json.loads((args.cache_dir / f"{name}.json").read_text(encoding="utf-8"))
            for name in VARIANTS
            if (args.cache_dir / f"{name}.json").exists()
        ]
        write_section(render(results), args.doc)
        print(f"wrote {args.doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
