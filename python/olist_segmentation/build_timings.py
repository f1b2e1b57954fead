"""Wall-clock marks of one ``olist-seg build``, written beside dbt's artifacts.

Every DuckDB ``olist-seg build`` writes ``olist_build_timings.json`` into
dbt's target folder (``DBT_TARGET_PATH``, else ``target/`` of the project),
next to the ``run_results.json`` of the same build. dbt's file times every
node and hook; this one times what happens outside dbt, so the two together
account for the whole command (``make benchmark`` reads both,
:mod:`olist_segmentation.benchmark_phases`). The file is small::

    {"version": 1, "command": "build", "exit_code": 0,
     "marks": {"command_start": 1765110000.12, "work_copy_ready": ..., ...}}

Marks are Unix times (seconds, the clock dbt's timestamps use), in order:

* ``command_start``: the build command starts (imports and click done);
* ``work_copy_ready``: the lock is held and the working copy made;
* ``dbt_start`` / ``dbt_end``: the dbt process is started / has exited;
* ``parquet_end``: the public tables are written as Parquet (success only);
* ``publish_end``: the served file is replaced (success only);
* ``summary_end``: the summary is printed (success only).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from olist_segmentation.log import get_logger

LOG = get_logger(__name__)

#: The file name, in dbt's target folder.
TIMINGS_FILE = "olist_build_timings.json"
#: The marks a successful build writes, in the order they happen.
MARKS = (
    "command_start",
    "work_copy_ready",
    "dbt_start",
    "dbt_end",
    "parquet_end",
    "publish_end",
    "summary_end",
)


@dataclass
class BuildClock:
    """The marks of one build, by name (Unix seconds)."""

    marks: dict[str, float] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        """Record that ``name`` (one of :data:`MARKS`) happens now."""
        self.marks[name] = time.time()

    def write(self, folder: Path, exit_code: int) -> Path | None:
        """Write the marks as ``folder/olist_build_timings.json``.

        Returns:
            The file, or ``None`` when it could not be written (a warning
            says why; the build's result does not depend on it).
        """
        path = folder / TIMINGS_FILE
        document = {
            "version": 1,
            "command": "build",
            "exit_code": exit_code,
            "marks": self.marks,
        }
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        except OSError as error:
            LOG.warning("Build timings not written to %s: %s", path, error)
            return None
        return path


def dbt_target_dir(project: Path) -> Path:
    """Return the folder dbt writes its artifacts to for ``project``.

    ``DBT_TARGET_PATH`` when set (relative to the project), else the
    project's ``target-path``, ``target``.
    """
    return project / os.environ.get("DBT_TARGET_PATH", "target")
