"""Evidence for the choice of segmentation features.

Run, from the project directory::

    python -m analyses.feature_evidence --warehouse real=/path/real.duckdb \
        --warehouse synthetic=/path/sample.duckdb \
        --planted data/sample/planted_customer_types.csv

It reads
``intermediate.int_customer_features`` of each warehouse (read-only) and
writes ``docs/feature_selection.md`` with:

* per candidate feature: missing share, share of the most common value,
  skewness before and after the pipeline's transform (median fill,
  quantile clip, ``log1p`` of skewed features), whether ``log1p`` applies,
  and how far the scaled values reach (max |z|, share beyond 3 sd);
* Pearson and Spearman correlations after the transform, with the pairs
  above :data:`REDUNDANT_ABS_R` flagged;
* per candidate feature *set*: the full model selection of
  :func:`~olist_segmentation.segmentation.select_model` (every algorithm and
  k), the candidate :func:`~olist_segmentation.segmentation.choose` picks,
  its segment shares, and on a warehouse with planted types the adjusted
  Rand index between its labels and the planted types;
* k-means stability with ``n_init`` 4 against 10.

Everything is seeded, so the same warehouses give the same document. The
measures are in ``feature_evidence_measures.py``, the document's Markdown in
``feature_evidence_markdown.py``; this file is the command line.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analyses.feature_evidence_markdown import render
from analyses.feature_evidence_measures import (
    CANDIDATE_FEATURES,
    CURRENT_FEATURES,
    K_VALUES,
    SetResult,
    evaluate_set,
    feature_diagnostics,
    feature_sets,
    load_warehouse,
    parse_warehouse,
    prune,
    redundant_pairs,
    transformed_correlations,
)
from olist_segmentation.segmentation import SegmentConfig

PROJECT_DIR = Path(__file__).resolve().parents[1]
OUTPUT = PROJECT_DIR / "docs" / "feature_selection.md"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analyses.feature_evidence",
        description="Measure candidate segmentation features and feature sets; "
        "write docs/feature_selection.md.",
    )
    parser.add_argument(
        "--warehouse",
        action="append",
        nargs="+",
        required=True,
        help="DuckDB file as label=path or path (repeatable, or several paths). "
        "The first is the reference for pruning (use the real data).",
    )
    parser.add_argument(
        "--planted",
        type=Path,
        help="CSV of customer_unique_id and planted type (synthetic sample)",
    )
    parser.add_argument("--out", type=Path, default=OUTPUT, help="Markdown output")
    parser.add_argument(
        "--max-customers",
        type=int,
        default=30_000,
        help="subsample each warehouse to this many customers for the model "
        "selection (default 30000)",
    )
    parser.add_argument("--silhouette-sample", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0, help="subsample seed")
    parser.add_argument(
        "--cache",
        type=Path,
        help="pickle of the model-selection results: reused when present, "
        "written otherwise (to re-render the document quickly)",
    )
    return parser


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the feature evidence and write the Markdown document.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code (0).
    """
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    specs = [parse_warehouse(text) for group in args.warehouse for text in group]
    config = SegmentConfig(
        features=CURRENT_FEATURES,
        k_values=K_VALUES,
        silhouette_sample=args.silhouette_sample,
    )
    warehouses = []
    for label, path in specs:
        _progress(f"reading {label}: {path}")
        warehouses.append(load_warehouse(label, path, args.planted))

    diagnostics: dict[str, pd.DataFrame] = {}
    correlations: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    with np.errstate(invalid="ignore"):
        for w in warehouses:
            _progress(f"feature diagnostics: {w.label}")
            diagnostics[w.label] = feature_diagnostics(
                w.features, CANDIDATE_FEATURES, config
            )
            correlations[w.label] = transformed_correlations(
                w.features, CANDIDATE_FEATURES, config
            )
    reference = warehouses[0].label
    near_constant = set(
        diagnostics[reference].loc[diagnostics[reference].near_constant, "feature"]
    )
    pruned = prune(
        CURRENT_FEATURES, near_constant, redundant_pairs(*correlations[reference])
    )
    sets = feature_sets(pruned)

    results: list[SetResult]
    if args.cache and args.cache.exists():
        _progress(f"reusing model-selection results from {args.cache}")
        results = pickle.loads(args.cache.read_bytes())
    else:
        results = []
        for w in warehouses:
            for name, columns in sets.items():
                _progress(f"model selection: {w.label} / {name} {list(columns)}")
                result = evaluate_set(
                    name, columns, w, config, args.max_customers, args.seed, _progress
                )
                _progress(f"  done in {result.seconds:.0f} s")
                results.append(result)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(results))

    seconds = time.perf_counter() - started
    text = render(
        warehouses, diagnostics, correlations, sets, near_constant, results, args
    )
    text += (
        f"\n\n---\n\nRuntime of this run: {seconds / 60:.1f} minutes on "
        f"{_cpu_count()} cores (the only line that changes between runs; per set: "
        + ", ".join(f"{r.name}/{r.warehouse} {r.seconds:.0f} s" for r in results)
        + ").\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    _progress(f"wrote {args.out} in {seconds:.0f} s")
    return 0


def _cpu_count() -> int:
    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
