"""The warehouse run lock: a second holder waits for the first, and is told so."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from core.locking import warehouse_lock


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


# A run (the parent) that starts a dbt-like child and then is killed: the child holds the run's
# child lock while it lives, and ends within a second of its run.
RUN = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
time.sleep(120)
"""
CHILD = """
import time
from pathlib import Path
from orchestration.dbt_cli import end_with_the_run
end_with_the_run(poll_seconds=0.1)
time.sleep(120)
"""


def test_a_runs_child_holds_the_child_lock_and_ends_with_its_run(tmp_path):
    import fcntl
    import os
    import signal
    import subprocess
    import sys

    from core.layout import WarehouseLayout
    from core.locking import wait_for_children
    from core.paths import REPO_ROOT
    from core.settings import CHILD_LOCK_ENV

    warehouse = tmp_path / "w.duckdb"
    lock = WarehouseLayout(warehouse).children_lock
    env = {**os.environ, CHILD_LOCK_ENV: str(lock)}
    run = subprocess.Popen([sys.executable, "-c", RUN, CHILD], cwd=REPO_ROOT, env=env,
                           stdout=subprocess.PIPE, text=True)
    child = int(run.stdout.readline())
    deadline = time.monotonic() + 30
    held = False
    while time.monotonic() < deadline and not held:
        with open(lock, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(handle, fcntl.LOCK_UN)
                time.sleep(0.05)
            except BlockingIOError:
                held = True
    assert held, "the child never held the run's child lock"

    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    waits: list[str] = []
    waited = wait_for_children(warehouse, on_wait=lambda: waits.append("waits"),
                               poll_seconds=0.05)
    assert waits == ["waits"] and waited < 10
    try:
        state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        state = "gone"
    assert state in ("gone", "Z", "X")
