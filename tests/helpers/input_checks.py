"""The build's input checks, run in the test process without a build.

``dbt build`` starts with the on-run-start hooks ``validate_project_vars``
and ``validate_olist_sources``; the project's macro ``check_olist_inputs``
runs the same two, with the same messages, on any data folder. Here it runs
through dbt's Python API (``dbtRunner``) on a manifest parsed once, so a
case costs the checks themselves (well under a second on the test sample)
instead of a process start, a parse and a build (5-9 s).

Every family of cases also keeps at least one case that goes through
``olist-seg build``/``dbt build`` end to end and proves the served warehouse
is unchanged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner

from olist_segmentation.build import find_project_dir


@dataclass(frozen=True)
class Checked:
    """What the checks said: whether they passed, and everything dbt logged."""

    passed: bool
    output: str


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class InputChecks:
    """Runs ``check_olist_inputs`` in process, on a manifest parsed once."""

    def __init__(self, data_dir: Path) -> None:
        """Parse the project (``data_dir`` is any folder of the nine CSVs)."""
        self.project = find_project_dir()
        with self._env(data_dir):
            parsed = dbtRunner().invoke(["parse", "--quiet", *self._paths()])
        assert parsed.success, parsed.exception
        self.manifest = parsed.result

    def _paths(self) -> list[str]:
        project = str(self.project)
        return ["--project-dir", project, "--profiles-dir", project]

    @staticmethod
    def _env(data_dir: Path) -> Any:  # noqa: ANN401 - a context manager
        # the checks read CSV files only: no warehouse file is opened
        return _environment(
            OLIST_DATA_DIR=str(data_dir),
            OLIST_DUCKDB_PATH=":memory:",
            DO_NOT_TRACK="1",
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
            DBT_USE_COLORS="false",
        )

    def run(self, data_dir: Path, dbt_vars: dict[str, object] | None = None) -> Checked:
        """Check ``data_dir`` (and the project vars ``dbt_vars``)."""
        lines: list[str] = []

        def collect(event: Any) -> None:  # noqa: ANN401 - dbt's EventMsg
            lines.append(event.info.msg)

        arguments = [
            "run-operation",
            "check_olist_inputs",
            "--args",
            json.dumps({"data_dir": str(data_dir)}),
            *self._paths(),
        ]
        if dbt_vars:
            arguments += ["--vars", json.dumps(dbt_vars)]
        with self._env(data_dir):
            result = dbtRunner(manifest=self.manifest, callbacks=[collect]).invoke(
                arguments
            )
        if result.exception is not None:
            lines.append(str(result.exception))
        return Checked(bool(result.success), "\n".join(lines))
