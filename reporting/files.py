"""Where report output may go, and how it gets there.

A report's `-o FILE` is whatever a user typed, so it is checked before anything runs: never the
warehouse, its build copy, their write-ahead logs and locks, nor the state a run keeps beside
them (dlt's, dbt's, Spark's, Dagster's, the run logs, the quality project, the dashboard's
users); never a folder or a device; always in a folder that exists. A file is written beside its
target and moved over it in one step, so a reader (or a failed write) never sees half of it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from orchestration.paths import DATA_DIR, build_file, goals_file, spark_home
from reporting.errors import OutputRefused, ReportError
from reporting.settings import settings_file

USERS_FILE = "dashboard_users.toml"


def protected_files(warehouse: Path) -> dict[Path, str]:
    """The files beside `warehouse` no report may replace, each with what it is."""
    files = {}
    for database, what in ((warehouse, "the warehouse"),
                           (build_file(warehouse), "the warehouse's build copy")):
        files[database] = what
        files[database.with_name(database.name + ".wal")] = f"{what}'s write-ahead log"
        files[database.with_name(database.name + ".lock")] = f"{what}'s lock"
    files[warehouse.parent / USERS_FILE] = "the dashboard's users"
    files[settings_file(warehouse)] = "the reports' settings"
    files[goals_file(warehouse)] = "the goals (`ads-analytics goals` writes them)"
    return files


def protected_folders(warehouse: Path) -> dict[Path, str]:
    """The folders whose contents belong to runs, as the modules that own them name them
    (spelled out here where the owner imports dlt, dbt or Great Expectations, too much to load
    for a report; tests/reporting/test_files.py checks them against their owners)."""
    folder, stem = warehouse.parent, warehouse.stem
    folders = {
        folder / f".{stem}_dlt": "dlt's pipeline state",  # ingestion.common.pipeline
        folder / f".{stem}_dbt": "dbt's target folder",  # orchestration.dbt
        folder / f".{stem}_dbt_read_side": "the read side's dbt target",  # read_side
        folder / f".{stem}_dbt_goals": "the goals' dbt target",  # orchestration.goals
        spark_home(warehouse): "the Spark engine's folder",
        folder / "dagster_home": "the Dagster instance",  # orchestration.jobs
        DATA_DIR / "dagster_home": "the Dagster instance",
        folder / "logs": "the run logs",  # orchestration.jobs
        folder / "quality": "the data-quality project",  # expectations.runner
    }
    if os.environ.get("DAGSTER_HOME"):
        folders[Path(os.environ["DAGSTER_HOME"]).expanduser()] = "the Dagster instance"
    return {path.resolve(): what for path, what in folders.items()}


def refusal(target: Path, warehouse: Path) -> str | None:
    """Why `target` is the warehouse or state of a run (None when it is neither)."""
    warehouse = Path(warehouse).resolve()
    for path, what in protected_files(warehouse).items():
        if target == path or (path.exists() and target.exists() and target.samefile(path)):
            return f"it is {what}"
    if target.parent == warehouse.parent and target.suffix in (".lock", ".wal"):
        return "it is a lock or write-ahead log beside the warehouse"
    for path, what in protected_folders(warehouse).items():
        if target == path or path in target.parents:
            return f"it is in {what} ({path.name}/)"
    return None


def output_target(output: Path, warehouse: Path, owned: Path | None = None) -> Path:
    """The file `output` names, once it is known to be one a report (or the writer of the
    protected file `owned`) may write, links followed; raises `OutputRefused` saying why not."""
    target = Path(output).expanduser().resolve()
    why = None if target == owned else refusal(target, warehouse)
    if why is not None:
        raise OutputRefused(f"refusing to write {output}: {why}; choose another file")
    if target.is_dir():
        raise OutputRefused(f"cannot write {output}: {target} is a folder; name a file in it")
    if target.exists() and not target.is_file():
        raise OutputRefused(f"cannot write {output}: {target} is not a regular file")
    if not target.parent.is_dir():
        raise OutputRefused(f"cannot write {output}: the folder {target.parent} does not exist")
    return target


def write_atomically(target: Path, write: Callable[[Path], None], mode: int | None = None
                     ) -> None:
    """`write` a temporary file beside `target`, then move it over `target` in one step. The
    file gets `mode`, else the old file's, else what the umask leaves of rw-rw-rw-."""
    if mode is None:
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())
        temporary.chmod(mode)
        os.replace(temporary, target)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        temporary.unlink(missing_ok=True)
        temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
