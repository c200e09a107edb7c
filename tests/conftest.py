"""Shared fixtures: a simulated advertiser served on loopback, and throwaway warehouses."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.apis import simulator_server
from simulator.server import SimulatorServer
from simulator.world import World


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest tests first: those marked `slow(minutes=N)` by N, then the other slow ones
    (end-to-end: whole pipelines, or dbt builds on the shared warehouse), then the rest.
    `make test`'s two workers then start on the longest tests and share out the short ones at
    the end, instead of one worker taking a long test last while the other has finished (the
    Spark comparison, about 4 minutes, once started 8.5 minutes into a 12.5-minute run and
    ran alone at its end).

    pytest-xdist currently hands out every test on its own, in this order: with this pytest it
    ignores `xdist_group` (pytest-xdist#1386). Once it groups again, `--no-loadscope-reorder`
    (the Makefile's) keeps each group where its first test is, instead of putting the largest
    groups first."""
    def minutes(item: pytest.Item) -> float:
        slow = item.get_closest_marker("slow")
        if slow is None:
            return 0
        if slow.args:
            raise pytest.UsageError(f"{item.nodeid}: write slow(minutes=N), not slow(N)")
        return slow.kwargs.get("minutes", 1)

    items.sort(key=minutes, reverse=True)


# Spark starts many times in the suite, each time on tiny data: its JVM's optimising JIT tier
# would cost more than it saves (about 10% of a short dbt build on Spark, measured), and one
# core each for its tasks and its garbage collector leaves the other test worker its core.
os.environ.setdefault("ADS_ANALYTICS_SPARK_JAVA_OPTIONS",
                      "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
os.environ.setdefault("ADS_ANALYTICS_SPARK_CORES", "1")

# A fixed end date keeps every test's world identical, whatever day the suite runs.
END_DATE = dt.date(2026, 10, 31)
SEED = 7


@pytest.fixture(scope="session")
def world_s() -> World:
    """The size-S world, shared read-only by the tests that do not change it."""
    return World.generate("S", SEED, END_DATE)


@pytest.fixture(scope="session")
def simulator(world_s: World) -> Iterator[SimulatorServer]:
    """A server on the shared world. Tests that add faults or restate use `fresh_simulator`."""
    with simulator_server(world_s) as server:
        server.warm()  # as `simulator serve` does; `fresh_simulator` indexes lazily
        yield server


@pytest.fixture
def fresh_simulator() -> Iterator[SimulatorServer]:
    """A server on its own world, for tests that inject faults or restate days."""
    with simulator_server(World.generate("S", SEED, END_DATE)) as server:
        yield server


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def pipelines_dir(tmp_path: Path) -> Path:
    """dlt's working folder (state, load packages), kept out of the user's home."""
    return tmp_path / "dlt_pipelines"
