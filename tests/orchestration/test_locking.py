"""The warehouse run lock: a second holder waits for the first, and is told so."""

from __future__ import annotations

import threading
import time

from orchestration.locking import warehouse_lock


def test_a_second_run_waits_for_the_first(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    events: list[str] = []
    first_holds = threading.Event()

    def first() -> None:
        with warehouse_lock(warehouse):
            events.append("first in")
            first_holds.set()
            time.sleep(0.6)
            events.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    first_holds.wait(5)
    with warehouse_lock(warehouse, on_wait=lambda: events.append("second waits"),
                        poll_seconds=0.05) as waited:
        events.append("second in")
    thread.join()
    assert events == ["first in", "second waits", "first out", "second in"]
    assert waited >= 0.4


def test_an_idle_warehouse_is_taken_at_once(tmp_path):
    with warehouse_lock(tmp_path / "w.duckdb", on_wait=lambda: 1 / 0) as waited:
        assert waited < 0.5
