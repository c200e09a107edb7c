"""Every file and folder kept beside a warehouse, named in one place.

A warehouse is one DuckDB file that readers open (`warehouse.duckdb`); the state runs keep for
it sits in the same folder, each name carrying the warehouse's own (`warehouse_logs/`,
`.warehouse_dbt/`), so two warehouses in one folder never share any of it. The two files a
person edits, the reports' settings and the dashboard's users, are the folder's: every
warehouse in it reads them (each may be pointed elsewhere: core/settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Files a person keeps in the warehouse's folder, for every warehouse in it.
REPORT_SETTINGS_FILE = "ads_analytics.toml"
DASHBOARD_USERS_FILE = "dashboard_users.toml"


@dataclass(frozen=True)
class WarehouseLayout:
    """The places of one warehouse, `file` being the published DuckDB file."""

    file: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", Path(self.file).expanduser().resolve())

    @property
    def folder(self) -> Path:
        return self.file.parent

    @property
    def name(self) -> str:
        return self.file.stem

    def _beside(self, suffix: str, hidden: bool = False) -> Path:
        return self.folder / f"{'.' if hidden else ''}{self.name}{suffix}"

    # The DuckDB files and what DuckDB and the runs keep with them.
    @property
    def build(self) -> Path:
        """Where runs load and build: `.<name>_build.duckdb`; a run that completes publishes it
        over `file` (core/publishing.py)."""
        return self._beside(f"_build{self.file.suffix}", hidden=True)

    @staticmethod
    def wal(database: Path) -> Path:
        """DuckDB's write-ahead log of `database`."""
        return database.with_name(database.name + ".wal")

    @property
    def run_lock(self) -> Path:
        """Held by a run for its whole length (core/locking.py)."""
        return self.file.with_name(self.file.name + ".lock")

    @property
    def children_lock(self) -> Path:
        """Held (shared) by each process a run starts, for as long as it lives."""
        return self.file.with_name(self.file.name + ".children.lock")

    # What people manage.
    @property
    def goals(self) -> Path:
        """The goals users manage, one per line (`ads-analytics goals`, the dashboard)."""
        return self._beside("_goals.jsonl")

    @property
    def report_settings(self) -> Path:
        return self.folder / REPORT_SETTINGS_FILE

    @property
    def dashboard_users(self) -> Path:
        return self.folder / DASHBOARD_USERS_FILE

    # What runs keep.
    @property
    def dlt_state(self) -> Path:
        """dlt's pipelines folder."""
        return self._beside("_dlt", hidden=True)

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder of the runs' steps."""
        return self._beside("_dbt", hidden=True)

    @property
    def dbt_read_side_target(self) -> Path:
        """dbt's target folder of the Spark engine's DuckDB read side."""
        return self._beside("_dbt_read_side", hidden=True)

    @property
    def dbt_goals_target(self) -> Path:
        """dbt's target folder of a goals change's rebuild."""
        return self._beside("_dbt_goals", hidden=True)

    @property
    def spark_home(self) -> Path:
        """The Spark engine's folder: its raw Parquet, tables and metastore."""
        return self._beside("_spark")

    @property
    def spark_raw(self) -> Path:
        """Where the sources land as Parquet when Spark builds."""
        return self.spark_home / "raw"

    @property
    def logs(self) -> Path:
        """dbt's and dlt's output of the runs started from the command line."""
        return self._beside("_logs")

    @property
    def quality(self) -> Path:
        """The Great Expectations project: suites, results, Data Docs."""
        return self._beside("_quality")

    @property
    def reports(self) -> Path:
        """The reports each run publishes (overview, campaigns, summary)."""
        return self._beside("_reports")

    @property
    def backfills(self) -> Path:
        """The progress of each backfill, so an interrupted one resumes."""
        return self._beside("_backfills")

    def state_folders(self) -> dict[Path, str]:
        """The folders whose contents belong to runs, each with what it is."""
        return {
            self.dlt_state: "dlt's pipeline state",
            self.dbt_target: "dbt's target folder",
            self.dbt_read_side_target: "the read side's dbt target",
            self.dbt_goals_target: "the goals' dbt target",
            self.spark_home: "the Spark engine's folder",
            self.logs: "the run logs",
            self.quality: "the data-quality project",
            self.backfills: "the backfills' progress",
        }
