"""The test suite's layout, its kinds and the warehouses shared by a session.

Each folder is one kind of test, marked here and nowhere else (markers are
declared in pyproject.toml):

- ``unit/``: no dbt, no server, no browser, no child process (seconds);
- ``integration/``: real dbt builds, ``olist-seg`` processes, the browser;
- ``postgres/`` and ``spark/``: the same project built on those engines;
- ``real_data/``: the real Kaggle download (``OLIST_REAL_DATA_DIR``).

Warehouses that tests only read are built once per session, whichever
pytest-xdist worker asks first (:mod:`helpers.builds`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from olist_segmentation.build import find_project_dir
from olist_segmentation.generate import generate

# the shared assertions report their operands as a test's own do
pytest.register_assert_rewrite("helpers")

from helpers.builds import (  # noqa: E402
    EARLY,
    EARLY_AS_OF_DATE,
    STABILITY_VARS,
    Build,
    StabilityBuild,
    build_or_fail,
    made_once,
    private_copy,
    run_dbt,
    session_root,
    shared_build,
)
from helpers.input_checks import InputChecks  # noqa: E402

SAMPLE_ORDERS = 3000
SAMPLE_SEED = 7
#: The folder of each kind of test, and its marker.
KINDS = {
    "unit": "unit",
    "integration": "integration",
    "postgres": "postgres",
    "spark": "spark",
    "real_data": "real_data",
    "benchmark": "benchmark",
}
TESTS = Path(__file__).resolve().parent
#: Shared builds made first, before any test, dealt round-robin to the
#: workers (the i-th goes to worker i modulo their number): the workers build
#: different ones side by side instead of waiting for each other. Only those
#: the selected tests use are made.
WARM_UP = ("sample_build", "stability_build", "early_build", "sample_rebuild")
USED_FIXTURES = pytest.StashKey[set[str]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the kind of the folder it stands in."""
    for item in items:
        kind = Path(item.path).resolve().relative_to(TESTS).parts[0]
        if kind not in KINDS:
            raise pytest.UsageError(
                f"{item.nodeid}: tests live in one of tests/{{{','.join(KINDS)}}}/"
            )
        item.add_marker(KINDS[kind])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember the fixtures the selected tests use (for the warm-up)."""
    used: set[str] = set()
    for item in session.items:
        used.update(getattr(item, "fixturenames", ()))
    session.config.stash[USED_FIXTURES] = used


@pytest.fixture(scope="session", autouse=True)
def _warm_up_shared_builds(request: pytest.FixtureRequest) -> None:
    """Make this worker's share of WARM_UP before its first test."""
    used = request.config.stash.get(USED_FIXTURES, set())
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw"))
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    for position, name in enumerate(WARM_UP):
        if name in used and position % count == index:
            request.getfixturevalue(name)


def pytest_configure(config: pytest.Config) -> None:
    """Give each process its own dbt target and log folders.

    Two xdist workers running dbt at once must not share ``target/``
    (manifest, partial-parse state, run results) nor ``logs/dbt.log``.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    project = find_project_dir()
    os.environ["DBT_TARGET_PATH"] = str(project / "target" / f"pytest-{worker}")
    os.environ["DBT_LOG_PATH"] = str(project / "logs" / f"pytest-{worker}")


@pytest.fixture(scope="session")
def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder all workers of this session share (see helpers.builds)."""
    return session_root(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def sample_dir(shared_root: Path) -> Path:
    """A generated sample of the nine CSVs (read-only for tests)."""
    return made_once(
        shared_root / "sample",
        lambda out: generate(out, n_orders=SAMPLE_ORDERS, seed=SAMPLE_SEED),
    )


@pytest.fixture()
def sample_copy(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(sample_dir, target, ignore=shutil.ignore_patterns(".complete"))
    return target


@pytest.fixture(scope="session")
def input_checks(sample_dir: Path) -> InputChecks:
    """The build's input checks, in this process, on a manifest parsed once."""
    return InputChecks(sample_dir)


@pytest.fixture(scope="session")
def sample_build(sample_dir: Path, shared_root: Path) -> Build:
    """One `dbt build` of the sample, then `make drift`'s monitoring models.

    Read-only: shared by every test of the session.
    """
    return shared_build(
        shared_root,
        "sample_build",
        sample_dir,
        lambda data, warehouse: build_or_fail(data, warehouse, monitoring=True),
    )


@pytest.fixture(scope="session")
def sample_rebuild(sample_dir: Path, shared_root: Path) -> Build:
    """A second build of the sample, as `sample_build`, into a new warehouse
    (for the tests that a rebuild gives identical tables). Read-only."""
    return shared_build(
        shared_root,
        "sample_rebuild",
        sample_dir,
        lambda data, warehouse: build_or_fail(data, warehouse, monitoring=True),
    )


@pytest.fixture(scope="session")
def early_build(sample_dir: Path, shared_root: Path) -> Build:
    """A build (and its model trained) as of EARLY. Read-only: tests that
    build on top of it take a :func:`private_copy`."""
    return shared_build(
        shared_root,
        "early_build",
        sample_dir,
        lambda data, warehouse: build_or_fail(data, warehouse, as_of_date=EARLY),
    )


@pytest.fixture(scope="session")
def stability_build(sample_dir: Path, shared_root: Path) -> StabilityBuild:
    """Train at EARLY_AS_OF_DATE, keep a copy, then `make stability` later.

    Read-only: shared by every test of the session.
    """
    early = shared_build(
        shared_root,
        "stability_early",
        sample_dir,
        lambda data, warehouse: build_or_fail(
            data, warehouse, as_of_date=EARLY_AS_OF_DATE
        ),
    )

    def simulate(data: Path, warehouse: Path) -> Build:
        start = private_copy(early, warehouse.parent)
        result = run_dbt(
            ["build", "--selector", "stability"],
            data,
            start.warehouse,
            STABILITY_VARS,
            capture=True,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-5000:]
        return Build(data, start.warehouse, output)

    later = shared_build(shared_root, "stability_build", sample_dir, simulate)
    return StabilityBuild(later, early)
