"""A marketer's segment names, descriptions and actions (seed
segment_overrides) replace the model's everywhere, and survive a refit."""

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


def _copy_project(target: Path) -> Path:
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / part)
    return target


def _build(project: Path, data: Path, warehouse: Path, *args: str) -> str:
    result = subprocess.run(
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
        env={**os.environ, "OLIST_PROJECT_DIR": str(project)},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _query(warehouse: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_an_override_renames_everywhere_and_survives_a_refit(
    sample_build: Build, tmp_path: Path
) -> None:
    project = _copy_project(tmp_path / "project")
    warehouse = tmp_path / "w" / "olist.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(sample_build.warehouse, warehouse)
    before = _query(
        warehouse,
        "select d.segment_name, d.description, d.recommended_action, count(*) as n "
        "from main.segment_definitions d join main.customer_segments s "
        "using (model_version, segment_id) group by all order by n desc",
    ).iloc[0]
    (project / "seeds" / "segment_overrides.csv").write_text(
        "segment_name,new_name,description,recommended_action\n"
        f'"{before.segment_name}",VIP buyers,,"Call them, personally"\n'
    )

    output = _build(project, sample_build.data_dir, warehouse)

    after = _query(
        warehouse,
        "select * from main.segment_definitions where model_segment_name = "
        "$name order by model_version desc limit 1".replace(
            "$name", "'" + before.segment_name.replace("'", "''") + "'"
        ),
    ).iloc[0]
    assert after.segment_name == "VIP buyers" and after.is_overridden
    assert after.description == before.description  # blank field: kept
    assert after.recommended_action == "Call them, personally"
    scored = _query(
        warehouse,
        "select count(*) as n from main.customer_segments "
        "where segment_name = 'VIP buyers'",
    )
    assert scored.n.iloc[0] == before.n
    assert "VIP buyers" in output  # the summary shows the marketer's name

    _build(project, sample_build.data_dir, warehouse, "--refit")
    latest = _query(
        warehouse,
        "select d.segment_name, d.model_version, count(*) as n "
        "from main.customer_segments s join main.segment_definitions d "
        "using (model_version, segment_id) group by all",
    )
    assert latest.model_version.nunique() == 1 and latest.model_version.iloc[0] == 2
    assert "VIP buyers" in set(latest.segment_name)
