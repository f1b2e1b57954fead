"""Build on a working copy, then publish the warehouse in one atomic step.

``OLIST_DUCKDB_PATH`` is the *served* file: the one users and BI tools open.
No build ever writes to it. A build

1. takes the build lock (``.<name>.lock`` beside the served file), so two
   builds never share a working copy;
2. checks the served file (a DuckDB database, not corrupt) and the free
   space, then copies it to ``.<name>.build/<name>`` (same file name, so the
   database name inside dbt's SQL and inside views stays the same); a first
   build creates an empty file in DuckDB's v1.0.0 storage format, which
   DuckDB 1.x clients (most BI drivers) read;
3. runs dbt on the copy;
4. only when dbt succeeded: exports the public tables as Parquet into a new
   folder, then replaces the served file with ``os.replace`` (atomic on one
   file system) and repoints the ``<stem>_parquet`` symlink (atomic too).

A reader holding the served file open keeps reading the previous build (the
replaced inode stays valid until it closes); a new connection sees the new
build. A kill at any moment leaves the previous complete file in place; the
next build removes the stale working copy. See DECISIONLOG.md "Publication".
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from olist_segmentation.build_timings import BuildClock
from olist_segmentation.errors import WarehouseError

#: The storage format of a new warehouse: readable by DuckDB 1.0 and later.
STORAGE_VERSION = "v1.0.0"
#: The number DuckDB writes into the header of a file in that format.
STORAGE_NUMBER = 64
#: Tables copied to Parquet beside the served file when they exist.
PARQUET_TABLES = (
    "customers",
    "customer_rfm",
    "rfm_score_thresholds",
    "rfm_segment_summary",
    "customer_segments",
    "customer_predictions",
    "customer_next_best_action",
    "segment_profiles",
    "segment_definitions",
    "segment_migration",
    "segment_lift",
    "segment_refit_check",
    "stability_recommendation",
)
#: dbt commands whose success publishes the working copy.
WRITING_COMMANDS = frozenset({"build", "run", "seed", "snapshot"})
#: Free space a build needs beyond twice the served file (working copy and
#: DuckDB's spill files).
FREE_SPACE_MARGIN = 256 * 1024**2
#: The first bytes of files that are often mistaken for a warehouse.
_FOREIGN_HEADERS = {
    b"SQLite format 3": "an SQLite database",
    b"PAR1": "a Parquet file",
    b"PK\x03\x04": "a ZIP archive",
}


@dataclass(frozen=True)
class WorkPaths:
    """The files of one served warehouse and of its build."""

    served: Path

    @property
    def work_dir(self) -> Path:
        """Folder of the working copy (removed after every build)."""
        return self.served.parent / f".{self.served.name}.build"

    @property
    def work_file(self) -> Path:
        """The working copy dbt builds into."""
        return self.work_dir / self.served.name

    @property
    def lock(self) -> Path:
        """The build lock: one build per served file at a time."""
        return self.served.parent / f".{self.served.name}.lock"

    @property
    def parquet_link(self) -> Path:
        """Symlink to the Parquet folder of the served build."""
        return self.served.parent / f"{self.served.stem}_parquet"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def holder(message: str) -> str:
    """Return "program (PID n)" from DuckDB's lock error, or ''."""
    found = re.search(r"held in (.+?) \(PID (\d+)\)", message)
    return f"{found.group(1)} (PID {found.group(2)})" if found else ""


