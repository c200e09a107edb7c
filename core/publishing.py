"""Readers open the published warehouse; runs build a copy of it and publish the copy whole.

DuckDB lets one process write a file, and a process cannot write a file that another holds open,
even read-only. A dashboard, a BI tool or `ads-analytics report` holding the warehouse open
would make the next run's loads fail; a run writing it would shut the readers out, or show them
a warehouse half rebuilt.

So the file a user points readers at (`warehouse.duckdb`) is never written in place. Runs load
and build `.<name>_build.duckdb` beside it (`WarehouseLayout.build`), and the last step of a run
that built everything and passed its blocking checks publishes: the build is copied to a temporary
file beside the warehouse and renamed over it. The rename is atomic: a reader that opens the
warehouse gets the previous build or the new one, whole; a reader that has it open keeps
reading the build it opened (the old file lives on until its last reader closes it); no reader
ever waits, and no run ever waits for a reader. A run that fails publishes nothing: readers keep
the last complete build.

The cost is the copy (a second file the size of the warehouse, written once per run): measured
in benchmarks/results/publishing.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.layout import WarehouseLayout

log = logging.getLogger(__name__)

# How long a run waits for a process still holding the build (a dbt of a run killed a moment
# ago, which ends within a second of its run: orchestration/dbt_cli.py) before it gives up.
HOLDER_WAIT_SECONDS = 60.0


class WarehouseBusy(RuntimeError):
    """Another process holds the build file longer than a run waits for it."""


@dataclass(frozen=True)
class Publication:
    warehouse: Path
    size_bytes: int
    seconds: float
    published_at: dt.datetime


def holder(error: duckdb.Error) -> str | None:
    """Which process DuckDB says holds a file (`/usr/bin/python3 (PID 123)`), or None when the
    error is not a lock conflict."""
    text = str(error)
    if "lock" not in text.lower():
        return None
    found = re.search(r"held in (.+?) \(PID (\d+)\)", text)
    return f"{Path(found[1]).name} (PID {found[2]})" if found else "another process"


def connect(path: Path, read_only: bool = False,
            on_wait: Callable[[str], None] | None = None,
            wait_seconds: float = HOLDER_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file the run owns, waiting while another process still holds it (`on_wait`
    is told once, with the process); `WarehouseBusy` names the process when it does not let go."""
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            process = holder(exc)
            if process is None:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path} is held by {process}, which is not a run of this warehouse (those "
                    f"take its lock) and did not let go in {wait_seconds:.0f} s: stop it, or "
                    "close the tool that opened the build file for writing") from None
            if not told:
                message = f"{process} still holds {path.name}; waiting for it to let go ..."
                (on_wait or log.warning)(message)
                told = True
            time.sleep(0.2)


def prepare_build(warehouse: Path) -> Path:
    """The build file, started from the published warehouse when there is none (a warehouse
    from before runs built a copy, or whose copy was deleted): nothing loaded is lost."""
    build = WarehouseLayout(warehouse).build
    if build.exists() or not warehouse.exists():
        return build
    wal = WarehouseLayout.wal(warehouse)
    if wal.exists():
        # Writes not yet in the file: folded in first (they would not be copied).
        with connect(warehouse) as con:
            con.execute("checkpoint")
    log.info("Starting the build copy %s from %s", build.name, warehouse)
    _copy(warehouse, build)
    return build


def publish(warehouse: Path) -> Publication:
    """Replace `warehouse` with a copy of its build, atomically (see the module docstring)."""
    build = WarehouseLayout(warehouse).build
    if not build.exists():
        raise FileNotFoundError(f"nothing to publish: no build at {build}")
    started = time.monotonic()
    with connect(build) as con:
        _drop_load_leftovers(con)
        # Every write in the file, none left in its write-ahead log (the copy takes the file
        # alone).
        con.execute("checkpoint")
    temporary = warehouse.with_name(f".{warehouse.name}.publishing")
    try:
        _copy_synced(build, temporary)
        stale_wal = WarehouseLayout.wal(warehouse)
        if stale_wal.exists():
            # Someone wrote the published file in place; DuckDB would replay that log into the
            # new build.
            log.warning("Removing %s: the published warehouse is replaced whole by each run, "
                        "and writes made to it in place are not kept (write to a file of your "
                        "own)", stale_wal)
            stale_wal.unlink()
        os.replace(temporary, warehouse)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(warehouse.parent)
    return Publication(warehouse, warehouse.stat().st_size, time.monotonic() - started,
                       dt.datetime.now(dt.UTC))


def _drop_load_leftovers(con) -> None:
    """Drop the loader's staging schemas (`raw_<source>_staging`: where dlt stages a merge
    before applying it), so analysts browsing the warehouse see only its own schemas. The loader
    creates them again on its next merge."""
    leftovers = [row[0] for row in con.execute(
        "select schema_name from information_schema.schemata"
        " where schema_name like 'raw\\_%\\_staging' escape '\\'").fetchall()]
    for schema in leftovers:
        con.execute(f'drop schema if exists "{schema}" cascade')


def republish(warehouse: Path, change: Callable[[Path], None]) -> Publication:
    """Replace `warehouse` with a copy of itself that `change` (called with the copy's path)
    has written, atomically as `publish` does. For a change readers should see without a run
    (a goal's progress, reporting/goal_marts.py): it starts from what readers see, never from
    the build, which may hold a failed run's work that was not to be published. Called holding
    the run lock, so no run publishes meanwhile; the build keeps its own state, and the next
    run rebuilds what `change` wrote."""
    started = time.monotonic()
    copy = warehouse.with_name(f".{warehouse.name}.republishing")
    wal = WarehouseLayout.wal(copy)
    try:
        _copy_synced(warehouse, copy)
        change(copy)
        with connect(copy) as con:
            con.execute("checkpoint")
        with open(copy, "rb") as handle:
            os.fsync(handle.fileno())
        stale_wal = WarehouseLayout.wal(warehouse)
        if stale_wal.exists():
            log.warning("Removing %s: the published warehouse is replaced whole, and writes "
                        "made to it in place are not kept (write to a file of your own)",
                        stale_wal)
            stale_wal.unlink()
        os.replace(copy, warehouse)
    finally:
        copy.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
    _sync_folder(warehouse.parent)
    return Publication(warehouse, warehouse.stat().st_size, time.monotonic() - started,
                       dt.datetime.now(dt.UTC))


def newest(warehouse: Path) -> Path:
    """The newest state of `warehouse`: its build when there is one, else the published file
    (which may not exist either)."""
    build = WarehouseLayout(warehouse).build
    return build if build.exists() else warehouse


def published_at(warehouse: Path) -> dt.datetime | None:
    """When the build readers see was published (the file's time), or None before the first."""
    if not warehouse.exists():
        return None
    return dt.datetime.fromtimestamp(warehouse.stat().st_mtime, dt.UTC)


def _copy(source: Path, target: Path) -> None:
    """`source` to `target`, on disk before this returns (a crash leaves the target whole or
    absent, never a torn file under its name)."""
    partial = target.with_name(target.name + ".partial")
    try:
        _copy_synced(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _sync_folder(target.parent)


def _copy_synced(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
