"""The phased build: dbt phases, and the project's Python models between them.

dbt-postgres has no Python models, and dbt-spark submits them to Databricks
only, so a build on those engines runs in phases: dbt builds the SQL models
whose inputs exist, then this module runs the project's own Python model
files (``models/**/*.py``, unchanged) against the warehouse, then dbt
builds what depends on them, and so on. A Python model gets the same
``dbt`` and ``session`` objects it uses on DuckDB
(``dbt.ref(...).order(...).df()``, ``dbt.config.get``, ``dbt.is_incremental``,
``dbt.this``, ``session.execute(...).fetchall()/.df()``).

What an engine provides is a :class:`Backend` (run dbt, list the selected
models) whose ``session`` is a :class:`ModelSession` (read and write
frames); :mod:`olist_segmentation.postgres_engine` and
:mod:`olist_segmentation.spark_engine` hold the two.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from olist_segmentation.errors import OlistError


class EngineError(OlistError):
    """The target engine is unreachable, or a load or build on it failed."""


class ModelSession(Protocol):
    """What the Python model runner needs of an engine's connection."""

    def read(self, sql: str) -> pd.DataFrame:
        """Return the rows of ``sql`` as DuckDB would give them to pandas."""
        ...

    def write(self, relation: str, frame: pd.DataFrame, append: bool) -> int:
        """Create (or append to) ``relation`` with ``frame``'s rows."""
        ...

    def exists(self, relation: str) -> bool:
        """Whether ``relation`` exists."""
        ...


class Backend(Protocol):
    """An engine the phased build runs on: dbt, and a session for the models."""

    @property
    def session(self) -> ModelSession:
        """The connection the Python models read and write through."""
        ...

    def models(self, selector: str, dbt_vars: dict[str, object] | None) -> set[str]:
        """Return the names of the models ``selector`` selects."""
        ...

    def dbt(self, args: list[str], dbt_vars: dict[str, object] | None) -> bool:
        """Run a dbt command on the engine; whether it succeeded."""
        ...

    #: What a failed build leaves, for its error message.
    failure_note: str

    def prepare(
        self,
        manifest: dict[str, Any],
        selected: set[str],
        progress: Callable[[str], None],
    ) -> None:
        """Before the first phase: e.g. create the set of schemas it writes."""
        ...

    def publish(self, progress: Callable[[str], None]) -> None:
        """After every model and test passed: serve what the build wrote."""
        ...

    def discard(self) -> None:
        """After a failure: drop what the build wrote, where it can."""
        ...

    def rollback(self) -> None:
        """Undo what a failed Python model half wrote, where the engine can."""
        ...

    def close(self) -> None:
        """Release the engine's connection."""
        ...


class QueryResult:
    """The result of ``session.execute``: ``fetchall()`` or ``df()``."""

    def __init__(self, session: ModelSession, sql: str) -> None:
        """Hold the query; it runs when read."""
        self.session = session
        self.sql = sql

    def df(self) -> pd.DataFrame:
        """Return the rows as a DataFrame (DuckDB's types)."""
        return self.session.read(self.sql)

    def fetchall(self) -> list[tuple[Any, ...]]:
        """Return the rows as tuples."""
        return list(self.df().itertuples(index=False, name=None))


# -- what a Python model calls `dbt` ------------------------------------------


class Relation:
    """``dbt.ref(name)``: a relation a model orders and reads."""

    def __init__(self, session: ModelSession, name: str, order_by: str = "") -> None:
        """Point at a relation (quoted name) of the warehouse."""
        self.session = session
        self.name = name
        self.order_by = order_by

    def order(self, columns: str) -> Relation:
        """Return the same relation, read in the order of ``columns``."""
        return Relation(self.session, self.name, columns)

    def df(self) -> pd.DataFrame:
        """Read the relation (in its order, when one was given)."""
        sql = f"select * from {self.name}"
        if self.order_by:
            sql += f" order by {self.order_by}"
        return self.session.read(sql)


