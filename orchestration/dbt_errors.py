"""Why a dbt step failed, in dbt's own words and on one line.

dagster-dbt fails a step with "The dbt CLI process with command ... failed"; the reason is in
dbt's own events: each model's error message (a `raise_error` names the offending value:
`missing exchange rate: XYZ to USD on 2026-10-01`), and each failed test's count of rows.
For a failed test on DuckDB, its first rows are read back from the warehouse (the test's
compiled query, read-only), so the line names the duplicate key or the row without a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

FAILED = ("error", "fail", "runtime error")
# Rows of a failed test named in its reason.
EXAMPLE_ROWS = 3


# dbt's events that end a node, with its status (a test's also with its count of failing rows)
RESULT_EVENTS = frozenset({"LogModelResult", "LogTestResult", "LogSeedResult",
                           "LogSnapshotResult"})


@dataclass
class _Node:
    status: str | None = None
    failures: int | None = None
    message: str | None = None
    compiled_path: str | None = None


@dataclass
class StepResults:
    """What dbt said of each node in its events (a dbt process's JSON lines, or the same dicts
    from the events dbt in this process hands its callback): the status, a test's failing
    rows, the error message, the compiled SQL's path. Read from the events, a step needs no
    `run_results.json`, so the DuckDB steps do not write dbt's JSON artifacts (writing them
    writes `manifest.json` twice, more than a second of every step)."""

    nodes: dict[str, _Node] = field(default_factory=dict)

    def see(self, raw_event: dict) -> None:
        """Take in one of dbt's events (its JSON log line, parsed)."""
        data = raw_event.get("data") or {}
        unique_id = (data.get("node_info") or {}).get("unique_id")
        if not unique_id:
            return
        name = (raw_event.get("info") or {}).get("name")
        if name in RESULT_EVENTS:
            node = self.nodes.setdefault(unique_id, _Node())
            node.status = data.get("status")
            node.failures = data.get("num_failures")
        elif name == "RunResultError":
            self.nodes.setdefault(unique_id, _Node()).message = data.get("msg")
        elif name == "SQLCompiledPath":
            self.nodes.setdefault(unique_id, _Node()).compiled_path = data.get("path")

    def failures(self, database: Path | None = None) -> dict[str, str]:
        """unique_id -> one line, for each node that errored or failed; `database` (a DuckDB
        file) to name a failed test's rows."""
        found = {}
        for unique_id, node in self.nodes.items():
            status = (node.status or "").lower()
            if status not in FAILED:
                continue
            kind, name = _kind_and_name(unique_id)
            text = f"{kind} {name}: {_message(status, node.message, node.failures)}"
            if kind == "test" and status == "fail" and database is not None:
                rows = _example_rows(database, _read(node.compiled_path))
                if rows:
                    text += f", e.g. {rows}"
            found[unique_id] = text
        return found


def _read(path: str | None) -> str | None:
    """The compiled SQL at `path` (absolute: the steps give dbt an absolute target folder)."""
    if not path:
        return None
    try:
        return Path(path).read_text()
    except OSError:
        return None


def step_reason(found: dict[str, str]) -> str | None:
    """The first of an invocation's `failures` on one line, with how many more there were."""
    if not found:
        return None
    first, *others = found.values()
    return first + (f" (and {len(others)} more failed)" if others else "")


def _kind_and_name(unique_id: str) -> tuple[str, str]:
    kind, _, rest = unique_id.partition(".")
    name = rest.split(".")[1] if "." in rest else rest
    return kind, name


def _message(status: str, message: str | None, failures: int | None) -> str:
    """dbt's message without its frame: the database's own error, else dbt's line."""
    message = (message or "").strip()
    if status == "fail":
        rows = f"{failures} row{'s' if failures != 1 else ''}" if failures is not None else ""
        return f"{rows} failed the test" if rows else message or "the test failed"
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    # "Runtime Error in model x (models/x.sql)" then the database's error
    lines = [line for line in lines if not re.match(r"(Runtime|Database|Compilation) Error in ",
                                                    line)] or lines
    text = " ".join(lines) or "no message"
    # "Invalid Input Error: missing exchange rate: ..." -> the macro's own message
    return re.sub(r"^(Invalid Input|Binder|Catalog|Conversion|Constraint) Error: ", "", text)


def _example_rows(database: Path, compiled: str | None) -> str | None:
    if not compiled or not Path(database).exists():
        return None
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            cursor = con.execute(f"select * from ({compiled}) limit {EXAMPLE_ROWS}")
            columns = [column[0] for column in cursor.description]
            rows = cursor.fetchall()
    except duckdb.Error:
        return None  # the reason still says how many rows failed
    return "; ".join(", ".join(f"{column}={value}" for column, value in zip(columns, row,
                                                                          strict=True))
                     for row in rows)
