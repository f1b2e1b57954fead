"""Progress and status lines: :mod:`logging` to stderr, one format everywhere.

Results (summaries, tables) go to stdout through the command line; what a
long step is doing goes through these loggers to stderr, so a pipe or a
cron mail gets the results without the progress. Colour only on a
terminal, never when ``NO_COLOR`` is set.

The dbt Python models run inside dbt's process, where the command line's
setup does not run: :func:`get_logger` sets the handler up on first use.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

#: The package's root logger; every module logs below it.
ROOT = "olist_segmentation"

_COLOURS = {logging.WARNING: "\033[33m", logging.ERROR: "\033[31m"}
_RESET = "\033[0m"


def use_colour(stream: TextIO) -> bool:
    """Return whether to colour ``stream``: a terminal and no ``NO_COLOR``."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


class _Formatter(logging.Formatter):
    """``[area] message``; warnings and errors say so, in colour on a TTY."""

    def __init__(self, colour: bool) -> None:
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        area = record.name.removeprefix(ROOT).strip(".") or "olist-seg"
        text = f"[{area}] {record.getMessage()}"
        if record.levelno >= logging.WARNING:
            text = f"[{area}] {record.levelname.lower()}: {record.getMessage()}"
            if self.colour:
                text = f"{_COLOURS.get(record.levelno, '')}{text}{_RESET}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _Handler(logging.StreamHandler[TextIO]):
    """The package's stderr handler (marked, so it is added once).

    Without an explicit stream it writes to ``sys.stderr`` as it is at each
    record, so a redirected or captured stderr gets the lines.
    """

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__(stream or sys.stderr)
        self.follow_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        """Write ``record`` (to the current ``sys.stderr`` when following it)."""
        if self.follow_stderr and self.stream is not sys.stderr:
            self.stream = sys.stderr
        super().emit(record)


def setup(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Send the package's log records at ``level`` and above to ``stream``.

    Args:
        level: The lowest level shown (``logging.DEBUG`` with ``-v``).
        stream: Where to write; default ``sys.stderr`` as it is at each record.
    """
    root = logging.getLogger(ROOT)
    root.setLevel(level)
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    handler = _Handler(stream)
    handler.setFormatter(_Formatter(use_colour(stream or sys.stderr)))
    root.addHandler(handler)
    root.propagate = False


def get_logger(name: str) -> logging.Logger:
    """Return the logger of module ``name``, set up when nobody has yet."""
    if not any(isinstance(h, _Handler) for h in logging.getLogger(ROOT).handlers):
        setup()
    return logging.getLogger(name)
