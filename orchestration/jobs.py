"""Run the main job in this process and summarise it for people and for exit codes."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import re
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    ExecuteInProcessResult,
    RunsFilter,
)

from core.layout import WarehouseLayout
from core.locking import warehouse_lock
from core.publishing import published_at
from core.settings import DAGSTER_HOME_ENV, Settings, environment
from orchestration import event_log
from orchestration.assets.ingestion import CONNECTED
from orchestration.assets.publish import PUBLISHED
from orchestration.progress import StepProgress, progress_logger
from orchestration.read_side import check_engine


@dataclass
class JobOutcome:
    result: ExecuteInProcessResult
    materialized: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    # checks of warning severity that did not pass: reported, not failures
    warnings: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    # steps that did not run: what they read failed to load, or a blocking check failed
    not_run: list[str] = field(default_factory=list)
    # raw dataset (`raw_facebook_ads`) -> whether the configuration connects its source
    sources: dict[str, bool] = field(default_factory=dict)
    # the published warehouse, when the job ends by publishing its build (it may not have)
    publishes_to: Path | None = None

    @property
    def published(self) -> bool:
        return PUBLISHED in self.materialized

    @property
    def failed_checks(self) -> list[tuple[str, str]]:
        """(check, description) of the checks that failed, each once: a check failing the same
        way on several tables (a source's failed account) is one failure."""
        return list(dict.fromkeys((name, text) for name, ok, text in self.checks if not ok))

    @property
    def success(self) -> bool:
        return (self.result.success and not self.failures and not self.failed_checks
                and not self.not_run)

    def summary_lines(self) -> list[str]:
        passed = sum(1 for _, ok, _ in self.checks if ok)
        warned = f", {len(self.warnings)} warned" if self.warnings else ""
        lines = [f"Materialized {len(self.materialized)} assets; "
                 f"{passed} of {len(self.checks)} checks passed{warned}."]
        if self.sources:
            lines.insert(0, self.sources_line())
        for name, text in self.failed_checks:
            lines.append(f"  check {name} FAILED: {text}")
        for name, text in self.warnings:
            lines.append(f"  check {name} warns: {text}" if text else f"  check {name} warns")
        for step, message in self.failures:
            lines.append(f"  step {step} failed: {_first_line(message)}")
        if self.not_run:
            lines.append(f"  not run (what they read failed): {', '.join(self.not_run)}")
        if self.publishes_to is not None and not self.published:
            when = published_at(self.publishes_to)
            lines.append(f"Not published: readers of {self.publishes_to.name} keep "
                         + (f"the build published {when:%Y-%m-%d %H:%M} UTC." if when
                            else "nothing (no build was published yet)."))
        return lines

    def sources_line(self) -> str:
        """`Sources: facebook_ads, hubspot connected; google_ads not connected (no
        configuration: nothing loaded)`."""
        from ingestion.registry import SOURCE_NAMES

        order = {f"raw_{name}": rank for rank, name in enumerate(SOURCE_NAMES)}
        datasets = sorted(self.sources, key=lambda d: order.get(d, len(order)))
        connected = [d.removeprefix("raw_") for d in datasets if self.sources[d]]
        absent = [d.removeprefix("raw_") for d in datasets if not self.sources[d]]
        text = f"Sources: {', '.join(connected) or 'none'} connected"
        if absent:
            text += f"; {', '.join(absent)} not connected (no configuration: nothing loaded)"
        return text + "."

    def failure_message(self) -> str:
        if self.failures:
            step, message = self.failures[0]
            first = _first_line(message)
            more = f" (and {len(self.failures) - 1} more failed steps)" if len(
                self.failures) > 1 else ""
            skipped = f"; not run: {', '.join(self.not_run)}" if self.not_run else ""
            return f"step {step} failed: {first}{more}{skipped}"
        failed = self.failed_checks
        if not failed and self.not_run:
            # Dagster skips a step whose inputs were not produced, without a failure
            return f"steps did not run: {', '.join(self.not_run)}"
        if not failed:
            return "the run failed"
        name, text = failed[0]
        more = f" (and {len(failed) - 1} more failed checks)" if len(failed) > 1 else ""
        return f"check {name} failed: {_first_line(text)}{more}"


def _first_line(message: str) -> str:
    """The message on one line: its first line, and the lines after it when it ends with a
    colon (a list, such as the checks that failed)."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if not lines:
        return "no error message"
    first = lines[0]
    if first.endswith(":") and len(lines) > 1:
        first = f"{first} {'; '.join(lines[1:6])}"
    # Dagster prefixes the exception's qualified class name; the message says enough.
    return re.sub(r"^([\w.]+(Error|Exception)|([a-z_]\w*\.)+[A-Z]\w*): ", "", first)


def run_log_path(warehouse: Path, job: str) -> Path:
    """Where a run's dbt and dlt output goes: `<name>_logs/<job>-<UTC time>.log` beside the
    warehouse."""
    folder = WarehouseLayout(warehouse).logs
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{job}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.log"


# The instance's settings when the project creates DAGSTER_HOME: one run at a time, and one step
# at a time in the warehouse pool, across every run (DuckDB has one writer per file). The
# daemon's run monitoring fails a run whose process died and frees the slots it held, so a
# killed run cannot hold the warehouse pool for ever (CLI runs do this themselves: see
# `fail_interrupted_runs`). The event log is Dagster's SQLite one with its connections kept
# (orchestration/event_log.py): the same files, three times faster to write.
INSTANCE_DEFAULTS = event_log.DAGSTER_SETTING + """\
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 30
"""


def dagster_home(settings: Settings | None = None) -> Path:
    """The Dagster instance's folder (`DAGSTER_HOME`, default data/dagster_home), with a
    dagster.yaml in it (the project's defaults when there is none; an existing one is left as it
    is)."""
    home = (settings or Settings.from_environment()).dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or not config.read_text().strip():
        config.write_text(INSTANCE_DEFAULTS)
    return home


def instance(settings: Settings | None = None) -> DagsterInstance:
    """The persistent instance, so runs started here show in `ads-analytics dev`. Created under
    a lock: two processes creating a new instance's storage at once would collide."""
    home = dagster_home(settings)
    with open(home / ".instance.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # the instance's settings name its folders by DAGSTER_HOME, as `dagster dev` reads them
        with environment({DAGSTER_HOME_ENV: str(home)}):
            return DagsterInstance.from_config(str(home))


def run_main_job(
    defs=None, dagster_instance: DagsterInstance | None = None, show_progress: bool = False
) -> JobOutcome:
    """The main job of `defs` (the environment's settings' definitions unless given)."""
    from orchestration.definitions import MAIN_JOB

    return run_job(MAIN_JOB, defs, dagster_instance, show_progress)


def run_job(
    name: str, defs=None, dagster_instance: DagsterInstance | None = None,
    show_progress: bool = False, tags: dict[str, str] | None = None,
) -> JobOutcome:
    """Run one job of the definitions in this process, holding the warehouse's run lock.
    `tags` are the run's tags (a range of partitions, for a backfill chunk)."""
    if defs is None:
        from orchestration.definitions import build_definitions

        defs = build_definitions()
    job = defs.resolve_job_def(name)
    dagster_instance = dagster_instance or instance()
    resource = defs.resources["warehouse"]
    warehouse = resource.file
    with warehouse_lock(warehouse, on_wait=lambda: print(
            f"Another run is writing {warehouse}; waiting for it to finish ...", flush=True)):
        # (the run's warehouse resource waits for a killed run's dbt and starts the build copy
        # when there is none: orchestration/resources.py)
        check_engine(warehouse, resource.engine)
        for line in fail_interrupted_runs(dagster_instance, warehouse):
            print(line, flush=True)
        return _execute(job, dagster_instance,
                        run_log_path(warehouse, name) if show_progress else None,
                        tags={**(tags or {}), WAREHOUSE_TAG: str(warehouse)},
                        warehouse=warehouse)


# Runs started here carry their warehouse, so a later run on the same file can find one that
# was interrupted.
WAREHOUSE_TAG = "ads_analytics/warehouse"
_UNFINISHED = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
               DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def fail_interrupted_runs(dagster_instance: DagsterInstance, warehouse: Path) -> list[str]:
    """Mark failed the runs on `warehouse` that a killed process left unfinished, and free the
    warehouse-pool slots they held (otherwise every later run waits for them forever).

    Called holding the warehouse's run lock: a process running on this warehouse would hold
    that lock, so an unfinished run tagged with it has no process left."""
    lines = []
    for run in dagster_instance.get_runs(
            RunsFilter(statuses=_UNFINISHED, tags={WAREHOUSE_TAG: str(warehouse)})):
        message = (f"Run {run.run_id} of job {run.job_name} was interrupted: its process ended "
                   "before the run finished. Marked failed; its steps' warehouse slots freed.")
        dagster_instance.report_run_failed(run, message)
        dagster_instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        lines.append(message)
    return lines


def _execute(job, dagster_instance: DagsterInstance, log_path: Path | None,
             tags: dict[str, str], warehouse: Path) -> JobOutcome:
    """Execute `job`; with `log_path`, behind a progress display, dbt and dlt output going
    to that file."""
    if log_path is not None:
        handler = StepProgress(total_steps=len(job.graph.node_dict))
        job = job.with_logger_defs({"progress": progress_logger(handler)})
        # dbt and dlt print their own chatter; the terminal shows the progress display and the
        # chatter goes to a log file beside the warehouse.
        with handler, open(log_path, "w") as log_file, contextlib.redirect_stdout(log_file):
            result = job.execute_in_process(
                instance=dagster_instance, raise_on_error=False,
                run_config={"loggers": {"progress": {}}}, tags=tags,
            )
        handler.console.print(f"  (dbt and dlt output: {log_path})")
    else:
        result = job.execute_in_process(instance=dagster_instance, raise_on_error=False,
                                        tags=tags)
    outcome = JobOutcome(result)
    if PUBLISHED in job.graph.node_dict:
        outcome.publishes_to = warehouse
    started = set()
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_START:
            started.add(event.step_key)
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            outcome.materialized.append(event.asset_key.to_user_string())
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.event_specific_data
            text = data.description or ""
            connected = (data.metadata or {}).get(CONNECTED)
            if connected is not None:
                outcome.sources[data.asset_key.path[0]] = bool(
                    getattr(connected, "value", connected))
            if not data.passed and data.severity == AssetCheckSeverity.WARN:
                outcome.warnings.append((data.check_name, text))
            else:
                outcome.checks.append((data.check_name, data.passed, text))
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            message = error.message.strip() if error else ""
            cause = error.cause if error else None
            while cause is not None:
                message = cause.message.strip()
                cause = cause.cause
            outcome.failures.append((event.step_key, message))
    outcome.not_run = [step for step in job.graph.node_dict if step not in started]
    return outcome
