"""Backfill a date range: load it chunk by chunk, then build once. Idempotent and resumable.

Each chunk is a run of the `load_sources` job over the chunk's daily partitions, the run a
Dagster backfill launches: every source's window is set to the chunk (its `start_date` and
`end_date`, and a look-back long enough that the window starts at the chunk whatever was loaded
before), and the raw tables' partitions of those days are recorded as materialized. Rows merge
on their natural keys, so loading a chunk twice changes nothing, and a source's state never
moves backwards. Finished chunks are recorded in a progress file beside the warehouse: running
the same backfill again resumes after the last finished chunk. When every chunk is loaded, the
`transform` job builds the models (incrementally: the days the backfill loaded are the ones
rebuilt) and runs the checks.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.layout import WarehouseLayout
from core.portal import loaded_settings
from core.settings import FIRST_DAY_ENV, Settings
from ingestion.common.incremental import date_chunks


@dataclass
class BackfillOutcome:
    chunks: list[tuple[dt.date, dt.date]]
    skipped: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    loaded: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    transform: object | None = None  # the JobOutcome of the build


def progress_path(warehouse: Path, start: dt.date, end: dt.date, chunk_days: int) -> Path:
    return WarehouseLayout(warehouse).backfills / f"{start}_{end}_{chunk_days}d.json"


def _read_done(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return set(json.loads(path.read_text()).get("loaded_chunks", []))


def _write_done(path: Path, done: set[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"loaded_chunks": sorted(done)}, indent=1))
    temporary.replace(path)  # a crash never leaves half a progress file


# The tags of a run over a range of partitions (what a Dagster backfill sets on its runs).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def partition_range_tags(first: dt.date, last: dt.date) -> dict[str, str]:
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def run_backfill(
    start: dt.date,
    end: dt.date,
    chunk_days: int,
    settings: Settings,
    run_job: Callable[[str, dict[str, str]], object],
    say: Callable[[str], None] = print,
) -> BackfillOutcome:
    """Load [start, end] in chunks of `chunk_days` (resuming after finished ones), then build.

    `run_job(name, tags)` runs a job of the definitions with those run tags and returns its
    outcome (with `success` and `failure_message()`); a failed chunk raises RuntimeError naming
    the chunk, after recording the chunks before it."""
    from orchestration.assets.ingestion import daily_partitions
    from orchestration.definitions import LOAD_JOB, TRANSFORM_JOB

    if end < start:
        raise ValueError(f"the backfill ends ({end}) before it starts ({start})")
    warehouse = settings.warehouse
    time_zone = loaded_settings(warehouse, settings.portal_overrides).time_zone
    partitions = daily_partitions(time_zone, settings.first_day)
    first_day = partitions.start.date()
    last_day = dt.date.fromisoformat(partitions.get_last_partition_key())
    if start < first_day:
        raise ValueError(f"the backfill starts ({start}) before the first day partitioned "
                         f"({first_day}); set {FIRST_DAY_ENV} to an earlier day")
    if end > last_day:
        raise ValueError(f"the backfill ends ({end}) after today in the portal's time zone "
                         f"({last_day})")
    chunks = date_chunks(start, end, chunk_days)
    outcome = BackfillOutcome(chunks)
    progress = progress_path(warehouse, start, end, chunk_days)
    done = _read_done(progress)
    for number, (first, last) in enumerate(chunks, start=1):
        label = f"{first}..{last}"
        if label in done:
            outcome.skipped.append((first, last))
            continue
        if outcome.skipped and not outcome.loaded:
            say(f"Resuming: {len(outcome.skipped)} of {len(chunks)} chunks were already loaded.")
        say(f"Loading chunk {number} of {len(chunks)}: {label}")
        result = run_job(LOAD_JOB, partition_range_tags(first, last))
        if not result.success:
            raise RuntimeError(f"chunk {label} failed ({result.failure_message()}); run the same "
                               "backfill again to resume from it")
        done.add(label)
        _write_done(progress, done)
        outcome.loaded.append((first, last))
    say("Building the models on the backfilled range ...")
    outcome.transform = run_job(TRANSFORM_JOB, {})
    return outcome
