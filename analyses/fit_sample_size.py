"""Evidence for the default fit sample size (var ``segment_fit_sample_size``).

Does a model selected and fitted on a seeded sample of customers give the
same choice and the same segments as one selected and fitted on everyone?
On a built warehouse (the real data), this script:

1. runs the model selection on every customer, fits the chosen candidate
   and assigns everyone (the reference: what the project did before the
   sample);
2. for each sample size and sample seed, draws the sample exactly as
   ``int_segment_fit_sample`` does (the smallest md5 of "<id>/<seed>"),
   runs the selection on it, fits the chosen candidate on it and assigns
   every customer;
3. reports the chosen algorithm and k, the ARI of the sample model's
   segments against the reference's on all customers, the ARI of the
   reference's own candidate fitted on the sample (the fit alone, without
   the selection), and the seconds.

Run: ``.venv/bin/python analyses/fit_sample_size.py --warehouse W`` (about
six minutes on the real data, 2 cores). It writes the table to
docs/fit_sample.table.md, which docs/fit_sample.md quotes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from olist_segmentation import segmentation as seg

PROJECT_DIR = Path(__file__).resolve().parents[1]


def fit_sample(features: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """Return the rows ``int_segment_fit_sample`` selects, by customer id."""
    keys = features["customer_unique_id"].map(
        lambda c: hashlib.md5(f"{c}/{seed}".encode()).hexdigest()
    )
    order = pd.DataFrame({"key": keys, "id": features["customer_unique_id"]})
    chosen = order.sort_values(["key", "id"]).head(size)["id"]
    return (
        features[features["customer_unique_id"].isin(set(chosen))]
        .sort_values("customer_unique_id")
        .reset_index(drop=True)
    )


def select_and_assign(
    fit_on: pd.DataFrame, everyone: pd.DataFrame, config: seg.SegmentConfig
) -> tuple[str, int, object, float]:
    """Select on ``fit_on``, fit the choice there, assign ``everyone``."""
    started = time.perf_counter()
    candidates = seg.select_model(fit_on, config)
    best = candidates[seg.choose(candidates, config)[0]]
    pipeline = seg.fit_pipeline(fit_on, best.algorithm, best.n_segments, config)
    labels = pipeline.predict(seg.feature_matrix(everyone, config))
    return best.algorithm, best.n_segments, labels, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and write the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 25_000, 50_000]
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs/fit_sample.md")
    args = parser.parse_args(argv)

    con = duckdb.connect(str(args.warehouse), read_only=True)
    try:
        features = con.execute(
            "select * from intermediate.int_customer_features "
            "order by customer_unique_id"
        ).df()
        settings = con.execute(
            "select settings from main.segment_model_selection where is_chosen "
            "order by model_version desc limit 1"
        ).fetchall()[0][0]
    finally:
        con.close()
    config = seg.SegmentConfig.from_json(settings)
    print(f"{len(features):,} customers; full-data selection ...", file=sys.stderr)
    algorithm, k, reference, seconds = select_and_assign(features, features, config)
    rows = [
        {
            "fit on": f"every customer ({len(features):,})",
            "sample seed": "",
            "chosen": f"{algorithm} k={k}",
            "same choice": "reference",
            "ARI vs full-data model": 1.0,
            "ARI, same candidate fitted on the sample": 1.0,
            "selection + fit s": seconds,
        }
    ]
    print(f"  {algorithm} k={k} in {seconds:.1f} s", file=sys.stderr)
    for size in args.sizes:
        for seed in args.seeds:
            sample = fit_sample(features, size, seed)
            a, n, labels, seconds = select_and_assign(sample, features, config)
            ari = adjusted_rand_score(reference, labels)
            same = seg.fit_pipeline(sample, algorithm, k, config).predict(
                seg.feature_matrix(features, config)
            )
            fit_ari = adjusted_rand_score(reference, same)
            print(
                f"  {size:,} seed {seed}: {a} k={n}, ARI {ari:.3f}, same "
                f"candidate {fit_ari:.3f}, {seconds:.1f} s",
                file=sys.stderr,
            )
            rows.append(
                {
                    "fit on": f"sample of {size:,}",
                    "sample seed": seed,
                    "chosen": f"{a} k={n}",
                    "same choice": "yes" if (a, n) == (algorithm, k) else "no",
                    "ARI vs full-data model": ari,
                    "ARI, same candidate fitted on the sample": fit_ari,
                    "selection + fit s": seconds,
                }
            )
    table = pd.DataFrame(rows)
    lines = [
        "| " + " | ".join(table.columns) + " |",
        "|---|---:|---|---|---:|---:|---:|",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"| {row[0]} | {row[1]} | {row[2]} | {row[3]} | {row[4]:.3f} "
            f"| {row[5]:.3f} | {row[6]:.1f} |"
        )
    args.out.with_suffix(".table.md").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
