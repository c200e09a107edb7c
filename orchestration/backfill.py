"""Backfill a date range: load it chunk by chunk, then build once. Idempotent and resumable.

Each chunk runs the `load_sources` job with every source's window set to the chunk (its
`start_date` and `end_date`, and a look-back long enough that the window starts at the chunk
whatever was loaded before). Rows merge on their natural keys, so loading a chunk twice changes
nothing, and a source's state never moves backwards. Finished chunks are recorded in a progress
file beside the warehouse: running the same backfill again resumes after the last finished chunk.
When every chunk is loaded, the `transform` job builds the models (incrementally: the days the
backfill loaded are the ones rebuilt) and runs the checks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.common.incremental import date_chunks
from ingestion.registry import SOURCE_NAMES

# A look-back this long makes every source's window start at the chunk's first day.
WHOLE_RANGE_LOOKBACK = 36_500


@dataclass
class BackfillOutcome:
    chunks: list[tuple[dt.date, dt.date]]
    skipped: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    loaded: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    transform: object | None = None  # the JobOutcome of the build


def progress_path(warehouse: Path, start: dt.date, end: dt.date, chunk_days: int) -> Path:
    return warehouse.parent / "backfills" / f"{warehouse.stem}_{start}_{end}_{chunk_days}d.json"


def _read_done(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return set(json.loads(path.read_text()).get("loaded_chunks", []))


def _write_done(path: Path, done: set[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"loaded_chunks": sorted(done)}, indent=1))
    temporary.replace(path)  # a crash never leaves half a progress file


@contextlib.contextmanager
def source_window(start: dt.date, end: dt.date) -> Iterator[None]:
    """Every source's config set to load exactly [start, end] (dlt reads the environment)."""
    overrides = {}
    for source in SOURCE_NAMES:
        prefix = f"SOURCES__{source.upper()}__"
        overrides.update({prefix + "START_DATE": start.isoformat(),
                          prefix + "END_DATE": end.isoformat(),
                          prefix + "LOOKBACK_DAYS": str(WHOLE_RANGE_LOOKBACK)})
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_backfill(
    start: dt.date,
    end: dt.date,
    chunk_days: int,
    warehouse: Path,
    run_job: Callable[[str], object],
    say: Callable[[str], None] = print,
) -> BackfillOutcome:
    """Load [start, end] in chunks of `chunk_days` (resuming after finished ones), then build.

    `run_job(name)` runs a job of the definitions and returns its outcome (with `success` and
    `failure_message()`); a failed chunk raises RuntimeError naming the chunk, after recording
    the chunks before it."""
    from orchestration.definitions import LOAD_JOB, TRANSFORM_JOB

    if end < start:
        raise ValueError(f"the backfill ends ({end}) before it starts ({start})")
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
        with source_window(first, last):
            result = run_job(LOAD_JOB)
        if not result.success:
            raise RuntimeError(f"chunk {label} failed ({result.failure_message()}); run the same "
                               "backfill again to resume from it")
        done.add(label)
        _write_done(progress, done)
        outcome.loaded.append((first, last))
    say("Building the models on the backfilled range ...")
    outcome.transform = run_job(TRANSFORM_JOB)
    return outcome
