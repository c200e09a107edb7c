"""Fetch the next pages while the current one is being parsed and loaded.

A backfill alternates between waiting for the API and turning a page into Arrow; running the
page requests in a background thread overlaps the two. Errors surface in the consumer, in order.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_DONE = object()


class _Ahead(Generic[T]):
    """`items` iterated in a worker thread started at once, up to `depth` items ready ahead."""

    def __init__(self, items: Iterable[T], depth: int) -> None:
        self._buffer: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._produce, args=(items,), name="prefetch",
                                        daemon=True)
        self._worker.start()

    def _produce(self, items: Iterable[T]) -> None:
        try:
            for item in items:
                while not self._stop.is_set():
                    try:
                        self._buffer.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            self._buffer.put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            self._buffer.put((_DONE, exc))

    def __iter__(self) -> Iterator[T]:
        while True:
            item, error = self._buffer.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item

    def close(self) -> None:
        """Stop the worker (after the item it is producing) and wait for it."""
        self._stop.set()
        while self._worker.is_alive():
            try:
                self._buffer.get_nowait()
            except queue.Empty:
                self._worker.join(timeout=0.05)


def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate `items` in a worker thread, keeping up to `depth` items ready ahead."""
    ahead = _Ahead(items, depth)
    try:
        yield from ahead
    finally:
        ahead.close()


def prefetched_each(groups: Iterable[Iterable[T]], workers: int = 2,
                    depth: int = 2) -> Iterator[Iterator[T]]:
    """Each of `groups` in order, as an iterator over its items; up to `workers` groups are
    iterated at once, each in its own thread, `depth` items ahead.

    For independent requests (one window of days each) that page on their own cursors: the
    next windows are read while the current one is consumed. Consume each group before asking
    for the next (one left unfinished is stopped). A group's error surfaces where its items
    would have, after the items before it."""
    pending: deque[_Ahead[T]] = deque()
    remaining = iter(groups)

    def top_up() -> None:
        while len(pending) < max(1, workers):
            group = next(remaining, _DONE)
            if group is _DONE:
                return
            pending.append(_Ahead(group, depth))

    try:
        top_up()
        while pending:
            yield iter(pending[0])
            pending.popleft().close()
            top_up()
    finally:
        for ahead in pending:
            ahead.close()

