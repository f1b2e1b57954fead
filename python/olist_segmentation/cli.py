"""Command line: ``olist-seg`` and its subcommands.

``olist-seg build`` runs ``dbt build`` on a folder of the nine Kaggle CSVs
(``--data-dir``, env ``OLIST_DATA_DIR``, default the generated sample) into a
DuckDB file (``--warehouse``, env ``OLIST_DUCKDB_PATH``, default
``warehouse/olist.duckdb``) and prints a summary of the marts.
``olist-seg segment`` reruns the model selection on a built warehouse's
features in this process and prints it (``--out`` writes the assignments).
``olist-seg report`` writes the marketing report (one HTML file) of a built
warehouse, and optionally a PNG screenshot of it.
``olist-seg export`` writes a customer list (CSV and Parquet) for a
campaign, filtered by segment, RFM segment and state.
``olist-seg stability`` runs the refresh-interval simulation (``dbt build
--selector stability``), prints the recommended interval and writes the
report. ``olist-seg drift`` runs the lift backtest and the production drift
check on a built warehouse (``dbt build --selector monitoring``) and prints
whether a refit of the frozen model is due.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

from olist_segmentation import build, engines, export, generate, report, segmentation
from olist_segmentation.chromium import ChromiumError
from olist_segmentation.errors import OlistError

#: Exit status of ``olist-seg drift --fail-if-due`` when a refit is due.
EXIT_REFIT_DUE = 3


def _data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="folder of the nine Kaggle CSVs (default: $OLIST_DATA_DIR or "
        "data/sample, generated when missing)",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default: $OLIST_DUCKDB_PATH or warehouse/olist.duckdb)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="olist-seg",
        description="Olist customer segmentation: build the marts, summarise them.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("build", help="run `dbt build` and print a summary")
    _data_arguments(run)
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
    run.add_argument(
        "--target",
        choices=("duckdb", *engines.TARGETS),
        default="duckdb",
        help="where to build: duckdb (default, the warehouse file), postgres or "
        "spark (load the CSVs first with `olist-seg load --target ...`)",
    )

    load_cmd = commands.add_parser(
        "load",
        help="check the nine CSVs and load them into PostgreSQL or Spark "
        "(schema olist)",
    )
    load_cmd.add_argument(
        "--data-dir",
        type=Path,
        help="folder of the nine Kaggle CSVs (default: $OLIST_DATA_DIR or "
        "data/sample, generated when missing)",
    )
    load_cmd.add_argument(
        "--target",
        choices=engines.TARGETS,
        required=True,
        help="the profiles.yml target to load: postgres (its server: "
        "$OLIST_PG_HOST, $OLIST_PG_PORT, $OLIST_PG_USER, $OLIST_PG_PASSWORD, "
        "$OLIST_PG_DATABASE) or spark (local, tables in $OLIST_SPARK_DIR, "
        "default warehouse/spark)",
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

    export_cmd = commands.add_parser(
        "export",
        help="write a customer list for a campaign (CSV and Parquet): segments, "
        "actions, predicted value, city, state, last purchase; highest expected "
        "revenue first",
    )
    export_cmd.add_argument("--warehouse", type=Path, help="DuckDB file")
    export_cmd.add_argument(
        "--segment", nargs="+", metavar="NAME", help="behavioural segment name(s)"
    )
    export_cmd.add_argument(
        "--rfm-segment", nargs="+", metavar="NAME", help="RFM segment name(s)"
    )
    export_cmd.add_argument(
        "--state", nargs="+", metavar="UF", help="customer state(s), e.g. SP RJ"
    )
    export_cmd.add_argument(
        "--value-tier",
        nargs="+",
        metavar="TIER",
        help="predicted value tier(s): high (top 10%% by expected revenue), "
        "medium, low",
    )
    export_cmd.add_argument(
        "--out",
        type=Path,
        help="folder to write (default: reports/exports/<filters>, which the "
        "report links)",
    )

    stability_cmd = commands.add_parser(
        "stability",
        help="measure how long the segmentation stays valid (refresh-interval "
        "simulation) and write the report",
    )
    _data_arguments(stability_cmd)
    stability_cmd.add_argument(
        "--threshold",
        type=float,
        help="ARI the frozen model must keep against a refit (default: var "
        "stability_ari_threshold, 0.8)",
    )
    stability_cmd.add_argument(
        "--start-dates",
        nargs="+",
        metavar="YYYY-MM-DD",
        help="start dates of the simulation (default: var stability_start_dates)",
    )
    stability_cmd.add_argument(
        "--horizon-weeks",
        type=int,
        help="weeks after each start date (default: var stability_horizon_weeks)",
    )
    stability_cmd.add_argument(
        "--report",
        type=Path,
        default=Path("reports/segments.html"),
        help="report to write (default: reports/segments.html)",
    )

    drift_cmd = commands.add_parser(
        "drift",
        help="run the lift backtest and the drift check on a built warehouse "
        "(`dbt build --selector monitoring`) and say whether a refit is due",
    )
    _data_arguments(drift_cmd)
    drift_cmd.add_argument(
        "--as-of-date",
        help="first rebuild the warehouse as of this date YYYY-MM-DD "
        "(default: check the warehouse as built)",
    )
    drift_cmd.add_argument(
        "--no-build",
        action="store_true",
        help="print the last check instead of running it",
    )
    drift_cmd.add_argument(
        "--fail-if-due",
        action="store_true",
        help=f"exit with status {EXIT_REFIT_DUE} when a refit is due (for cron "
        "or CI alerts)",
    )

    commands.add_parser(
        "generate",
        help="write the synthetic sample (see `olist-seg generate --help`)",
        add_help=False,
    )
    return parser


def _run_build(
    args: argparse.Namespace, dbt_args: list[str], dbt_vars: dict[str, object]
) -> tuple[int, Path]:
    """Run one dbt build; return its exit code and the warehouse path."""
    env = build.dbt_environment(args.data_dir, args.warehouse)
    data_dir = Path(env["OLIST_DATA_DIR"])
    warehouse = Path(env["OLIST_DUCKDB_PATH"])
    if data_dir == build.DEFAULT_DATA_DIR.resolve() and not data_dir.exists():
        print(
            f"No data in {data_dir}: generating the synthetic sample.", file=sys.stderr
        )
        generate.main(["--out", str(data_dir)])
    started = time.perf_counter()
    result = build.run_dbt(dbt_args, data_dir, warehouse, dbt_vars or None)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        print(
            f"\ndbt build failed (exit {result.returncode}) after {seconds:.1f} s: "
            "see the errors above. Nothing was published: "
            + (
                f"{warehouse} still holds the previous complete build."
                if warehouse.exists()
                else f"no warehouse was created at {warehouse}."
            ),
            file=sys.stderr,
        )
    else:
        print(f"\ndbt build finished in {seconds:.1f} s on {data_dir}\n")
    return result.returncode, warehouse


def _load(args: argparse.Namespace) -> int:
    data_dir = Path(
        args.data_dir or os.environ.get("OLIST_DATA_DIR") or build.DEFAULT_DATA_DIR
    ).resolve()
    if data_dir == build.DEFAULT_DATA_DIR.resolve() and not data_dir.exists():
        print(
            f"No data in {data_dir}: generating the synthetic sample.", file=sys.stderr
        )
        generate.main(["--out", str(data_dir)])
    started = time.perf_counter()
    counts = engines.load(args.target, data_dir)
    print(
        f"Loaded {sum(counts.values()):,} rows of {len(counts)} tables into "
        f"{args.target} schema {engines.RAW_SCHEMA} in "
        f"{time.perf_counter() - started:.1f} s."
    )
    return 0


def _build(args: argparse.Namespace) -> int:
    dbt_vars: dict[str, object] = {}
    if args.as_of_date:
        dbt_vars["as_of_date"] = args.as_of_date
    if args.refit:
        dbt_vars["segment_refit"] = True
    if args.target != "duckdb":
        started = time.perf_counter()
        engines.build(args.target, "default", dbt_vars or None)
        print(
            f"\nBuild on {args.target} finished in "
            f"{time.perf_counter() - started:.1f} s."
        )
        return 0
    code, warehouse = _run_build(args, ["build"], dbt_vars)
    if code == 0:
        print(build.warehouse_summary(warehouse).render())
    return code


def _stability(args: argparse.Namespace) -> int:
    dbt_vars: dict[str, object] = {}
    if args.threshold is not None:
        dbt_vars["stability_ari_threshold"] = args.threshold
    if args.start_dates:
        dbt_vars["stability_start_dates"] = args.start_dates
    if args.horizon_weeks is not None:
        dbt_vars["stability_horizon_weeks"] = args.horizon_weeks
    code, warehouse = _run_build(args, ["build", "--selector", "stability"], dbt_vars)
    if code != 0:
        return code
    print(build.stability_summary(warehouse))
    out = report.build_report(warehouse, args.report)
    print(f"\nReport written to {out}")
    return 0


def _drift(args: argparse.Namespace) -> int:
    if args.no_build:
        warehouse = Path(
            build.dbt_environment(warehouse=args.warehouse)["OLIST_DUCKDB_PATH"]
        )
    else:
        if args.as_of_date:
            code, _ = _run_build(
                args, ["build"], {"as_of_date": args.as_of_date, "segment_refit": False}
            )
            if code != 0:
                return code
        warehouse = Path(
            build.dbt_environment(warehouse=args.warehouse)["OLIST_DUCKDB_PATH"]
        )
        build.require_segments(warehouse)
        code, warehouse = _run_build(
            args, ["build", "--selector", "monitoring"], {"segment_refit": False}
        )
        if code != 0:
            return code
    text, due = build.drift_summary(warehouse)
    print(text)
    return EXIT_REFIT_DUE if due and args.fail_if_due else 0


def _report(args: argparse.Namespace) -> int:
    out = report.build_report(args.warehouse, args.out)
    print(f"Report written to {out}")
    if args.screenshot:
        print(f"Screenshot written to {report.screenshot(out, args.screenshot)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    filters = {
        "segments": args.segment or [],
        "rfm_segments": args.rfm_segment or [],
        "states": args.state or [],
        "value_tiers": args.value_tier or [],
    }
    out = args.out or export.default_folder(
        Path("reports") / report.EXPORTS_FOLDER, filters
    )
    result = export.export_customers(out, args.warehouse, **filters)
    print(
        f"Wrote {result.rows:,} customers to {result.folder}: "
        + ", ".join(f.name for f in result.files)
    )
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
        if args.command == "load":
            return _load(args)
        if args.command == "report":
            return _report(args)
        if args.command == "segment":
            return _segment(args)
        if args.command == "export":
            return _export(args)
        if args.command == "stability":
            return _stability(args)
        if args.command == "drift":
            return _drift(args)
        print(build.warehouse_summary(args.warehouse).render())
        return 0
    except (
        OlistError,
        ChromiumError,
        segmentation.SegmentationError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
