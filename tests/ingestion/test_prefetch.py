from __future__ import annotations

import threading

import pytest

from ingestion.common.prefetch import prefetched


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
