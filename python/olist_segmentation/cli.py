"""Command line: ``olist-seg build | summary | report | segment | generate``.

``olist-seg build`` runs ``dbt build`` on a folder of the nine Kaggle CSVs
(``--data-dir``, env ``OLIST_DATA_DIR``, default the generated sample) into a
DuckDB file (``--warehouse``, env ``OLIST_DUCKDB_PATH``, default
``warehouse/olist.duckdb``) and prints a summary of the marts.
``olist-seg segment`` reruns the model selection on a built warehouse's
features in this process and prints it (``--out`` writes the assignments).
``olist-seg report`` writes the marketing report (one HTML file) of a built
warehouse, and optionally a PNG screenshot of it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from olist_segmentation import build, generate, report, segmentation
from olist_segmentation.chromium import ChromiumError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="olist-seg",
        description="Olist customer segmentation: build the marts, summarise them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("build", help="run `dbt build` and print a summary")
    run.add_argument(
        "--data-dir",
        type=Path,
        help="folder of the nine Kaggle CSVs (default: $OLIST_DATA_DIR or "
        "data/sample, generated when missing)",
    )
    run.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default: $OLIST_DUCKDB_PATH or warehouse/olist.duckdb)",
    )
    run.add_argument(
        "--as-of-date",
        help="reference date YYYY-MM-DD of recency (default: the day after "
        "the latest qualifying purchase)",
    )

    run.add_argument(
        "--refit",
        action="store_true",
        help="fit a new segment model version (default: reuse the frozen model "
        "and only score customers)",
    )

    summary = commands.add_parser("summary", help="print the marts' summary")
    summary.add_argument("--warehouse", type=Path, help="DuckDB file")

    report_cmd = commands.add_parser(
        "report", help="write the marketing report (one self-contained HTML file)"
    )
    report_cmd.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default: $OLIST_DUCKDB_PATH or warehouse/olist.duckdb)",
    )
    report_cmd.add_argument(
        "--out",
        type=Path,
        default=Path("reports/segments.html"),
        help="HTML file to write (default: reports/segments.html)",
    )
    report_cmd.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="also write a full-page PNG of the report (needs chromium)",
    )

    segment = commands.add_parser(
        "segment",
        help="run the model selection on a built warehouse's features, in this "
        "process, and print it (writes nothing unless --out)",
    )
    segment.add_argument("--warehouse", type=Path, help="DuckDB file")
    segment.add_argument(
        "--k-values", type=int, nargs="+", help="numbers of segments to try"
    )
    segment.add_argument(
        "--algorithms", nargs="+", choices=segmentation.ALGORITHMS, help="families"
    )
    segment.add_argument(
        "--out", type=Path, help="CSV of customer_unique_id,segment (chosen model)"
    )

    commands.add_parser(
        "generate",
        help="write the synthetic sample (see `olist-seg generate --help`)",
        add_help=False,
    )
    return parser


def _build(args: argparse.Namespace) -> int:
    env = build.dbt_environment(args.data_dir, args.warehouse)
    data_dir = Path(env["OLIST_DATA_DIR"])
    if data_dir == build.DEFAULT_DATA_DIR.resolve() and not data_dir.exists():
        print(
            f"No data in {data_dir}: generating the synthetic sample.", file=sys.stderr
        )
        generate.main(["--out", str(data_dir)])
    dbt_vars: dict[str, object] = {}
    if args.as_of_date:
        dbt_vars["as_of_date"] = args.as_of_date
    if args.refit:
        dbt_vars["segment_refit"] = True
    started = time.perf_counter()
    result = build.run_dbt(
        ["build"], data_dir, Path(env["OLIST_DUCKDB_PATH"]), dbt_vars or None
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        print(
            f"\ndbt build failed (exit {result.returncode}) after {seconds:.1f} s: "
            "see the errors above. Marts that were not rebuilt keep their "
            "previous contents.",
            file=sys.stderr,
        )
        return result.returncode
    print(f"\ndbt build finished in {seconds:.1f} s on {data_dir}\n")
    print(build.warehouse_summary(Path(env["OLIST_DUCKDB_PATH"])).render())
    return 0


def _report(args: argparse.Namespace) -> int:
    out = report.build_report(args.warehouse, args.out)
    print(f"Report written to {out}")
    if args.screenshot:
        print(f"Screenshot written to {report.screenshot(out, args.screenshot)}")
    return 0


def _segment(args: argparse.Namespace) -> int:
    path = Path(build.dbt_environment(warehouse=args.warehouse)["OLIST_DUCKDB_PATH"])
    features, settings = build.read_segment_inputs(path)
    config = segmentation.SegmentConfig.from_json(settings)
    overrides: dict[str, object] = {}
    if args.k_values:
        overrides["k_values"] = tuple(args.k_values)
    if args.algorithms:
        overrides["algorithms"] = tuple(args.algorithms)
    config = dataclasses.replace(config, **overrides)
    started = time.perf_counter()
    candidates = segmentation.select_model(features, config, progress=print)
    ranking = segmentation.choose(candidates, config)
    best = candidates[ranking[0]]
    print(
        f"\nChosen: {best.algorithm} with {best.n_segments} segments "
        f"({time.perf_counter() - started:.1f} s, {len(features):,} customers)"
    )
    if args.out:
        pipeline = segmentation.fit_pipeline(
            features, best.algorithm, best.n_segments, config
        )
        labels = pipeline.predict(segmentation.feature_matrix(features, config))
        ids = segmentation.initial_segment_ids(labels, best.n_segments)
        features.assign(segment=[ids[label] for label in labels])[
            ["customer_unique_id", "segment"]
        ].to_csv(args.out, index=False)
        print(f"Assignments written to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:
        return generate.main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "report":
            return _report(args)
        if args.command == "segment":
            return _segment(args)
        print(build.warehouse_summary(args.warehouse).render())
        return 0
    except (
        build.WarehouseError,
        ChromiumError,
        segmentation.SegmentationError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
