"""The profile's DuckDB settings reach every connection dbt opens.

`profiles.yml` sets `memory_limit` (env OLIST_DUCKDB_MEMORY_LIMIT, default
4GB) and `preserve_insertion_order: false`; the input checks turn insertion
order on for a moment and restore it. Read from inside a SQL table model,
a Python model and a data test of a copy of the project, run by `dbt build`
on two threads: each must see the profile's values, not DuckDB's defaults
(80% of RAM, insertion order on).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from helpers.projects import copy_project, project_env

SETTINGS = (
    "current_setting('memory_limit') as memory_limit, "
    "current_setting('preserve_insertion_order') as preserve_insertion_order, "
    "current_setting('threads') as threads"
)

#: Table models: a view would read the settings of whoever queries it.
PROBES = {
    "models/marts/zz_settings_sql.sql": (
        "{{ config(materialized='table') }}\nselect " + SETTINGS + "\n"
    ),
    "models/marts/zz_settings_py.py": (
        "def model(dbt, session):\n"
        '    dbt.config(materialized="table")\n'
        f'    return session.sql("select {SETTINGS}")\n'
    ),
    # a data test fails when it returns rows: one row per wrong setting
    "tests/dbt/zz_settings_in_a_test.sql": (
        "select * from (select " + SETTINGS + ") as s\n"
        "where memory_limit <> '1.8 GiB' or preserve_insertion_order\n"
    ),
}


def test_profile_settings_reach_models_and_tests(
    sample_dir: Path, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    for name, text in PROBES.items():
        (project / name).write_text(text, encoding="utf-8")
    warehouse = tmp_path / "settings.duckdb"
    env = {
        **project_env(project),
        "OLIST_DATA_DIR": str(sample_dir),
        "OLIST_DUCKDB_PATH": str(warehouse),
        # not the default, so the values cannot come from anywhere else
        "OLIST_DUCKDB_MEMORY_LIMIT": "2GB",
    }
    dbt = Path(sys.executable).parent / "dbt"
    selected = ["zz_settings_sql", "zz_settings_py", "zz_settings_in_a_test"]
    result = subprocess.run(
        [str(dbt), "build", "--select", *selected]
        + ["--project-dir", str(project), "--profiles-dir", str(project)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # the on-run-start input checks ran first (and switched insertion order)
    assert "passed the file, header, value" in output
    assert "PASS zz_settings_in_a_test" in output
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for model in ("zz_settings_sql", "zz_settings_py"):
            row = con.execute(f"select * from main.{model}").fetchall()
            assert row == [("1.8 GiB", False, 2)], model
        # the reading connection here has DuckDB's defaults: the models
        # stored what their own connection saw
        default = con.execute(f"select {SETTINGS}").fetchall()[0]
        assert default[0] != "1.8 GiB"
    finally:
        con.close()
