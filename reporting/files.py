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

from core.layout import WarehouseLayout
from core.paths import DEFAULT_DAGSTER_HOME
from core.settings import Settings
from reporting.errors import OutputRefused, ReportError


def protected_files(warehouse: Path) -> dict[Path, str]:
    """The files beside `warehouse` no report may replace, each with what it is."""
    layout = WarehouseLayout(warehouse)
    settings = Settings.from_environment(warehouse=warehouse)
    files = {}
    for database, what in ((layout.file, "the warehouse"),
                           (layout.build, "the warehouse's build copy")):
        files[database] = what
        files[WarehouseLayout.wal(database)] = f"{what}'s write-ahead log"
        files[database.with_name(database.name + ".lock")] = f"{what}'s lock"
    files[layout.dashboard_users] = "the dashboard's users"
    files[settings.dashboard_users] = "the dashboard's users"
    files[settings.report_settings] = "the reports' settings"
    files[layout.goals] = "the goals (`ads-analytics goals` writes them)"
    return files


def protected_folders(warehouse: Path) -> dict[Path, str]:
    """The folders whose contents belong to runs (core/layout.py names them), and the Dagster
    instance's."""
    folders = dict(WarehouseLayout(warehouse).state_folders())
    folders[DEFAULT_DAGSTER_HOME] = "the Dagster instance"
    folders[Path(warehouse).parent / "dagster_home"] = "the Dagster instance"
    folders[Settings.from_environment(warehouse=warehouse).dagster_home] = "the Dagster instance"
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
        WarehouseLayout.wal(temporary).unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
