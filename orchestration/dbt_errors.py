"""Why a dbt step failed, in dbt's own words and on one line.

dagster-dbt fails a step with "The dbt CLI process with command ... failed"; the reason is in
the step's `run_results.json`: each model's error message (a `raise_error` names the offending
value: `missing exchange rate: XYZ to USD on 2026-10-01`), and each failed test's count of
rows. For a failed test on DuckDB, its first rows are read back from the warehouse (the test's
compiled query, read-only), so the line names the duplicate key or the row without a value.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

FAILED = ("error", "fail", "runtime error")
# Rows of a failed test named in its reason.
EXAMPLE_ROWS = 3


def failures(target: Path, database: Path | None = None) -> dict[str, str]:
    """unique_id -> one line, for each node that errored or failed in the dbt invocation whose
    target folder is `target`; `database` (a DuckDB file) to name a failed test's rows."""
    results_file = target / "run_results.json"
    if not results_file.exists():
        return {}
    found = {}
    for result in json.loads(results_file.read_text()).get("results", []):
        if result.get("status") not in FAILED:
            continue
        unique_id = result["unique_id"]
        kind, name = _kind_and_name(unique_id)
        text = f"{kind} {name}: {_message(result)}"
        if kind == "test" and result.get("status") == "fail" and database is not None:
            rows = _example_rows(database, result.get("compiled_code"))
            if rows:
                text += f", e.g. {rows}"
        found[unique_id] = text
    return found


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


def _message(result: dict) -> str:
    """dbt's message without its frame: the database's own error, else dbt's line."""
    message = (result.get("message") or "").strip()
    if result.get("status") == "fail":
        failures = result.get("failures")
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
