"""A change to a warehouse's goals, shown in its published goal progress without a run.

The goal marts (`dim_goal_campaigns`, `fct_goal_progress`) measure the goals file beside the
warehouse (`WarehouseLayout.goals`). A change (`ads-analytics goals ...`, the dashboard's Goals)
holds the warehouse's run lock, so it waits for a run in progress and no run starts meanwhile,
and then:
1. writes the new goals beside the goals file;
2. copies the published warehouse and rebuilds the two goal marts in the copy over the new
   goals, with their tests (dbt on the DuckDB target, a few seconds: they read the other marts,
   which the copy has);
3. moves the new goals over the goals file, and the copy over the published warehouse, each
   atomically (`core.publishing.republish`).
If 1 or 2 fails, the goals file and the published warehouse stay as they were. The copy starts
from what readers see, not from the build, which may hold a failed run's work that was not to
be published; every later run measures the same file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from core.layout import WarehouseLayout
from core.locking import warehouse_lock
from core.paths import DBT_PROJECT_DIR, dbt_executable
from core.publishing import Publication, republish
from core.settings import GOALS_FILE_ENV, Settings
from reporting.errors import ReportError

GOAL_MARTS = ("dim_goal_campaigns", "fct_goal_progress")


class GoalsNotSaved(ReportError):
    """The goals could not be saved (nothing was changed); the message says why."""


def goals_target(warehouse: Path) -> Path:
    """dbt's target folder for rebuilding `warehouse`'s goal marts (`.<name>_dbt_goals`: a parse
    of its own, for the copy it builds)."""
    return WarehouseLayout(warehouse).dbt_goals_target


def save_goals(warehouse: Path, new_goals: Callable[[], str], *, as_of: dt.date | None = None,
               on_wait: Callable[[], None] | None = None) -> Publication:
    """Replace `warehouse`'s goals with the text `new_goals` returns (called holding the run
    lock, so it reads the goals no one else is changing) and publish their progress, measured
    as of `as_of` (default: today in the portal time zone). `on_wait` is called once if a run
    holds the lock first. Raises `GoalsNotSaved`, or what `new_goals` raises, with nothing
    changed."""
    if not warehouse.exists():
        raise GoalsNotSaved(f"no warehouse at {warehouse}: run `ads-analytics run` (or demo) "
                            "first; goals are measured against its campaigns and users")
    path = WarehouseLayout(warehouse).goals
    pending = path.with_name(f".{path.name}.saving")
    with warehouse_lock(warehouse, on_wait=on_wait):
        text = new_goals()
        try:
            pending.write_text(text)
            with open(pending, "rb") as handle:
                os.fsync(handle.fileno())

            def rebuild(copy: Path) -> None:
                build_goal_marts(warehouse, copy, pending, as_of)
                os.replace(pending, path)

            return republish(warehouse, rebuild)
        except OSError as exc:
            raise GoalsNotSaved(f"cannot save the goals beside {warehouse}: "
                                f"{exc.strerror or exc}") from None
        finally:
            pending.unlink(missing_ok=True)


def build_goal_marts(warehouse: Path, database: Path, goals: Path,
                     as_of: dt.date | None = None) -> None:
    """Build the goal marts (and run their tests) in `database`, a copy of `warehouse`, over
    the goals file `goals`; `GoalsNotSaved` with dbt's error when they fail."""
    target = goals_target(warehouse)
    args = ["build", "--select", *GOAL_MARTS, "--exclude-resource-type", "unit_test",
            "--target", "duckdb"]
    if as_of is not None:
        args += ["--vars", f"{{goals_as_of: '{as_of.isoformat()}'}}"]
    # (always DuckDB: the goal marts are built in a copy of the published file)
    settings = Settings.from_environment(warehouse=warehouse)
    env = {**os.environ, **settings.dbt_environment(database, engine="duckdb"),
           GOALS_FILE_ENV: str(goals)}
    completed = subprocess.run(
        [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
         "--log-path", str(target), "--no-use-colors", "--quiet"],
        env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        output = [line.strip() for line in (completed.stdout + completed.stderr).splitlines()
                  if line.strip()]
        reasons = [line for line in output if "error" in line.lower()
                   and not line.lower().startswith(("completed with", "done."))]
        reason = (reasons or output or ["no output"])[-1]
        raise GoalsNotSaved(f"measuring the goals failed, nothing was changed: {reason} "
                            f"(dbt's log: {target / 'dbt.log'})")
