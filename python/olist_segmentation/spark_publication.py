"""Publication on Spark: build a new generation of databases, then repoint views.

Spark's catalog has no transactions and cannot rename a database or move a
table to another database, so the swap PostgreSQL does in one transaction
(:mod:`olist_segmentation.postgres_publication`) is not possible. The
strongest guarantee left:

- A build writes a new *generation*: one database per served database,
  named ``<database>__g<UTC timestamp>`` (``main__g20261207203000``, ...;
  var ``olist_schema_suffix``). Before the first model it copies in what it
  reads but does not rebuild (incremental models such as the frozen model
  versions and the segment history; unbuilt parents of selected models).
- Every model, Python model and test runs in the generation. A failed or
  killed build changes nothing served: its generation is dropped (at once,
  or by the next build).
- Only when everything passed, each served name (``main.customer_rfm``)
  becomes a view ``select * from main__g....customer_rfm``: one ``CREATE OR
  REPLACE VIEW`` per relation, back to back. That is the *repoint window*:
  a reader can see some views repointed and others not for its duration,
  which the build prints; the tests kill a build inside it. A build
  killed there leaves such a mix until the next build repoints everything
  it builds (the next build says so).
- A generation no served view reads is dropped after the repoint (the
  previous one, once every name moved on).

Served names the build does not rebuild keep pointing at the generation
that built them. See DECISIONLOG.md, "Spark: a new generation per build,
views repointed".
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from olist_segmentation.postgres_publication import BuildSet

#: ``<database>__g<timestamp>``: a generation database of a served database.
GENERATION = re.compile(r"^(?P<served>.+)__g(?P<id>\d{14,20})$")
#: Tests only: seconds to wait between the first and the second half of
#: the repoint (to kill the build inside it). Unset in normal use.
REPOINT_HOLD_ENV = "OLIST_TEST_SPARK_REPOINT_HOLD"
#: A served view made by a publication: ``select * from `db`.`name```.
_POINTER = re.compile(r"from\s+`?(?P<db>[\w]+)`?\.`?(?P<name>\w+)`?", re.IGNORECASE)


def new_suffix(now: datetime | None = None) -> str:
    """Return a new generation suffix (``__g`` and the UTC time to microseconds)."""
    moment = now or datetime.now(UTC)
    return "__g" + moment.strftime("%Y%m%d%H%M%S%f")


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


@dataclass
class SparkPublication:
    """The generation one build writes on a SparkSession, and its repoint."""

    spark: Any
    suffix: str
    progress: Callable[[str], None] = lambda _m: None
    build_set: BuildSet | None = None
    #: Seconds between the first and the last view of the last repoint.
    window_s: float = 0.0
    created: list[str] = field(default_factory=list)
    #: Served ``db.name`` -> the generation suffix its view reads (read once,
    #: in :meth:`prepare`; :meth:`publish` updates it).
    pointers: dict[str, str] = field(default_factory=dict)

    # -- the catalogue --------------------------------------------------------

    def _databases(self) -> set[str]:
        return {str(d.name) for d in self.spark.catalog.listDatabases()}

    def _relations(self, database: str) -> dict[str, str]:
        """Name -> ``TABLE`` / ``VIEW`` of ``database`` (no temporary views)."""
        return {
            str(t.name): "VIEW" if str(t.tableType).upper() == "VIEW" else "TABLE"
            for t in self.spark.catalog.listTables(database)
            if not t.isTemporary
        }

    def _view_source(self, database: str, name: str) -> tuple[str, str] | None:
        """Return the ``(database, table)`` a publication view reads, else None."""
        rows = self.spark.sql(
            f"describe table extended {_q(database)}.{_q(name)}"
        ).collect()
        for row in rows:
            if str(row[0]).strip() == "View Text":
                match = _POINTER.search(str(row[1]))
                if match and GENERATION.match(match.group("db")):
                    return match.group("db"), match.group("name")
        return None

    def generations_in_use(self, served: tuple[str, ...]) -> dict[str, set[str]]:
        """Map each generation suffix to the served ``db.name`` views reading it."""
        used: dict[str, set[str]] = {}
        databases = self._databases()
        for database in served:
            if database not in databases:
                continue
            for name, kind in self._relations(database).items():
                if kind != "VIEW":
                    continue
                source = self._view_source(database, name)
                if source is None:
                    continue
                match = GENERATION.match(source[0])
                assert match is not None
                used.setdefault("__g" + match.group("id"), set()).add(
                    f"{database}.{name}"
                )
        return used

    def _generation_databases(self, served: tuple[str, ...]) -> dict[str, list[str]]:
        """Map each generation suffix to its databases (of the served ones)."""
        found: dict[str, list[str]] = {}
        for database in sorted(self._databases()):
            match = GENERATION.match(database)
            if match and match.group("served") in served:
                found.setdefault("__g" + match.group("id"), []).append(database)
        return found

    # -- before the build -----------------------------------------------------

    def prepare(self, build_set: BuildSet) -> None:
        """Drop unused generations, create this build's, copy in what it reads."""
        self.build_set = build_set
        served = build_set.served
        used = self.generations_in_use(served)
        self.pointers = {
            name: suffix for suffix, names in used.items() for name in names
        }
        if len(used) > 1:
            self.progress(
                "note: the served views read "
                f"{len(used)} generations ({', '.join(sorted(used))}): an earlier "
                "publication was stopped while repointing, or this build "
                "selects part of the project. This build repoints what it builds."
            )
        self._drop_unused(used, keep=set())
        for database in served:
            self.spark.sql(f"create database if not exists {_q(database)}")
            staged = database + self.suffix
            self.spark.sql(f"create database {_q(staged)}")
            self.created.append(staged)
        started = time.perf_counter()
        copied = [
            f"{schema}.{name}"
            for schema, name in sorted(build_set.carried)
            if self._carry(schema, name)
        ]
        if copied:
            self.progress(
                f"Copied {len(copied)} relations the build reads into generation "
                f"{self.suffix} ({time.perf_counter() - started:.1f} s): "
                + ", ".join(copied)
            )

    def _carry(self, schema: str, name: str) -> bool:
        """Copy one served relation into this generation as a table."""
        if schema not in self._databases() or name not in self._relations(schema):
            return False
        source = f"{_q(schema)}.{_q(name)}"
        pointer = self.pointers.get(f"{schema}.{name}")
        underlying = (schema + pointer, name) if pointer else None
        table = f"{_q(underlying[0])}.{_q(underlying[1])}" if underlying else source
        partitions = [
            str(c.name)
            for c in self.spark.catalog.listColumns(
                underlying[1] if underlying else name,
                underlying[0] if underlying else schema,
            )
            if c.isPartition
        ]
        partitioned = (
            f" partitioned by ({', '.join(_q(c) for c in partitions)})"
            if partitions
            else ""
        )
        self.spark.sql(
            f"create table {_q(schema + self.suffix)}.{_q(name)} using parquet"
            f"{partitioned} as select * from {table}"
        )
        return True

    # -- after the build ------------------------------------------------------

    def discard(self) -> None:
        """Drop this build's generation (nothing served reads it yet)."""
        for database in self.created:
            self.spark.sql(f"drop database if exists {_q(database)} cascade")
        self.created = []

    def publish(self) -> None:
        """Repoint every served name this build wrote at its generation."""
        assert self.build_set is not None
        served = self.build_set.served
        plan: list[tuple[str, str, bool]] = []
        for database in served:
            existing = self._relations(database)
            for name in sorted(self._relations(database + self.suffix)):
                plan.append((database, name, existing.get(name) == "TABLE"))
        self.progress(
            f"Publishing: repointing {len(plan)} served views at generation "
            f"{self.suffix} (Spark has no transactions: readers may see a mix "
            "while this runs)."
        )
        hold = float(os.environ.get(REPOINT_HOLD_ENV) or 0)
        started = time.perf_counter()
        for i, (database, name, was_table) in enumerate(plan):
            if hold > 0 and i == len(plan) // 2:
                self.progress(f"Repoint half done, holding {hold:.0f} s (test).")
                time.sleep(hold)
            served_name = f"{_q(database)}.{_q(name)}"
            if was_table:
                # a served table of an older layout, or of a plain `dbt run`
                self.spark.sql(f"drop table {served_name}")
            self.spark.sql(
                f"create or replace view {served_name} as select * from "
                f"{_q(database + self.suffix)}.{_q(name)}"
            )
        self.window_s = time.perf_counter() - started
        self.created = []
        self.progress(
            f"Published generation {self.suffix}: {len(plan)} views repointed in "
            f"{self.window_s:.2f} s."
        )
        for database, name, _ in plan:
            self.pointers[f"{database}.{name}"] = self.suffix
        used: dict[str, set[str]] = {}
        for name, suffix in self.pointers.items():
            used.setdefault(suffix, set()).add(name)
        self._drop_unused(used, keep={self.suffix})

    def _drop_unused(self, used: dict[str, set[str]], keep: set[str]) -> None:
        """Drop the generations no served view reads (a killed build's, older)."""
        assert self.build_set is not None
        dropped = []
        for suffix, databases in self._generation_databases(
            self.build_set.served
        ).items():
            if suffix in used or suffix in keep or suffix == self.suffix:
                continue
            for database in databases:
                try:
                    self.spark.sql(f"drop database if exists {_q(database)} cascade")
                    dropped.append(database)
                except Exception as error:  # noqa: BLE001 - a note, not a failure
                    self.progress(f"note: could not drop {database} yet ({error}).")
        if dropped:
            self.progress(
                "Dropped generations no served view reads: " + ", ".join(dropped)
            )
