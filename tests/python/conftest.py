"""Shared fixtures: a small generated sample and one real dbt build of it."""

from __future__ import annotations

import inspect
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


#: Fixtures that build a warehouse with dbt: a test using one is integration.
INTEGRATION_FIXTURES = frozenset({"sample_build", "stability_build"})
#: Calls that run dbt, a database server, a browser or a child process.
INTEGRATION_CALLS = (
    "run_dbt(",
    "build_or_fail(",
    "cli.main(",
    "subprocess.",
    "engines.",
    "load_and_build(",
    "build_report(",
    "screenshot(",
    "chromium",
)


def _source_runs_something(obj: object, namespace: dict[str, Any], depth: int) -> bool:
    """Whether ``obj``'s source, or a module function it calls, runs something."""
    try:
        source = inspect.getsource(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
    if any(call in source for call in INTEGRATION_CALLS):
        return True
    if depth == 0:
        return False
    return any(
        _source_runs_something(value, namespace, depth - 1)
        for name, value in namespace.items()
        if inspect.isfunction(value)
        and value is not obj
        and f"{name}(" in source
        and value.__module__ == namespace.get("__name__")
    )


def _runs_something_real(item: pytest.Item) -> bool:
    """Whether ``item`` builds with dbt, starts a browser or a process.

    Looks at the test, the fixtures it uses and the module's own functions
    they call (three levels deep).
    """
    if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    function = getattr(item, "function", None)
    if function is None:
        return False
    namespace = function.__globals__
    if _source_runs_something(function, namespace, 3):
        return True
    fixture_info = getattr(item, "_fixtureinfo", None)
    definitions = getattr(fixture_info, "name2fixturedefs", {})
    return any(
        _source_runs_something(definition.func, definition.func.__globals__, 3)
        for defs in definitions.values()
        for definition in defs
        if definition.func.__module__ not in ("conftest",)
        or definition.argname in INTEGRATION_FIXTURES
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that run dbt, a server, a browser or a process ``integration``.

    ``make test-fast`` (``pytest -m "not integration"``) runs the rest in
    seconds; ``make test`` runs everything. A test marked by hand keeps it.
    """
    for item in items:
        if item.get_closest_marker("integration") is None and (
            _runs_something_real(item)
            or item.get_closest_marker("postgres")
            or item.get_closest_marker("spark")
        ):
            item.add_marker(pytest.mark.integration)
