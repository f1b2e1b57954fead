"""Atomic publication on PostgreSQL: build in staging schemas, swap them in.

No build writes the *served* schemas (``main``, ``staging``,
``intermediate``, ``reference``). A build takes the build lock (a
session-level advisory lock, released by the server when the build's
connection ends, kill -9 included); drops what a killed build left
(``<schema>__build``, ``<schema>__previous``); creates ``<schema>__build``
per served schema and copies in what it reads but does not rebuild (the
incremental models: frozen model versions, segment history; the parents of
selected models it does not build); runs dbt and the Python models there
(var ``olist_schema_suffix``, see ``macros/generate_schema_name.sql``).

Only when every model and test passed, ONE transaction locks the served
relations (``ACCESS EXCLUSIVE ... NOWAIT``, retried: it never deadlocks
with a reader), moves the served tables the build did not touch into the
new set, recreates there the served views it did not build, renames each
served schema to ``<schema>__previous`` and each staging schema to the
served name, and commits; the previous set is dropped afterwards. Readers
see the old set or the new one, never a mix. A view binds to its tables by
OID, so views dbt built in the staging set keep reading their own set.
See DECISIONLOG.md, "PostgreSQL: build in staging schemas".
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from olist_segmentation.phased_build import EngineError
from olist_segmentation.postgres_catalog import (
    copy_comment,
    copy_schema_grants,
    quote,
    view_dependencies,
)

#: Suffix of the schemas a build writes (``main__build``, ...).
STAGING_SUFFIX = "__build"
#: Suffix of the served set while it is replaced, until dropped.
PREVIOUS_SUFFIX = "__previous"
#: The dbt var ``macros/generate_schema_name.sql`` appends to every schema.
SCHEMA_SUFFIX_VAR = "olist_schema_suffix"
#: The advisory lock of a build (two int4 keys: "OLIS", "SEG").
LOCK_KEYS = (0x4F4C4953, 0x534547)
#: PostgreSQL truncates longer identifiers.
MAX_IDENTIFIER = 63
#: How long the swap tries to lock the served relations (seconds; env
#: ``OLIST_PG_SWAP_TIMEOUT``) before it gives up and leaves them served.
SWAP_TIMEOUT_S = 300.0
#: How long dropping the previous set waits for readers still on it.
DROP_LOCK_TIMEOUT = "60s"
#: Tests only: seconds to hold the swap transaction open before its commit
#: (to kill the build inside it). Unset in normal use.
SWAP_HOLD_ENV = "OLIST_TEST_PG_SWAP_HOLD"
#: Relation kinds moved with ``ALTER TABLE ... SET SCHEMA`` (tables,
#: partitioned, foreign, materialised views) and recreated (views).
_TABLE_KINDS = {
    "r": "table",
    "p": "table",
    "f": "foreign table",
    "m": "materialized view",
}
_VIEW_KIND = "v"


def staging_schema(served: str) -> str:
    """Return the staging schema a build writes instead of ``served``."""
    return served + STAGING_SUFFIX


def previous_schema(served: str) -> str:
    """Return the name the served schema ``served`` gets while it is replaced."""
    return served + PREVIOUS_SUFFIX


def served_schema(schema: str) -> str:
    """Return the served name of a staging schema (itself when not one)."""
    return schema.removesuffix(STAGING_SUFFIX)


@dataclass(frozen=True)
class BuildSet:
    """What one build writes and reads, from the manifest (staging names).

    Attributes:
        served: The project's served schemas (of every model and seed).
        rebuilt: ``(served schema, name)`` of the relations this build
            creates from scratch: the selected non-incremental models and
            every seed (phase 1 seeds them all).
        carried: ``(served schema, name)`` the build reads from the served
            set: the incremental models (they append to their last
            contents) and the parents of selected models it does not build.
    """

    served: tuple[str, ...]
    rebuilt: frozenset[tuple[str, str]]
    carried: frozenset[tuple[str, str]]

    @classmethod
    def from_manifest(
        cls,
        manifest: dict[str, Any],
        selected: set[str],
        suffix: str = STAGING_SUFFIX,
    ) -> BuildSet:
        """Read the sets of a manifest compiled with the schema suffix ``suffix``.

        Raises:
            EngineError: A staging or previous schema name would exceed
                PostgreSQL's 63 characters.
        """
        nodes = {
            key: node
            for key, node in manifest["nodes"].items()
            if node["resource_type"] in ("model", "seed")
        }

        def name(node: dict[str, Any]) -> tuple[str, str]:
            served = str(node["schema"]).removesuffix(suffix)
            return served, node.get("alias") or node["name"]

        served = sorted({name(node)[0] for node in nodes.values()})
        longest = max(
            served, key=lambda s: len(previous_schema(s).encode()), default=""
        )
        if len(previous_schema(longest).encode()) > MAX_IDENTIFIER:
            raise EngineError(
                f"Schema {longest!r}: its build copy {previous_schema(longest)!r} "
                f"is longer than PostgreSQL's {MAX_IDENTIFIER} characters. Fix: "
                "give the models a shorter schema (+schema in dbt_project.yml)."
            )
        chosen = {k for k, n in nodes.items() if n["name"] in selected}

        def incremental(node: dict[str, Any]) -> bool:
            return node["config"].get("materialized") == "incremental"

        rebuilt = {
            name(n)
            for k, n in nodes.items()
            if n["resource_type"] == "seed" or (k in chosen and not incremental(n))
        }
        carried = {name(n) for n in nodes.values() if incremental(n)}
        for key in chosen:
            for parent in nodes[key]["depends_on"]["nodes"]:
                if parent in nodes and name(nodes[parent]) not in rebuilt:
                    carried.add(name(nodes[parent]))
        return cls(tuple(served), frozenset(rebuilt), frozenset(carried - rebuilt))


@dataclass(frozen=True)
class _Relation:
    oid: int
    schema: str
    name: str
    kind: str

    @property
    def sql(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"


class Publication:
    """The staging set of one build on a psycopg2 connection, and its swap."""

    def __init__(self, connection: Any, progress: Callable[[str], None]) -> None:
        """Use ``connection`` (the build's own: it holds the build lock)."""
        self.connection = connection
        self.progress = progress
        self.build_set: BuildSet | None = None

    # -- the lock -------------------------------------------------------------

    def lock(self, command: str) -> None:
        """Take the build lock for this connection's lifetime.

        Raises:
            EngineError: Another build holds it; the message names it.
        """
        with self.connection.cursor() as cursor:
            cursor.execute("select pg_try_advisory_lock(%s, %s)", LOCK_KEYS)
            locked = cursor.fetchone()[0]
            if not locked:
                cursor.execute(
                    "select a.pid, a.application_name, a.backend_start::text, "
                    "coalesce(a.client_addr::text, 'local') "
                    "from pg_locks as l join pg_stat_activity as a using (pid) "
                    "where l.locktype = 'advisory' and l.granted "
                    "and l.classid = %s and l.objid = %s and l.objsubid = 2",
                    LOCK_KEYS,
                )
                row = cursor.fetchone() or ("?", "?", "?", "?")
                self.connection.rollback()
                raise EngineError(
                    f"{command}: another build or load is writing this "
                    "PostgreSQL database "
                    f"({row[1] or 'unknown program'}, server process {row[0]}, "
                    f"from {row[3]}, connected {row[2]}). Wait for it to finish, "
                    "or stop it: the served schemas stay readable meanwhile and "
                    "keep the last complete build."
                )
            cursor.execute(
                "select set_config('application_name', %s, false)",
                (f"{command} (PID {os.getpid()})"[:63],),
            )
        self.connection.commit()

    # -- before the build -----------------------------------------------------

    def prepare(self, build_set: BuildSet) -> None:
        """Drop a killed build's leftovers, create the staging set, copy state."""
        self.build_set = build_set
        with self.connection.cursor() as cursor:
            existing = self._schemas(cursor)
            leftovers = [
                schema
                for served in build_set.served
                for schema in (staging_schema(served), previous_schema(served))
                if schema in existing
            ]
            for schema in leftovers:
                cursor.execute(f"drop schema {quote(schema)} cascade")
            for served in build_set.served:
                cursor.execute(f"create schema {quote(staging_schema(served))}")
                if served in existing:
                    copy_schema_grants(cursor, served, staging_schema(served))
        self.connection.commit()
        if leftovers:
            self.progress(
                "Dropped the schemas an unfinished build left: "
                + ", ".join(leftovers)
                + " (the served schemas were not touched by it)."
            )
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            relations = {(r.schema, r.name): r for r in self._relations(cursor)}
            copied: list[str] = []
            for key in sorted(build_set.carried):
                if key in relations:
                    self._carry(cursor, relations[key], relations, copied)
        self.connection.commit()
        if copied:
            self.progress(
                f"Copied {len(copied)} relations the build reads into the staging "
                f"schemas ({time.perf_counter() - started:.1f} s): " + ", ".join(copied)
            )

    def _carry(
        self,
        cursor: Any,
        relation: _Relation,
        served: dict[tuple[str, str], _Relation],
        copied: list[str],
    ) -> bool:
        """Copy one served relation into the staging set (views: their inputs too)."""
        target = f"{quote(staging_schema(relation.schema))}.{quote(relation.name)}"
        if self._exists(cursor, staging_schema(relation.schema), relation.name):
            return True
        assert self.build_set is not None
        if relation.kind == _VIEW_KIND:
            for dependency in view_dependencies(cursor, relation.oid):
                if dependency not in served:
                    continue
                if dependency in self.build_set.rebuilt or not self._carry(
                    cursor, served[dependency], served, copied
                ):
                    return False  # recreated at the swap, once its input exists
            self._recreate_view(cursor, relation)
        elif relation.kind in ("r", "p"):
            cursor.execute(f"create table {target} (like {relation.sql} including all)")
            cursor.execute(f"insert into {target} select * from {relation.sql}")
            copy_comment(cursor, relation.oid, target, "table")
        else:
            return False
        copied.append(f"{relation.schema}.{relation.name}")
        return True

    # -- after the build ------------------------------------------------------

    def discard(self) -> None:
        """Drop the staging set of a failed build (the served set is untouched)."""
        if self.build_set is None:
            return
        self.connection.rollback()
        with self.connection.cursor() as cursor:
            for served in self.build_set.served:
                cursor.execute(
                    f"drop schema if exists {quote(staging_schema(served))} cascade"
                )
        self.connection.commit()

    def swap(self) -> None:
        """Publish the staging set in one transaction, then drop the old set.

        Raises:
            EngineError: The served relations stayed locked by readers for
                ``SWAP_TIMEOUT_S``, or a served view could not be recreated;
                the served set is then unchanged.
        """
        assert self.build_set is not None
        timeout = float(os.environ.get("OLIST_PG_SWAP_TIMEOUT", SWAP_TIMEOUT_S))
        deadline = time.monotonic() + timeout
        started = time.perf_counter()
        attempts = 0
        self.progress(
            "Publishing: swapping "
            + ", ".join(f"{staging_schema(s)} -> {s}" for s in self.build_set.served)
            + " in one transaction."
        )
        import psycopg2  # noqa: PLC0415 (only with the postgres extra)

        while True:
            attempts += 1
            try:
                self._swap_once()
                break
            except psycopg2.errors.LockNotAvailable:
                self.connection.rollback()
                if time.monotonic() > deadline:
                    raise EngineError(
                        "Publishing failed: readers kept the served tables "
                        f"locked for {timeout:.0f} s, so the schemas were not "
                        "swapped; the served schemas still hold the previous "
                        "build, and this build is in the *__build schemas "
                        "(dropped by the next build). Fix: end the long "
                        "transactions that read them, or raise env "
                        "OLIST_PG_SWAP_TIMEOUT, and build again."
                    ) from None
                time.sleep(0.1)
            except Exception:
                self.connection.rollback()
                raise
        self.progress(
            f"Published the new build ({time.perf_counter() - started:.2f} s, "
            f"{attempts} attempt{'s' if attempts > 1 else ''} to lock)."
        )
        self._drop_previous()

    def _swap_once(self) -> None:
        """One attempt of the swap transaction (raises LockNotAvailable)."""
        assert self.build_set is not None
        with self.connection.cursor() as cursor:
            existing = self._schemas(cursor)
            relations = self._relations(cursor)
            if relations:
                names = ", ".join(r.sql for r in relations)
                cursor.execute(f"lock table {names} in access exclusive mode nowait")
            views = []
            for relation in relations:
                if self._exists(cursor, staging_schema(relation.schema), relation.name):
                    continue  # rebuilt or carried: the old one goes with the old set
                if relation.kind == _VIEW_KIND:
                    views.append(relation)
                elif relation.kind in _TABLE_KINDS or relation.kind == "S":
                    kind = _TABLE_KINDS.get(relation.kind, "sequence")
                    cursor.execute(
                        f"alter {kind} {relation.sql} set schema "
                        f"{quote(staging_schema(relation.schema))}"
                    )
            self._recreate_views(cursor, views)
            for served in self.build_set.served:
                if served in existing:
                    cursor.execute(
                        f"alter schema {quote(served)} rename to "
                        f"{quote(previous_schema(served))}"
                    )
                cursor.execute(
                    f"alter schema {quote(staging_schema(served))} rename to "
                    f"{quote(served)}"
                )
            hold = float(os.environ.get(SWAP_HOLD_ENV) or 0)
            if hold > 0:
                self.progress(f"Swap transaction open, holding {hold:.0f} s (test).")
                time.sleep(hold)
        self.connection.commit()

    def _recreate_views(self, cursor: Any, views: list[_Relation]) -> None:
        """Recreate served views in the staging set (views on views in order)."""
        pending = list(views)
        while pending:
            failed: list[tuple[_Relation, str]] = []
            for view in pending:
                cursor.execute("savepoint view_copy")
                try:
                    self._recreate_view(cursor, view)
                    cursor.execute("release savepoint view_copy")
                except Exception as error:  # noqa: BLE001 - retried, then named
                    cursor.execute("rollback to savepoint view_copy")
                    failed.append((view, str(error).strip().splitlines()[0]))
            if len(failed) == len(pending):
                raise EngineError(
                    "Publishing failed: these served views could not be "
                    "recreated on the new tables: "
                    + "; ".join(f"{v.schema}.{v.name}: {e}" for v, e in failed)
                    + ". The served schemas still hold the previous build. Fix: "
                    "drop or change those views (a view of your own on a table "
                    "whose columns changed), and build again."
                )
            pending = [view for view, _ in failed]

    def _recreate_view(self, cursor: Any, view: _Relation) -> None:
        """Create ``view`` in its staging schema, on the staging relations.

        Its definition is printed with the served schemas on the search path
        (so their relations come out unqualified) and created with the
        staging schemas in the same order.
        """
        assert self.build_set is not None
        served = self.build_set.served
        path = ", ".join(quote(s) for s in served)
        staged = ", ".join(quote(staging_schema(s)) for s in served)
        cursor.execute(f"set local search_path = {path}")
        cursor.execute("select pg_get_viewdef(%s::oid)", (view.oid,))
        definition = cursor.fetchone()[0]
        cursor.execute(f"set local search_path = {staged}")
        target = f"{quote(staging_schema(view.schema))}.{quote(view.name)}"
        cursor.execute(f"create view {target} as {definition}")
        cursor.execute("set local search_path to default")
        copy_comment(cursor, view.oid, target, "view")

    def _drop_previous(self) -> None:
        """Drop the replaced set; left for the next build when readers hold it."""
        assert self.build_set is not None
        dropped = []
        with self.connection.cursor() as cursor:
            for served in self.build_set.served:
                schema = previous_schema(served)
                try:
                    cursor.execute(f"set local lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                    cursor.execute(f"drop schema if exists {quote(schema)} cascade")
                    self.connection.commit()
                    dropped.append(schema)
                except Exception as error:  # noqa: BLE001 - a note, not a failure
                    self.connection.rollback()
                    self.progress(
                        f"note: could not drop {schema} yet ({error}); the next "
                        "build drops it."
                    )
        if dropped:
            self.progress("Dropped the previous build: " + ", ".join(dropped) + ".")

    # -- the catalogue --------------------------------------------------------

    def _schemas(self, cursor: Any) -> set[str]:
        cursor.execute("select nspname from pg_namespace")
        return {row[0] for row in cursor.fetchall()}

    def _exists(self, cursor: Any, schema: str, name: str) -> bool:
        cursor.execute(
            "select 1 from pg_class as c join pg_namespace as n "
            "on n.oid = c.relnamespace where n.nspname = %s and c.relname = %s",
            (schema, name),
        )
        return cursor.fetchone() is not None

    def _relations(self, cursor: Any) -> list[_Relation]:
        """Return the served relations (not indexes, not owned sequences)."""
        assert self.build_set is not None
        cursor.execute(
            "select c.oid, n.nspname, c.relname, c.relkind "
            "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
            "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'f', 'm', 'v', 'S') "
            "and not exists (select 1 from pg_depend as d where d.objid = c.oid "
            "and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')) "
            "order by n.nspname, c.relname",
            (list(self.build_set.served),),
        )
        return [_Relation(*row) for row in cursor.fetchall()]
