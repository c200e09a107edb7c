"""One run at a time per warehouse file.

DuckDB lets one process write a file; a second writer fails to open it. Runs started from the
CLI take this lock (a file beside the warehouse) for their whole length, so a second run waits
for the first instead of failing halfway or interleaving its writes; runs launched by the Dagster
daemon queue by the instance's concurrency settings (`dagster_home()` writes them).
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextlib.contextmanager
def warehouse_lock(warehouse: Path, on_wait: Callable[[], None] | None = None,
                   poll_seconds: float = 0.5) -> Iterator[float]:
    """Hold the warehouse's run lock; `on_wait` is called once if another run holds it.
    Yields how long it waited (seconds)."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    time.sleep(poll_seconds)
        try:
            yield time.monotonic() - started
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
