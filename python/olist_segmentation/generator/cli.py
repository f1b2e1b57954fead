"""The ``olist-generate`` command line (also ``olist-seg generate``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from olist_segmentation.errors import OlistError
from olist_segmentation.generator.arguments import (
    DEFAULT_END,
    DEFAULT_ORDERS,
    DEFAULT_OUT,
    DEFAULT_SEED,
    DEFAULT_START,
    MIN_ORDERS,
    GeneratorArgumentError,
)
from olist_segmentation.generator.pipeline import generate


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="olist-generate",
        description="Write a deterministic synthetic sample of the nine Olist CSVs.",
    )
    parser.add_argument(
        "--orders",
        type=int,
        default=DEFAULT_ORDERS,
        help=f"number of orders, at least {MIN_ORDERS} (default {DEFAULT_ORDERS})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output folder (default {DEFAULT_OUT})",
    )
    parser.add_argument("--start", default=DEFAULT_START, help="first purchase day")
    parser.add_argument("--end", default=DEFAULT_END, help="last purchase day")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the generator from the command line.

    Args:
        argv: Command-line arguments without the program name (``None`` reads
            ``sys.argv``).

    Returns:
        Exit code: 0 on success, 2 on an error the user can fix (invalid
        arguments, unwritable output folder), printed as one line.
    """
    args = _parse_args(argv)
    try:
        if args.orders < MIN_ORDERS:
            raise GeneratorArgumentError(
                f"--orders must be at least {MIN_ORDERS} (got {args.orders})"
            )
        generate(args.out, args.orders, args.seed, args.start, args.end)
    except OlistError as exc:
        print(f"olist-generate: error: {exc}", file=sys.stderr)
        return 2
    return 0