class ModelConfig:
    """``dbt.config``: callable (ignored: the manifest has it) with ``get``."""

    def __init__(self, config: dict[str, Any]) -> None:
        """Hold the node's config from the manifest."""
        self._config = config

    def __call__(self, **_kwargs: object) -> None:
        """``dbt.config(materialized=...)`` inside a model: already applied."""

    def get(self, key: str, default: object = None) -> object:
        """Return a config value (vars already rendered by dbt's parser)."""
        return self._config.get(key, default)


@dataclass
class ModelContext:
    """The ``dbt`` object of one Python model run outside dbt."""

    session: ModelSession
    node: dict[str, Any]
    relations: dict[str, str]

    @property
    def config(self) -> ModelConfig:
        """The node's config."""
        return ModelConfig(self.node["config"])

    @property
    def this(self) -> str:
        """The model's own relation."""
        return str(self.node["relation_name"])

    @property
    def is_incremental(self) -> bool:
        """Incremental and already built, as in dbt."""
        return self.node["config"].get(
            "materialized"
        ) == "incremental" and self.session.exists(self.this)

    def ref(self, name: str) -> Relation:
        """Return the relation of model ``name``."""
        if name not in self.relations:
            raise EngineError(f"{self.node['name']}: ref('{name}') is not a model.")
        return Relation(self.session, self.relations[name])


def run_python_model(
    session: ModelSession,
    node: dict[str, Any],
    relations: dict[str, str],
    project_dir: Path,
) -> int:
    """Run one of the project's Python model files; write its result.

    Returns:
        The rows written (appended, for an incremental model).
    """
    path = project_dir / node["original_file_path"]
    spec = importlib.util.spec_from_file_location(f"olist_model_{node['name']}", path)
    if spec is None or spec.loader is None:
        raise EngineError(f"Cannot load the Python model {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = ModelContext(session, node, relations)
    append = context.is_incremental
    frame: pd.DataFrame = module.model(context, session)
    if append and frame.empty:
        return 0
    return session.write(context.this, frame, append=append)


# -- the plan -----------------------------------------------------------------


@dataclass
class Plan:
    """Batches of SQL models, each followed by the Python models it feeds."""

    batches: list[tuple[list[str], list[str]]]
    nodes: dict[str, dict[str, Any]]

    def describe(self) -> str:
        """One line per batch: its SQL model count and its Python models."""
        return "\n".join(
            f"  phase {i + 1}: {len(sql)} SQL models, then "
            f"{', '.join(py) if py else 'no Python model'}"
            for i, (sql, py) in enumerate(self.batches)
        )


def build_plan(manifest: dict[str, Any], selected: set[str]) -> Plan:
    """Order the selected models into SQL batches and Python runs.

    A SQL model goes into the first batch after every Python model it
    depends on (directly or not); a Python model runs right after the batch
    that completes its inputs.
    """
    models = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["name"] in selected
    }
    parents = {
        name: [
            manifest["nodes"][p]["name"]
            for p in node["depends_on"]["nodes"]
            if p in manifest["nodes"]
            and manifest["nodes"][p]["resource_type"] == "model"
            and manifest["nodes"][p]["name"] in models
        ]
        for name, node in models.items()
    }
    level: dict[str, int] = {}

    def level_of(name: str) -> int:
        if name not in level:
            node = models[name]
            found = 0
            is_python = node["language"] == "python"
            for parent in parents[name]:
                parent_level = level_of(parent)
                if models[parent]["language"] == "python" and not is_python:
                    # a Python parent of level k ran after batch k: next batch
                    found = max(found, parent_level + 1)
                else:
                    # SQL parents, and Python parents of a Python model (run
                    # in order after the same batch)
                    found = max(found, parent_level)
            level[name] = found
        return level[name]

    for name in models:
        level_of(name)
    depth = max(level.values(), default=0)
    batches: list[tuple[list[str], list[str]]] = []
    order = _topological(models, parents)
    for k in range(depth + 1):
        sql = sorted(
            n for n in models if level[n] == k and models[n]["language"] == "sql"
        )
        python = [
            n for n in order if level[n] == k and models[n]["language"] == "python"
        ]
        batches.append((sql, python))
    return Plan(batches, models)


