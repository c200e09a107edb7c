"""The days each request asked for.

A report row of a day the request did not ask for (a day before `start_date`, or a neighbouring
chunk's day) would be loaded and counted as if it had been: each request keeps only its own days
and says, in a warning, what it dropped. And each load records the window of days it asked for,
per account, in the source's `load_windows` raw table, so the warehouse can check every loaded
account-day against the windows its loads requested (assert_ad_days_within_requested_windows).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.common import failures
from ingestion.common.http import SourceError
from ingestion.common.incremental import AccountState
from ingestion.common.prefetch import prefetched_each
from ingestion.common.schema import RawTable

log = logging.getLogger(__name__)

_S = pa.string()
# Appended on every load: dlt's `_dlt_load_id` names the load; several loads may ask for the same
# days, and each says so.
LOAD_WINDOWS = RawTable(
    "load_windows",
    {"report": _S, "account_id": _S, "start_date": _S, "end_date": _S,
     "requested_at": pa.timestamp("us", tz="UTC")},
    ("report", "account_id", "requested_at"),
    write_disposition="append",
)


@dataclass(frozen=True)
class LocalDays:
    """Each row's day is its instant (`column`, UTC) in time zone `zone`."""

    column: str
    zone: str


@dataclass(frozen=True)
class Window:
    """The days [first, last] of raw table `report` a load asks for one account."""

    report: str
    account_id: str
    first: dt.date
    last: dt.date


def windows_table(windows: Iterable[Window], requested_at: dt.datetime | None = None
                  ) -> pa.Table:
    """`windows` as rows of `load_windows`, asked for at `requested_at` (now)."""
    windows = list(windows)
    at = requested_at or dt.datetime.now(dt.UTC)
    columns = {"report": [w.report for w in windows],
               "account_id": [w.account_id for w in windows],
               "start_date": [w.first.isoformat() for w in windows],
               "end_date": [w.last.isoformat() for w in windows],
               "requested_at": [at] * len(windows)}
    schema = LOAD_WINDOWS.empty().schema
    return pa.Table.from_pydict(columns, schema=schema)


def windows_in(table: pa.Table, report: str) -> dict[str, Window]:
    """The windows of `report` in a `load_windows` table, by account."""
    return {row["account_id"]: Window(row["report"], row["account_id"],
                                      dt.date.fromisoformat(row["start_date"]),
                                      dt.date.fromisoformat(row["end_date"]))
            for row in table.to_pylist() if row["report"] == report}


def each_window(source: str, windows: pa.Table, report: str, state: AccountState,
                failed: set[str], load: Callable[[Window], Iterator[pa.Table]]
                ) -> Iterator[pa.Table]:
    """`load` each account's window of `report` in `windows` (as `failures.each_account` runs
    accounts: a failing one is recorded and skipped for the rest of the load). An account's
    `state` moves to its window's last day only once the whole window loaded; dlt commits it
    with the data."""
    asked = windows_in(windows, report)

    def one(account_id: str) -> Iterator[pa.Table]:
        window = asked[account_id]
        yield from load(window)
        state.advance(account_id, window.last)

    return failures.each_account(source, asked, failed, one)


# Chunks of days read at once, each its own request and cursor (a backfill has dozens).
CONCURRENT_CHUNKS = 2


def requested_chunks(
    chunks: list[tuple[dt.date, dt.date]],
    fetch: Callable[[dt.date, dt.date], Iterable[pa.Table]],
    *,
    day: str | LocalDays,
    source: str,
    account: str,
    workers: int = CONCURRENT_CHUNKS,
    done: Callable[[dt.date, dt.date], None] | None = None,
) -> Iterator[pa.Table]:
    """The pages of one request per chunk of days (`fetch(first, last)`), chunk after chunk,
    each without its rows of other days (`requested_days`, checked in order); up to `workers`
    chunks are read at once, each on its own cursor. The reading threads stop when this ends,
    also when a chunk fails; its `SourceError` then names the chunk's days.

    `done(first, last)` is called once a chunk's pages have all been yielded: for a caller
    that yields them on unbuffered, its state may move past those days, so a later chunk's
    failure does not ask for them again."""
    read = prefetched_each((fetch(*chunk) for chunk in chunks), workers=workers)
    with contextlib.closing(read):
        for (first, last), pages in zip(chunks, read, strict=True):
            try:
                yield from requested_days(pages, first, last, day=day, source=source,
                                          account=account)
            except SourceError as exc:
                exc.during(f"days {first}..{last}")
                raise
            if done is not None:
                done(first, last)


def requested_days(
    pages: Iterable[pa.Table],
    first: dt.date,
    last: dt.date,
    *,
    day: str | LocalDays,
    source: str,
    account: str,
) -> Iterator[pa.Table]:
    """The pages of one request for the days [first, last], each without its rows of other
    days; once the request is read, one warning names the days dropped and their rows.

    `day` is the column of `YYYY-MM-DD` days, or `LocalDays` (a column of instants and the
    zone of their days). A row without a day is kept: the merge key check names it."""
    dropped: Counter[str] = Counter()
    for page in pages:
        kept, outside = _split(page, first, last, day)
        dropped.update(outside)
        if kept.num_rows or not page.num_rows:
            yield kept
    if dropped:
        rows = sum(dropped.values())
        log.warning("%s: account %s: asked for %s..%s, got %d row%s for days outside it, "
                    "dropped: %s", source, account, first, last, rows, "" if rows == 1 else "s",
                    ", ".join(f"{d} ({n})" for d, n in sorted(dropped.items())))


def _split(table: pa.Table, first: dt.date, last: dt.date,
           day: str | LocalDays) -> tuple[pa.Table, Counter[str]]:
    column = day if isinstance(day, str) else day.column
    if column not in table.column_names:
        return table, Counter()
    values = table.column(column)
    if isinstance(day, str):
        inside = pc.and_kleene(pc.greater_equal(values, first.isoformat()),
                               pc.less_equal(values, last.isoformat()))
    else:
        # The instants the days begin and end, not each row's local day: formatting every
        # instant in a zone costs about a second per million rows (a backfill's events are
        # millions), comparing them milliseconds; only the rows dropped get their day named.
        zone = ZoneInfo(day.zone)
        begins, ends = (pa.scalar(dt.datetime.combine(d, dt.time(), zone), values.type)
                        for d in (first, last + dt.timedelta(days=1)))
        inside = pc.and_kleene(pc.greater_equal(values, begins), pc.less(values, ends))
    keep = pc.fill_null(inside, True)
    if pc.all(keep).as_py():
        return table, Counter()
    outside = values.filter(pc.invert(keep))
    if not isinstance(day, str):
        outside = local_days(outside, day.zone)
    counts = pc.value_counts(outside)
    return table.filter(keep), Counter(dict(zip(counts.field("values").to_pylist(),
                                                counts.field("counts").to_pylist(),
                                                strict=True)))


def local_days(instants: pa.ChunkedArray, zone: str) -> pa.ChunkedArray:
    """Each UTC instant's day (`YYYY-MM-DD`) in time zone `zone`."""
    return pc.strftime(instants.cast(pa.timestamp("us", tz=zone)), format="%Y-%m-%d")
