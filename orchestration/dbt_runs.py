"""A dbt step's dbt: in the run's own process on DuckDB, a process of its own on Spark.

A dbt process costs every step its start: importing dbt (about 1.5 s), reading the project's
parse back, connecting. On DuckDB a step's dbt runs instead in the run's process, with the
project's parse loaded once per process and handed to each step (dbt's `dbtRunner` with a
manifest): in the size-M demo the six steps took 23 s that way against 36-37 s as processes
(docs/orchestration.md, "dbt steps"). It runs in a thread of its own, and
its events reach the step as they happen, so the run shows each model as it is built.

Both kinds give the step the same thing: dbt's events as the JSON lines of `--log-format json`
(the dicts dagster-dbt reads), whether dbt succeeded, and its error. Spark keeps the process:
its session, its Python models and its list of built relations live in `ads-analytics-dbt`
(orchestration/dbt_cli.py).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from dagster import AssetExecutionContext
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

from core.settings import environment
from orchestration.dbt import StepDbtResource, parsed_manifest
from orchestration.dbt_errors import RESULT_EVENTS

# dbt's events a step reads: each node's result, an error's message, a compiled file's path.
STEP_EVENTS = RESULT_EVENTS | {"RunResultError", "SQLCompiledPath"}


class DbtRun(Protocol):
    def raw_events(self) -> Iterator[dict]:
        """dbt's events as they happen, each as its JSON log line parsed; ends with dbt."""

    def dagster_events(self, raw_event: dict) -> Iterator[Any]:
        """The Dagster events of one of dbt's events (a model's output, a test's check)."""

    def is_successful(self) -> bool: ...

    def get_error(self) -> Exception | None: ...


class ChildProcessRun:
    """dagster-dbt's dbt process (`ads-analytics-dbt` with the step's arguments)."""

    def __init__(self, invocation: DbtCliInvocation) -> None:
        self.invocation = invocation

    def raw_events(self) -> Iterator[dict]:
        for event in self.invocation.stream_raw_events():
            yield event.raw_event

    def dagster_events(self, raw_event: dict) -> Iterator[Any]:
        invocation = self.invocation
        return DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata={}) \
            .to_default_asset_events(
                manifest=invocation.manifest,
                dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=invocation.context, target_path=invocation.target_path,
                project=invocation.project)

    def is_successful(self) -> bool:
        return self.invocation.is_successful()

    def get_error(self) -> Exception | None:
        return self.invocation.get_error()


class DbtError(RuntimeError):
    """dbt, run in this process, failed without a node's error to tell (its own exception,
    or an error before it built anything: a profile it could not read, a selection that
    matched nothing it can build)."""


_DONE = object()


class InProcessRun:
    """dbt in this process, in a thread of its own, with a parse loaded once per process.

    `variables` are set in this process's environment from the start of dbt to the end of
    its events (dbt reads its profile's variables as it starts, its models' as it runs).
    After dbt, its DuckDB connection is closed: dbt-duckdb keeps one open for the process, and
    the DuckDB file then refuses every other connection this process opens with another
    configuration (a read-only reader, the publisher)."""

    def __init__(self, dbt: StepDbtResource, args: Sequence[str],
                 context: AssetExecutionContext, target: Path,
                 variables: dict[str, str]) -> None:
        cleaned, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context, manifest={}, dagster_dbt_translator=None,
            runtime_selects=selects, runtime_excludes=excludes)
        if "--selector" in params.selection_args:
            # dagster-dbt writes a selector file into a copy of the project for a selection of
            # over 200 resources, which this process's parse does not have: dbt as a process
            raise DbtSelectionTooLong(len(params.selection_args))
        self.manifest = params.manifest
        self.translator = params.dagster_dbt_translator
        self.project = params.dbt_project
        self.context = context
        self.target = target
        self.args = [*cleaned, *params.selection_args,
                     "--project-dir", str(dbt.project_dir), "--profiles-dir",
                     str(dbt.profiles_dir), "--target-path", str(target),
                     "--log-path", str(target)]
        self.variables = variables
        self.environment = {**variables, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        if params.indirect_selection:
            self.environment["DBT_INDIRECT_SELECTION"] = params.indirect_selection
        self._result = None
        self._failure: BaseException | None = None

    def raw_events(self) -> Iterator[dict]:
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        events: queue.SimpleQueue = queue.SimpleQueue()

        def callback(message) -> None:
            if message.info.name in STEP_EVENTS:
                events.put(msg_to_dict(message))

        with environment(self.environment):
            manifest = parsed_manifest(self.target, self.variables)

            def run() -> None:
                try:
                    try:
                        self._result = dbtRunner(manifest=manifest, callbacks=[callback]).invoke(
                            self.args)
                    finally:
                        interrupt.finished()
                except BaseException as exc:  # noqa: BLE001 (given to the step as its error)
                    self._failure = exc
                finally:
                    close_duckdb()
                    events.put(_DONE)

            thread = threading.Thread(target=run, name="dbt", daemon=True)
            interrupt = _Interrupt(thread)
            thread.start()
            try:
                while (event := events.get()) is not _DONE:
                    yield event
            finally:
                if thread.is_alive():
                    # the step ended before dbt (its run terminated, an error reading an
                    # event): stop dbt as Ctrl-C stops it, so no dbt builds on beside the next
                    # step, and wait for it to close the file
                    interrupt.stop()
                thread.join()

    def dagster_events(self, raw_event: dict) -> Iterator[Any]:
        return DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata={}) \
            .to_default_asset_events(
                manifest=self.manifest, dagster_dbt_translator=self.translator,
                context=self.context, target_path=self.target, project=self.project)

    def is_successful(self) -> bool:
        return self._failure is None and self._result is not None and self._result.success

    def get_error(self) -> Exception | None:
        if self.is_successful():
            return None
        if self._failure is not None:
            return DbtError(f"dbt failed: {self._failure}")
        exception = getattr(self._result, "exception", None)
        if isinstance(exception, KeyboardInterrupt):
            return DbtError("dbt was stopped: its step ended first (the run was terminated, "
                            "or reading dbt's events failed)")
        if exception is not None:
            return DbtError(f"dbt failed: {exception}")
        return DbtError(f"dbt failed (its log: {self.target / 'dbt.log'})")


