from __future__ import annotations

import threading

import pytest

from ingestion.common.prefetch import prefetched, prefetched_chained, prefetched_each


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


def test_prefetched_chained_raises_a_groups_error_after_the_items_before_it():
    def failing():
        yield "b1"
        raise RuntimeError("chunk b failed")

    seen = []
    with pytest.raises(RuntimeError, match="chunk b failed"):
        for item in prefetched_chained([iter(["a1", "a2"]), failing(), iter(["c1"])],
                                       workers=3):
            seen.append(item)
    assert seen == ["a1", "a2", "b1"]


def test_prefetched_each_stops_every_worker_when_the_consumer_stops_early():
    before = threading.active_count()

    def endless(tag):
        i = 0
        while True:
            yield (tag, i)
            i += 1

    for item in prefetched_chained((endless(t) for t in "abcdef"), workers=2):
        if item == ("a", 5):
            break
    assert threading.active_count() == before