def _topological(
    models: dict[str, dict[str, Any]], parents: dict[str, list[str]]
) -> list[str]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for parent in sorted(parents[name]):
            visit(parent)
        done.append(name)

    for name in sorted(models):
        visit(name)
    return done


# -- running it ---------------------------------------------------------------


@contextmanager
def timed(label: str, progress: Callable[[str], None]) -> Iterator[None]:
    """Report ``label`` with the seconds the block took, once it is done."""
    started = time.perf_counter()
    yield
    progress(f"{label} ({time.perf_counter() - started:.1f} s)")


def target_path(project: Path) -> Path:
    """Return dbt's target folder.

    That is env ``DBT_TARGET_PATH`` (what dbt reads; relative to the
    project), else ``<project>/target``.
    """
    return project / os.environ.get("DBT_TARGET_PATH", "target")


def run_build(
    backend: Backend,
    target: str,
    selector: str,
    dbt_vars: dict[str, object] | None,
    project: Path,
    progress: Callable[[str], None],
) -> None:
    """Build ``selector`` on ``backend`` in phases, then run its tests.

    The backend prepares the build (on PostgreSQL: the staging schemas),
    and publishes it only when every model and test passed; after a failure
    it discards what the build wrote, where it can.

    Raises:
        EngineError: dbt or a Python model failed; ``backend.failure_note``
            says what the failed build left.
    """
    selected = backend.models(selector, dbt_vars)
    manifest = json.loads((target_path(project) / "manifest.json").read_text())
    plan = build_plan(manifest, selected)
    progress(f"Build on {target} ({selector}) in {len(plan.batches)} phases:")
    progress(plan.describe())
    relations = {
        n["name"]: n["relation_name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed") and n.get("relation_name")
    }
    backend.prepare(manifest, selected, progress)
    try:
        _run_plan(
            backend, plan, relations, target, selector, dbt_vars, project, progress
        )
    except BaseException:
        try:
            backend.discard()
        except Exception as error:  # noqa: BLE001 - the build's error comes first
            progress(f"note: could not drop what the failed build wrote: {error}")
        raise
    backend.publish(progress)


def _run_plan(
    backend: Backend,
    plan: Plan,
    relations: dict[str, str],
    target: str,
    selector: str,
    dbt_vars: dict[str, object] | None,
    project: Path,
    progress: Callable[[str], None],
) -> None:
    """Run the phases of ``plan``, then every selected test."""

    def phase_vars(phase: int) -> dict[str, object] | None:
        # The first phase checks that the frozen model fits the data
        # (on-run-start); later phases would see the fit of this very build
        # half written (a new version before its fingerprint), so skip it.
        if phase == 0:
            return dbt_vars
        return {**(dbt_vars or {}), "segment_fit_checked": True}

    for i, (sql, python) in enumerate(plan.batches):
        if sql:
            with timed(f"phase {i + 1}: dbt run of {len(sql)} models", progress):
                if i == 0 and not backend.dbt(["seed"], dbt_vars):
                    raise EngineError(f"dbt seed failed on {target}.")
                ok = backend.dbt(["run", "--select", *sql], phase_vars(i))
            if not ok:
                raise EngineError(
                    f"dbt failed in phase {i + 1} on {target}; the output "
                    f"above names the model. {backend.failure_note}"
                )
        for name in python:
            with timed(f"phase {i + 1}: Python model {name}", progress):
                try:
                    run_python_model(
                        backend.session, plan.nodes[name], relations, project
                    )
                except OlistError:
                    raise
                except Exception as error:
                    backend.rollback()
                    raise EngineError(
                        f"Python model {name} failed on {target}: "
                        f"{type(error).__name__}: {error}. {backend.failure_note}"
                    ) from error
    with timed("dbt test of every selected model", progress):
        ok = backend.dbt(["test", "--selector", selector], phase_vars(1))
    if not ok:
        raise EngineError(
            f"dbt test failed on {target}: the output above names the test. "
            f"{backend.failure_note}"
        )
