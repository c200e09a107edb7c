"""A warehouse loaded from the simulator (size S) once per module, and dbt run against it."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.paths import DBT_PROJECT_DIR, dbt_executable
from ingestion.common.pipeline import make_pipeline, run_source
from ingestion.registry import SOURCE_NAMES, source_factory
from simulator.apis import simulator_server
from simulator.config import source_settings
from simulator.server import SimulatorServer
from simulator.world import World
from tests.conftest import END_DATE, SEED


@dataclass
class DbtResult:
    success: bool
    failures: list[tuple[str, str, str]]  # (node, status, message)


@dataclass
class Warehouse:
    """A warehouse file with its own simulator, dlt state and dbt target folder."""

    path: Path
    server: SimulatorServer
    workdir: Path

    def load(self) -> None:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in source_settings(self.server, self.workdir).items():
                patch.setenv(key, value)
            for name in SOURCE_NAMES:
                pipeline = make_pipeline(name, self.path, self.workdir / "dlt")
                run_source(source_factory(name)(), pipeline)

    def dbt(self, *args: str) -> DbtResult:
        """`dbt <args>` on this warehouse in a child process (dbt-duckdb keeps its connection
        open in process); the project's own target folder is left alone so tests can run side
        by side.

        The profile names the file relative to the warehouse's folder, where dbt runs: every
        copy is `warehouse.duckdb` to dbt, so a copy's first dbt command reuses the parse the
        copy brought along (dbt parses the whole project again for another profile)."""
        target = self.workdir / "target"
        completed = subprocess.run(
            [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR),
             "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
             "--log-path", str(self.workdir / "logs")],
            env={**os.environ, "ADS_ANALYTICS_WAREHOUSE": self.path.name},
            cwd=self.path.parent, capture_output=True, text=True, check=False,
        )
        failures = []
        results = target / "run_results.json"
        if results.exists():
            failures = [(r["unique_id"].split(".")[-1 if r["unique_id"].startswith("model")
                                                     else 2],
                         r["status"], r.get("message") or "")
                        for r in json.loads(results.read_text())["results"]
                        if r["status"] in ("error", "fail")]
        if completed.returncode != 0 and not failures:
            failures.append(("dbt", "exception", completed.stdout[-2000:]))
        return DbtResult(completed.returncode == 0, failures)

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql).df()

    def first_insight(self) -> pd.Series:
        """The first Facebook insights row by ad and day: its account_id, ad_id, date_start (a
        row for tests to spoil)."""
        return self.query("""
            select account_id, ad_id, date_start from raw_facebook_ads.ad_insights
            order by ad_id, date_start limit 1""").iloc[0]

    def execute(self, sql: str) -> None:
        with duckdb.connect(str(self.path)) as con:
            con.execute(sql)

    def copy(self, name: str, server: SimulatorServer | None = None) -> Warehouse:
        """The same data in another file (for tests that spoil it), optionally with another
        simulator to load from next."""
        workdir = self.workdir.parent / name
        workdir.mkdir()
        path = workdir / self.path.name
        shutil.copy(self.path, path)
        parse = self.workdir / "target" / "partial_parse.msgpack"
        if parse.exists():
            (workdir / "target").mkdir()
            shutil.copy(parse, workdir / "target")
        return Warehouse(path, server or self.server, workdir)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Iterator[Warehouse]:
    """Size S loaded from its own simulator and built with `dbt build`, once for every module
    (tests read it, and spoil only copies of it: `built.copy(name)`, each name once).

    With test workers (pytest-xdist), the first worker to ask builds it in the session's shared
    folder and the others copy it (the folder, its dlt state and dbt parse included: the build is
    the same from any simulator of the same world); each has its own simulator to load from."""
    workdir = tmp_path_factory.mktemp("transform")
    with simulator_server(World.generate("S", SEED, END_DATE)) as server:
        server.warm()
        if "PYTEST_XDIST_WORKER" not in os.environ:
            _build(Warehouse(workdir / "warehouse.duckdb", server, workdir))
        else:
            shared = tmp_path_factory.getbasetemp().parent / "built"
            with open(f"{shared}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                # (the file keeps its name: dbt's views name the database, which is the file's)
                if not (done := shared.with_suffix(".done")).exists():
                    shutil.rmtree(shared, ignore_errors=True)  # a worker that failed building
                    shared.mkdir()
                    _build(Warehouse(shared / "warehouse.duckdb", server, shared))
                    done.touch()
            shutil.copytree(shared, workdir, dirs_exist_ok=True)
        yield Warehouse(workdir / "warehouse.duckdb", server, workdir)


def _build(warehouse: Warehouse) -> None:
    warehouse.load()
    result = warehouse.dbt("build")
    assert result.success, result.failures
