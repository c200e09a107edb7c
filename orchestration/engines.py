"""The engine that builds the models, behind one seam.

DuckDB builds in the warehouse's build file itself. Spark builds beside it (Parquet in
`<name>_spark/`), and the DuckDB file becomes its read side: views over Spark's tables that every
reader opens as before (orchestration/read_side.py). What differs between the two is here, and
nowhere else in the Dagster definitions:
- where the sources land (the DuckDB file, or raw Parquet), and what follows a load;
- what a dbt step's dbt reads from its environment, and what follows the step;
- where a failed test's rows can be read back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from core.settings import RAW_PARQUET_ENV, Settings
from orchestration.dbt_cli import REGISTER_RAW_ENV


class DbtStep(Protocol):
    """One dbt step's build on an engine: the environment of its dbt, then what follows it."""

    environment: dict[str, str]
    # the engine's own arguments to `dbt build`
    arguments: tuple[str, ...]
    # whether dbt runs in the run's process (orchestration/dbt_runs.py), or as a process
    in_process: bool

    def finish(self, target: Path, failed: bool, log: logging.Logger) -> None:
        """After dbt: `target` is the step's dbt target folder, `failed` whether dbt failed."""


class Engine(Protocol):
    settings: Settings

    @property
    def raw_parquet(self) -> Path | None:
        """Where the sources land as Parquet; None when they load into the DuckDB file."""

    @property
    def failed_rows_database(self) -> Path | None:
        """The DuckDB file a failed dbt test's rows can be read back from, if any."""

    def after_load(self, dataset: str) -> str | None:
        """After a source loaded `dataset`: what was done, for the step's log."""

    def dbt_step(self) -> DbtStep:
        """A dbt step about to run."""


@dataclass
class _DuckDBStep:
    environment: dict[str, str]
    # No JSON artifacts: a step reads what failed from dbt's events, and writing them costs dbt
    # two writes of manifest.json (more than a second of every step). Spark's steps write them: its
    # build lists what it built from run_results.json.
    arguments: ClassVar[tuple[str, ...]] = ("--no-write-json",)
    # dbt in the run's process, with the parse loaded once: no dbt start per step
    in_process: ClassVar[bool] = True

    def finish(self, target: Path, failed: bool, log: logging.Logger) -> None:
        return None


@dataclass(frozen=True)
class _Loads:
    """Where both engines' sources land: the DuckDB file, or raw Parquet (Spark's raw layer, or
    a folder configured on DuckDB too), which each load then registers."""

    settings: Settings

    @property
    def raw_parquet(self) -> Path | None:
        return self.settings.raw_parquet_dir

    def after_load(self, dataset: str) -> str | None:
        """The dataset's raw Parquet as views in the DuckDB file, and the tables left for
        Spark's next build to register; nothing when the sources load into the file."""
        if self.raw_parquet is None:
            return None
        from orchestration.read_side import register_raw

        changed = register_raw(self.settings.warehouse, self.raw_parquet, dataset)
        return ("Raw Parquet registered for the read side; Spark's next build registers "
                f"{', '.join(changed) or 'nothing: no table new or changed'}")


@dataclass(frozen=True)
class DuckDBEngine(_Loads):
    """The embedded default: everything in the warehouse's build file."""

    @property
    def failed_rows_database(self) -> Path | None:
        return self.settings.layout.build

    def dbt_step(self) -> DbtStep:
        # (the child lock's variable too: a selection dbt cannot take in process runs dbt as a
        # process, which must hold it; dbt in process ignores it)
        return _DuckDBStep(self.settings.dbt_environment())


@dataclass
class _SparkStep:
    settings: Settings
    environment: dict[str, str]
    arguments: ClassVar[tuple[str, ...]] = ()
    # its own process: the Spark session, Python models on it, the list of what it built
    # (orchestration/dbt_cli.py)
    in_process: ClassVar[bool] = False
    # raw tables loaded since Spark last registered them, registered first by this step's dbt
    pending: dict[str, list[str]] = field(default_factory=dict)

    def finish(self, target: Path, failed: bool, log: logging.Logger) -> None:
        """Record what this step registered, and publish what it built into the DuckDB file,
        also when some of it failed (then dbt's error is the step's error, and a publishing
        error only logged)."""
        from orchestration.read_side import ReadSideError, mark_registered, publish_built

        warehouse = self.settings.warehouse
        if self.pending and not failed:
            mark_registered(warehouse, self.pending)
        try:
            published = publish_built(warehouse, target, self.settings.raw_parquet_dir)
            log.info(f"Published {len(published)} Spark relations to the read side")
        except ReadSideError as exc:
            if not failed:
                raise
            log.error(f"Publishing what this step built failed: {exc}")


@dataclass(frozen=True)
class SparkEngine(_Loads):
    """dbt-spark on a local session, with the DuckDB file as the read side."""

    @property
    def failed_rows_database(self) -> Path | None:
        return None  # the rows are Spark's; dbt's message says how many

    def dbt_step(self) -> DbtStep:
        from orchestration.read_side import pending_raw

        env = self.settings.dbt_environment()
        pending = pending_raw(self.settings.warehouse)
        if pending:
            # registered in the build's own Spark session, before it builds
            env |= {REGISTER_RAW_ENV: json.dumps(sorted(pending)),
                    RAW_PARQUET_ENV: str(self.raw_parquet)}
        return _SparkStep(self.settings, env, pending)


def engine_for(settings: Settings) -> Engine:
    return SparkEngine(settings) if settings.on_spark else DuckDBEngine(settings)
