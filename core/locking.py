"""One run at a time per warehouse file, and the processes a run starts die with it.

DuckDB lets one process write a file; a second writer fails to open it. Runs started from the
CLI take this lock (a file beside the warehouse) for their whole length, so a second run waits
for the first instead of failing halfway or interleaving its writes; runs launched by the Dagster
daemon queue by the instance's concurrency settings (`dagster_home()` writes them).

A Spark run's dbt is a process of its own, which a `kill -9` of the run does not reach (on
DuckDB dbt runs in the run's process, and dies with it). Each dbt process the steps start
holds a shared lock on a second file (`<warehouse>.children.lock`, named to it in
`CHILD_LOCK_ENV`) for as long as it lives, and ends within a second of its run
(orchestration/dbt_cli.py); a run waits, holding the run lock, until no process of an earlier
run holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from core.layout import WarehouseLayout

# The child lock a process started by a run takes (a shared `flock` held until it exits).


def hold_as_child(path: str | None) -> object | None:
    """In a process a run started, `path` being the run's child lock (`CHILD_LOCK_ENV` in its
    environment): take it (shared), held until the process exits; the open file, or None
    outside a run (no path)."""
    if not path:
        return None
    handle = open(path, "a+")  # noqa: SIM115 (held for the process's life)
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def wait_for_children(warehouse: Path, on_wait: Callable[[], None] | None = None,
                      poll_seconds: float = 0.1) -> float:
    """Wait until no process started by an earlier run of `warehouse` lives (called holding the
    run lock); how long it waited (seconds)."""
    with _exclusive(WarehouseLayout(warehouse).children_lock, on_wait, poll_seconds) as waited:
        return waited


@contextlib.contextmanager
def warehouse_lock(warehouse: Path, on_wait: Callable[[], None] | None = None,
                   poll_seconds: float = 0.5) -> Iterator[float]:
    """Hold the warehouse's run lock; `on_wait` is called once if another run holds it.
    Yields how long it waited (seconds)."""
    with _exclusive(WarehouseLayout(warehouse).run_lock, on_wait, poll_seconds) as waited:
        yield waited


@contextlib.contextmanager
def _exclusive(path: Path, on_wait: Callable[[], None] | None,
               poll_seconds: float) -> Iterator[float]:
    """Hold an exclusive `flock` on `path`, polling for it (`on_wait` called once when it has
    to wait); yields how long it waited (seconds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            while True:
                time.sleep(poll_seconds)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    continue
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