class DbtSelectionTooLong(Exception):
    """A selection dagster-dbt would give dbt as a selector file: run as a process."""


def close_duckdb() -> None:
    """Close the DuckDB connection dbt-duckdb keeps for the process (none without one)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        kept = DuckDBConnectionManager._ENV
        DuckDBConnectionManager.close_all_connections()
        if kept is not None:
            kept.close()


def cancel_dbt() -> None:
    """Cancel the queries dbt runs in this process (the adapter's own cancelling): the queries
    running end and their nodes fail.

    Under dbt-duckdb's lock, which `close_duckdb` holds too: dbt's thread may be closing the
    database as it finishes, and cancelling on a closed one fails. A connection closed meanwhile
    has nothing left to cancel. (Only the DuckDB steps run dbt in process.)"""
    import duckdb
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import FACTORY

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is None:
            return
        for adapter in list(FACTORY.adapters.values()):
            # a connection closed as its node ended has nothing running on it to cancel
            with contextlib.suppress(duckdb.ConnectionException):
                adapter.cancel_open_connections()


class _Interrupt:
    """Stops a dbt running in `thread` of this process as Ctrl-C stops a dbt process.

    Cancelling dbt's queries alone ends the nodes running, and dbt then goes on with the nodes
    after them. So `stop` cancels the queries and raises KeyboardInterrupt in dbt's thread (an
    asynchronous exception, which Python raises there at its next instruction): dbt's main loop
    takes it as it takes Ctrl-C (cancels what runs, starts nothing more) and `invoke` returns.
    It is raised only while `invoke` runs, and at most once: `finished`, called by dbt's thread
    when `invoke` is over, withdraws one not raised yet, so none lands in the closing of the
    file after it."""

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = thread
        with _LOCK:
            _RUNNING.add(self)

    def stop(self) -> None:
        with _LOCK:
            if self not in _RUNNING:
                return
            _RUNNING.discard(self)
            cancel_dbt()
            _raise_in(self.thread, KeyboardInterrupt)

    def finished(self) -> None:
        with _LOCK:
            if self in _RUNNING:
                _RUNNING.discard(self)
            else:  # stopped: withdraw the interrupt if it is still pending
                _raise_in(self.thread, None)


# The in-process dbt runs neither stopped nor finished, and the lock over them.
_RUNNING: set[_Interrupt] = set()
_LOCK = threading.Lock()


@atexit.register
def _stop_running_dbt() -> None:
    """At the process's exit, stop each dbt still running in it and wait for it.

    A run interrupted by Ctrl-C or terminated from Dagster fails its step between two of dbt's
    events: Dagster leaves the step's generator where it was, so its `finally` (which stops
    dbt) waits for the garbage collector, and the process may end first. Python then ends its
    daemon threads where they stand, and one inside DuckDB aborts the process ("terminate called
    ... FATAL: exception not rethrown", exit status -6, the build file mid-write). Exit handlers
    run before that, with the daemon threads still alive. (In a process that outlives the run,
    as a notebook calling `execute_in_process`, dbt stops when the generator is collected.)"""
    for interrupt in list(_RUNNING):
        interrupt.stop()
        if interrupt.thread.is_alive():
            interrupt.thread.join()


def _raise_in(thread: threading.Thread, exception: type[BaseException] | None) -> None:
    """Raise `exception` in `thread` at its next instruction (None: withdraw one pending)."""
    if thread.ident is None:  # never started
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident), ctypes.py_object(exception) if exception else None)


def start(dbt: StepDbtResource, args: Sequence[str], context: AssetExecutionContext,
          target: Path, variables: dict[str, str], in_process: bool) -> DbtRun:
    """The step's dbt with `args` and the step's `variables` in its environment, in this
    process or as a process of its own."""
    if in_process:
        try:
            return InProcessRun(dbt, args, context, target, variables)
        except DbtSelectionTooLong:
            pass
    with environment(variables):
        return ChildProcessRun(dbt.cli(list(args), context=context, target_path=target,
                                       raise_on_error=False))