def check_served(served: Path) -> str:
    """Check that the served file is a DuckDB database this DuckDB reads.

    Returns:
        A note for the user ('' when there is nothing to say).

    Raises:
        WarehouseError: The file is not a DuckDB database, is corrupt, or
            written by a newer DuckDB; or a stale write-ahead log lies beside
            it.
    """
    if not served.exists():
        return ""
    if served.is_dir():
        raise WarehouseError(
            f"OLIST_DUCKDB_PATH {served} is a folder. Fix: point it at a file "
            f"inside it, e.g. {served / 'olist.duckdb'}."
        )
    with served.open("rb") as handle:
        head = handle.read(16)
    if head[8:12] != b"DUCK":
        what = next(
            (
                name
                for magic, name in _FOREIGN_HEADERS.items()
                if head.startswith(magic)
            ),
            "not a DuckDB database",
        )
        raise WarehouseError(
            f"OLIST_DUCKDB_PATH {served} is {what} (it starts with {head[:12]!r}), "
            "so the build would not write into it. Fix: move that file away, or "
            "point OLIST_DUCKDB_PATH at another file; a build creates a new one."
        )
    try:
        duckdb.connect(str(served), read_only=True).close()
    except duckdb.Error as error:
        message = str(error)
        program = holder(message)
        if program:
            return (
                f"note: {program} holds {served} open for writing. The build "
                "works on a copy and replaces the file when it passes; that "
                "program keeps the previous build until it reconnects (BI "
                "tools should open the file read-only: README, 'Connecting a "
                "BI tool')."
            )
        first = message.splitlines()[0] if message else type(error).__name__
        raise WarehouseError(
            f"Cannot read the warehouse {served} with DuckDB "
            f"{duckdb.__version__}: {first}. The file is corrupt, truncated or "
            "written by a newer DuckDB. Fix: move it away (or point "
            "OLIST_DUCKDB_PATH at another file) and build again; the build "
            "recreates every table, and a new segment model is fitted."
        ) from error
    wal = served.with_name(served.name + ".wal")
    if wal.exists():
        raise WarehouseError(
            f"{wal} exists: a program wrote to the served warehouse and did "
            "not close it cleanly, and its changes are not in the file. Fix: "
            f"open it once read-write and close it (`duckdb {served} "
            "'checkpoint'`), or delete the .wal file to drop those changes."
        )
    return ""


def _os_error(error: OSError, path: Path, action: str) -> WarehouseError:
    """Turn an OSError of the build's files into one clear message."""
    if error.errno == errno.ENOSPC:
        return WarehouseError(
            f"The disk of {path.parent} is full ({action}). Nothing was "
            "published: the served warehouse is unchanged. Fix: free space "
            "there (a build needs about twice the warehouse file), or point "
            "OLIST_DUCKDB_PATH at another disk."
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return WarehouseError(
            f"Cannot write in {path.parent} ({action}: {error.strerror}). A "
            "build writes its working copy beside the served file. Fix: make "
            "the folder writable, or point OLIST_DUCKDB_PATH at a writable "
            "folder."
        )
    return WarehouseError(f"{action} at {path} failed: {error}")


def _check_free_space(paths: WorkPaths) -> None:
    size = paths.served.stat().st_size if paths.served.exists() else 0
    needed = 2 * size + FREE_SPACE_MARGIN
    free = shutil.disk_usage(paths.served.parent).free
    if free < needed:
        raise WarehouseError(
            f"Only {free / 1024**2:,.0f} MiB free in {paths.served.parent}; a "
            f"build of this warehouse needs about {needed / 1024**2:,.0f} MiB "
            "(a working copy beside the served file, and DuckDB's spill "
            "files). Nothing was changed. Fix: free space there, or point "
            "OLIST_DUCKDB_PATH at another disk."
        )


def _lock_message(paths: WorkPaths, handle: int) -> str:
    held = os.pread(handle, 512, 0).decode(errors="replace").split("\n")
    pid, started, command = (held + ["?", "?", "?"])[:3]
    return (
        f"Another build is writing {paths.served} (PID {pid}, `{command}`, "
        f"started {started}). Wait for it to finish, or stop it "
        f"(`kill {pid}`): the served file stays readable meanwhile and keeps "
        "the last complete build."
    )


@contextmanager
def build_lock(paths: WorkPaths, command: str) -> Iterator[int]:
    """Hold the build lock of ``paths`` (yields its file descriptor).

    Raises:
        WarehouseError: Another build holds it (the message names it).
    """
    import fcntl

    try:
        paths.served.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise _os_error(error, paths.lock, "creating the build lock") from error
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseError(_lock_message(paths, handle)) from None
        if (
            not paths.lock.exists()
            or os.stat(paths.lock).st_ino != os.fstat(handle).st_ino
        ):
            # the build that held it removed the file meanwhile: lock anew
            raise WarehouseError(
                f"{paths.lock} changed while this build started: another "
                "build just ended or started. Run the build again."
            )
        os.ftruncate(handle, 0)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        os.pwrite(handle, f"{os.getpid()}\n{stamp}\n{command}\n".encode(), 0)
        try:
            yield handle
        finally:
            # removed while still held, so no build can lock a stale file
            paths.lock.unlink(missing_ok=True)
    finally:
        os.close(handle)


def prepare_work_copy(paths: WorkPaths) -> None:
    """Create the working copy: the served file, or a new empty warehouse.

    Raises:
        WarehouseError: Not enough space, or the folder is not writable.
    """
    if paths.work_dir.exists():
        shutil.rmtree(paths.work_dir)  # a killed build's leftovers
    _check_free_space(paths)
    try:
        paths.work_dir.mkdir()
        if paths.served.exists() and storage_number(paths.served) > STORAGE_NUMBER:
            _migrate(paths)
        elif paths.served.exists():
            shutil.copyfile(paths.served, paths.work_file)
        else:
            config: dict[str, str | bool | int | float | list[str]] = {
                "storage_compatibility_version": STORAGE_VERSION
            }
            duckdb.connect(str(paths.work_file), config=config).close()
    except OSError as error:
        shutil.rmtree(paths.work_dir, ignore_errors=True)
        raise _os_error(error, paths.work_file, "copying the warehouse") from error


def storage_number(path: Path) -> int:
    """Return the storage format number in a DuckDB file's header."""
    with path.open("rb") as handle:
        head = handle.read(20)
    return int.from_bytes(head[12:20], "little")


def _migrate(paths: WorkPaths) -> None:
    """Copy a warehouse written in a newer storage format into the old one.

    Warehouses built before the format was pinned are copied table by table
    once (seconds), so DuckDB 1.x clients can read the next published file.
    """
    print(
        f"{paths.served} is in a storage format DuckDB 1.x clients cannot "
        f"read: copying it to the {STORAGE_VERSION} format (once).",
        file=sys.stderr,
    )
    con = duckdb.connect()
    try:
        con.execute(f"attach {_sql_string(str(paths.served))} as served (read_only)")
        con.execute(
            f"attach {_sql_string(str(paths.work_file))} as work "
            f"(storage_version {_sql_string(STORAGE_VERSION)})"
        )
        con.execute("copy from database served to work")
    finally:
        con.close()


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _export_parquet(paths: WorkPaths) -> tuple[Path, int]:
    """Write the public tables of the working copy as Parquet.

    Returns:
        The new folder and the number of tables written.
    """
    folder = paths.served.parent / f".{paths.served.stem}_parquet.{time.time_ns()}"
    folder.mkdir()
    con = duckdb.connect(str(paths.work_file))
    try:
        present = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main'"
            ).fetchall()
        }
        written = [table for table in PARQUET_TABLES if table in present]
        for table in written:
            target = _sql_string(str(folder / f"{table}.parquet"))
            con.execute(f'copy main."{table}" to {target} (format parquet)')
        con.execute("checkpoint")
    finally:
        con.close()
    return folder, len(written)


