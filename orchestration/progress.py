"""A terminal progress display for runs started from the CLI: one bar over the run's steps,
one line per finished step. It is a Dagster logger, so it sees exactly what the UI would."""

from __future__ import annotations

import logging
import time

from dagster import InitLoggerContext, logger
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class StepProgress(logging.Handler):
    def __init__(self, total_steps: int, console: Console | None = None) -> None:
        super().__init__(level=logging.DEBUG)
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=self.console, transient=True,
        )
        self.task = self.progress.add_task("starting", total=total_steps)
        self.started: dict[str, float] = {}
        self.materialized: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = record.__dict__.get("dagster_meta") or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self.progress.update(self.task, description=step)
        elif kind == "ASSET_MATERIALIZATION":
            self.materialized[step] = self.materialized.get(step, 0) + 1
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            took = time.monotonic() - self.started.get(step, time.monotonic())
            mark = {"STEP_SUCCESS": "[green]done", "STEP_FAILURE": "[red]FAILED",
                    "STEP_SKIPPED": "[yellow]skipped"}[kind]
            assets = self.materialized.get(step, 0)
            detail = f", {assets} assets" if assets else ""
            self.progress.console.print(f"  {mark}[/] {step} ({took:.1f} s{detail})")
            self.progress.advance(self.task)

    def __enter__(self) -> StepProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def progress_logger(handler: StepProgress):
    @logger(description="Step progress on the terminal.")
    def _progress(init_context: InitLoggerContext) -> logging.Logger:
        log = logging.Logger("ads_analytics.progress", level=logging.DEBUG)
        log.addHandler(handler)
        return log

    return _progress
