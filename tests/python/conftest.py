"""Shared fixtures: a small generated sample and one real dbt build of it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olist_segmentation.build import run_dbt
from olist_segmentation.generate import generate

SAMPLE_ORDERS = 3000
SAMPLE_SEED = 7


@dataclass
class Build:
    """A finished dbt build: where its data came from and where it went."""

    data_dir: Path
    warehouse: Path
    output: str

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` on the warehouse (read-only) and return a DataFrame."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql).df()
        finally:
            con.close()


def build_or_fail(
    data_dir: Path, warehouse: Path, monitoring: bool = False, **dbt_vars: object
) -> Build:
    """Run ``dbt build``; fail the test with dbt's output when it fails.

    With ``monitoring``, also run the lift backtest and the drift check
    (``dbt build --selector monitoring``, what ``make drift`` does).
    """
    result = run_dbt(["build"], data_dir, warehouse, dbt_vars or None, capture=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    if monitoring:
        result = run_dbt(
            ["build", "--selector", "monitoring"],
            data_dir,
            warehouse,
            dbt_vars or None,
            capture=True,
        )
        output += result.stdout + result.stderr
        assert result.returncode == 0, output[-5000:]
    return Build(data_dir, warehouse, output)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated sample of the nine CSVs (read-only for tests)."""
    out = tmp_path_factory.mktemp("sample")
    generate(out, n_orders=SAMPLE_ORDERS, seed=SAMPLE_SEED)
    return out


@pytest.fixture()
def sample_copy(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(sample_dir, target)
    return target


@pytest.fixture(scope="session")
def sample_build(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """One `dbt build` of the sample, then `make drift`'s monitoring models."""
    warehouse = tmp_path_factory.mktemp("warehouse") / "olist.duckdb"
    return build_or_fail(sample_dir, warehouse, monitoring=True)


#: The refresh-interval simulation of the test sample: short, to stay fast.
STABILITY_VARS = {
    "stability_start_dates": ["2017-06-05", "2017-09-04", "2017-12-04", "2018-03-05"],
    "stability_horizon_weeks": 6,
}
#: The as-of date the `stability_build` model is trained at (a start date).
EARLY_AS_OF_DATE = "2017-12-04"


@dataclass
class StabilityBuild:
    """A warehouse whose model was trained early, then rebuilt with the
    refresh-interval simulation at the latest date (so the drift check
    must say a refit is due)."""

    build: Build
    early: Build


@pytest.fixture(scope="session")
def stability_build(
    sample_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> StabilityBuild:
    """Train at EARLY_AS_OF_DATE, keep a copy, then `make stability` later."""
    root = tmp_path_factory.mktemp("stability")
    warehouse = root / "olist.duckdb"
    early = build_or_fail(sample_dir, warehouse, as_of_date=EARLY_AS_OF_DATE)
    snapshot = root / "early.duckdb"
    shutil.copy(warehouse, snapshot)
    result = run_dbt(
        ["build", "--selector", "stability"],
        sample_dir,
        warehouse,
        STABILITY_VARS,
        capture=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return StabilityBuild(
        Build(sample_dir, warehouse, output),
        Build(sample_dir, snapshot, early.output),
    )