def publish(paths: WorkPaths, clock: BuildClock | None = None) -> int:
    """Replace the served file (and its Parquet folder) by the working copy.

    ``clock`` gets the mark ``parquet_end`` once the Parquet files are
    written (:mod:`olist_segmentation.build_timings`).

    Returns:
        The number of tables written as Parquet.

    Raises:
        WarehouseError: The disk is full or the folder not writable; the
            served file is then unchanged.
    """
    try:
        folder, tables = _export_parquet(paths)
        if clock is not None:
            clock.mark("parquet_end")
        wal = paths.work_file.with_name(paths.work_file.name + ".wal")
        if wal.exists():
            raise WarehouseError(f"{wal} remains after the build: not published.")
        _fsync(paths.work_file)
        os.replace(paths.work_file, paths.served)
        _fsync(paths.served.parent)
        link = paths.parquet_link
        staged = link.with_name(f".{link.name}.new")
        staged.unlink(missing_ok=True)
        staged.symlink_to(folder.name)
        os.replace(staged, link)
    except OSError as error:
        raise _os_error(error, paths.served, "publishing the build") from error
    for old in paths.served.parent.glob(f".{paths.served.stem}_parquet.*"):
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return tables


def die_with_parent() -> None:
    """In a child process: get SIGKILL when the parent dies (Linux).

    A build killed with ``kill -9`` must not leave dbt running on a working
    copy that the next build removes.
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except OSError:
        pass


@contextmanager
def staged_build(served: Path, command: str) -> Iterator[tuple[WorkPaths, str, int]]:
    """Prepare a working copy of ``served``; remove it afterwards.

    Yields:
        The paths, a note for the user ('' when none) and the lock's file
        descriptor (pass it to the child process, so the lock lives as long
        as the build).

    Raises:
        WarehouseError: The lock is held, the served file is unusable, the
            disk is full or the folder read-only.
    """
    paths = WorkPaths(served)
    with build_lock(paths, command) as lock:
        note = check_served(served)
        prepare_work_copy(paths)
        try:
            yield paths, note, lock
        finally:
            shutil.rmtree(paths.work_dir, ignore_errors=True)
