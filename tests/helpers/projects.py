"""A private copy of the dbt project that a test may edit (seeds, vars),
built with ``olist-seg build`` in a subprocess against a copied warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from olist_segmentation.build import PROJECT_DIR

from helpers.builds import Build

#: What a copy of the dbt project needs.
PROJECT_PARTS = (
    "models",
    "macros",
    "seeds",
    "tests/dbt",
    "dbt_project.yml",
    "profiles.yml",
    "selectors.yml",
)


def copy_project(target: Path) -> Path:
    """Copy the dbt project's parts to ``target``; return it."""
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / part)
    return target


def project_env(project: Path) -> dict[str, str]:
    """The copy's own dbt target folder: its partial parse (absolute seed
    paths of the copy) must not land in the session's shared target."""
    return {
        **os.environ,
        "OLIST_PROJECT_DIR": str(project),
        "DBT_TARGET_PATH": str(project / "target"),
    }


def run_build(
    project: Path, data: Path, warehouse: Path, *args: str
) -> subprocess.CompletedProcess:
    """Run ``olist-seg build`` of the copy; return the finished process."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "olist_segmentation.cli",
            "build",
            *args,
            "--data-dir",
            str(data),
            "--warehouse",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=project_env(project),
    )


def query(warehouse: Path, sql: str) -> pd.DataFrame:
    """Run ``sql`` on the warehouse, read-only."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def private_project(sample_build: Build, tmp_path: Path) -> tuple[Path, Path]:
    """A project copy and a copy of the sample build's warehouse."""
    project = copy_project(tmp_path / "project")
    warehouse = tmp_path / "w" / "olist.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(sample_build.warehouse, warehouse)
    return project, warehouse
