"""What the user may ask of the generator, and the errors they can fix.

The defaults of the command line, the checks of its arguments and of the
output folder. Every problem is an :class:`~olist_segmentation.errors.OlistError`
whose message says what to change.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from olist_segmentation.errors import OlistError
from olist_segmentation.generator.parameters import MAIN_GAP_DAYS

DEFAULT_ORDERS = 20_000
DEFAULT_SEED = 42
DEFAULT_OUT = Path("data/sample")
DEFAULT_START = "2016-09-04"
DEFAULT_END = "2018-10-17"
MIN_ORDERS = 100
# The period must hold the main calendar, the final gap and some margin.
MIN_PERIOD_DAYS = MAIN_GAP_DAYS + 60


class GeneratorArgumentError(OlistError, ValueError):
    """An argument of the generator is out of range (orders, seed or dates).

    Also a :class:`ValueError`, which :func:`generate` raised before there
    was an error class of its own.
    """


class OutputFolderError(OlistError):
    """The output folder cannot be created or written into."""


def validate_arguments(n_orders: int, seed: int, start: str, end: str) -> None:
    """Check generator arguments.

    Args:
        n_orders: Number of orders to generate.
        seed: Seed of the random generator.
        start: First purchase day (ISO date).
        end: Last purchase day (ISO date).

    Raises:
        GeneratorArgumentError: If an argument is out of range, with a
            readable message.
    """
    if n_orders < MIN_ORDERS:
        raise GeneratorArgumentError(
            f"the number of orders must be at least {MIN_ORDERS} (got {n_orders})"
        )
    if seed < 0:
        raise GeneratorArgumentError(
            f"the seed must be a non-negative integer (got {seed})"
        )
    try:
        first, last = np.datetime64(start, "D"), np.datetime64(end, "D")
    except ValueError as exc:
        raise GeneratorArgumentError(f"start and end must be ISO dates: {exc}") from exc
    if last - first < np.timedelta64(MIN_PERIOD_DAYS, "D"):
        raise GeneratorArgumentError(
            f"end ({end}) must be at least {MIN_PERIOD_DAYS} days after start ({start})"
        )


def prepare_output(out_dir: Path) -> Path:
    """Create the output folder if needed and check that it can be written.

    Args:
        out_dir: Folder the files go to.

    Returns:
        The folder as a :class:`~pathlib.Path`.

    Raises:
        OutputFolderError: If the folder cannot be created or written into.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise OutputFolderError(
            f"the output folder {out} is a file: choose another --out"
        ) from exc
    except OSError as exc:
        raise OutputFolderError(
            f"cannot create the output folder {out} ({exc.strerror}): "
            "choose another --out"
        ) from exc
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise OutputFolderError(
            f"cannot write into the output folder {out} ({exc.strerror}): "
            "choose another --out or fix its permissions"
        ) from exc
    return out
