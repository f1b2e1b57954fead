"""Measure one command as a whole process tree: wall, CPU and peak memory.

Used by :mod:`olist_segmentation.benchmark`. Each command runs alone, in
its own process, and is measured three ways:

* **wall**: from just before the process is started to just after it was
  reaped (``time.time()``, the clock dbt's timestamps use, so the phases of
  :mod:`olist_segmentation.benchmark_phases` line up with it);
* **CPU**: user + system time of the process and of every descendant it
  waited for (``wait4``'s resource usage: ``make`` -> ``olist-seg`` ->
  ``dbt`` all count; DuckDB's threads are inside those processes);
* **memory**: two figures. ``largest_process_bytes`` is ``wait4``'s maxrss,
  the peak of the *largest single process* of the tree (the kernel keeps the
  maximum over the children, never their sum). ``tree_peak_bytes`` is the
  highest *sum* of the resident sets of the process and its descendants,
  sampled every :data:`SAMPLE_SECONDS` from ``/proc`` (Linux; shared pages
  count once per process; a spike shorter than the interval can be missed).
  The peak reported is the larger of the two.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

#: Seconds between two samples of the process tree's resident memory.
SAMPLE_SECONDS = 0.2
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Measurement:
    """What one process tree took."""

    started: float
    ended: float
    cpu_seconds: float
    largest_process_bytes: int
    tree_peak_bytes: int
    finished: bool
    exit_code: int
    output_tail: str

    @property
    def seconds(self) -> float:
        """Wall seconds, start to reaped."""
        return self.ended - self.started

    @property
    def peak_bytes(self) -> int:
        """The larger of the largest single process and the sampled tree sum."""
        return max(self.largest_process_bytes, self.tree_peak_bytes)


def _processes() -> dict[int, tuple[int, int]]:
    """Return {pid: (parent pid, resident bytes)} of every process, from /proc."""
    found: dict[int, tuple[int, int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # fields after the command name, which may hold spaces and ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 21:
            found[int(entry)] = (int(fields[1]), int(fields[21]) * _PAGE)
    return found


def tree_resident_bytes(root: int) -> int:
    """Return the summed resident memory of process ``root`` and its descendants."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += processes.get(pid, (0, 0))[1]
        stack.extend(children.get(pid, ()))
    return total


class _Sampler(threading.Thread):
    """Samples the resident memory of a process tree until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_resident_bytes(self.root))
            self.done.wait(SAMPLE_SECONDS)


def measure(
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> Measurement:
    """Run ``command`` to its end (or ``timeout``); return what it took.

    The process is reaped by a blocking ``wait4`` (the wall time ends when
    it exits); a thread samples the tree's memory meanwhile.

    Args:
        command: The program and its arguments.
        env: Its environment (default: this process's).
        cwd: Its working folder (default: this process's).
        timeout: Seconds after which its process group is killed
            (``finished`` is then false); ``None`` waits for ever.

    Returns:
        The measurement; ``exit_code`` and the last 4,000 characters of its
        output (stdout and stderr together) say whether it failed.
    """
    with tempfile.TemporaryFile() as log:
        started = time.time()
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=timeout is not None,
        )
        sampler = _Sampler(process.pid)
        sampler.start()
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        killer = threading.Timer(timeout, kill) if timeout is not None else None
        if killer is not None:
            killer.start()
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.time()
        if killer is not None:
            killer.cancel()
        sampler.done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        tail = log.read()[-4000:].decode(errors="replace")
    return Measurement(
        started=started,
        ended=ended,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        largest_process_bytes=usage.ru_maxrss * 1024,
        tree_peak_bytes=sampler.peak,
        finished=not killed.is_set(),
        exit_code=process.returncode,
        output_tail=tail,
    )
