from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pytest

from ingestion.common.incremental import date_chunks
from ingestion.common.prefetch import prefetched, prefetched_each
from ingestion.common.windows import requested_chunks


def test_prefetched_yields_every_item_in_order():
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))


def test_prefetched_raises_the_producers_error_after_the_items_before_it():
    def pages():
        yield 1
        yield 2
        raise RuntimeError("page 3 failed")

    seen = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for item in prefetched(pages()):
            seen.append(item)
    assert seen == [1, 2]


def test_prefetched_stops_its_worker_when_the_consumer_stops_early():
    produced = []

    def pages():
        for i in range(1000):
            produced.append(i)
            yield i

    before = threading.active_count()
    for item in prefetched(pages(), depth=2):
        if item == 5:
            break
    assert threading.active_count() == before
    assert len(produced) < 20


def test_prefetched_each_gives_every_group_in_order_while_reading_the_next_ones_at_once():
    started = threading.Barrier(3, timeout=5)

    def group(number):
        started.wait()  # only passes once three groups are being read at the same time
        yield from (number * 10 + i for i in range(3))

    groups = [list(items) for items in prefetched_each((group(n) for n in range(3)),
                                                       workers=3)]
    assert groups == [[0, 1, 2], [10, 11, 12], [20, 21, 22]]


def test_prefetched_each_raises_a_groups_error_after_the_items_before_it():
    def failing():
        yield "b1"
        raise RuntimeError("chunk b failed")

    seen = []
    with pytest.raises(RuntimeError, match="chunk b failed"):
        for items in prefetched_each([iter(["a1", "a2"]), failing(), iter(["c1"])], workers=3):
            for item in items:
                seen.append(item)
    assert seen == ["a1", "a2", "b1"]


def test_prefetched_each_stops_every_worker_when_the_consumer_stops_early():
    before = threading.active_count()

    def endless(tag):
        i = 0
        while True:
            yield (tag, i)
            i += 1

    groups = prefetched_each((endless(t) for t in "abcdef"), workers=2)
    for item in next(groups):
        if item == ("a", 5):
            break
    groups.close()
    assert threading.active_count() == before


def test_requested_chunks_stops_its_readers_when_a_chunk_fails_though_its_error_is_kept():
    # The error of a failed chunk is kept (as a source keeps an account's failure, with its
    # traceback and so every frame of it): the chunks read ahead stop all the same.
    first = dt.date(2026, 5, 1)

    def fetch(start: dt.date, end: dt.date):
        yield pa.table({"date_start": [start.isoformat()]})
        if start == first + dt.timedelta(days=1):
            raise RuntimeError(f"chunk {start} failed")
        while start > first:  # the chunks after the failed one never end on their own
            yield pa.table({"date_start": [start.isoformat()]})

    before = threading.active_count()
    pages = []
    with pytest.raises(RuntimeError, match="chunk 2026-05-02 failed") as kept:
        for page in requested_chunks(date_chunks(first, first + dt.timedelta(days=5), 1), fetch,
                                     day="date_start", source="test", account="1"):
            pages.append(page.column("date_start")[0].as_py())
    assert pages == ["2026-05-01", "2026-05-02"]
    assert kept.value is not None and threading.active_count() == before
