"""The settings a deployment gives, read once, typed, and handed on as arguments.

Each is an environment variable (the command line's `--warehouse` and `--target` set the first
two for one command); docs/configuration.md lists them. `Settings.from_environment()` reads
them at a program's entry (the CLI, the Dagster code location, `python -m ingestion.<source>`,
the dashboard) and refuses one that cannot be used, naming its variable. The sources' own
settings are dlt's configuration, read by each source; the portal's currency and time zone as
loaded are core/portal.py's.

What a child process needs (dbt, the dashboard's server, `dagster dev`) it gets in its own
environment: `Settings.child_environment`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.layout import WarehouseLayout
from core.paths import DEFAULT_DAGSTER_HOME, DEFAULT_WAREHOUSE

WAREHOUSE_ENV = "ADS_ANALYTICS_WAREHOUSE"
# Which engine builds the models (the dbt target): `duckdb` (default) or `spark`.
ENGINE_ENV = "ADS_ANALYTICS_ENGINE"
ENGINES = ("duckdb", "spark")
# A folder where the sources land raw as Parquet instead of in the DuckDB file; the Spark
# engine's default is `raw/` in its folder beside the warehouse.
RAW_PARQUET_ENV = "ADS_ANALYTICS_RAW_PARQUET"
# The portal's settings, each overriding what HubSpot's account info says.
COMPANY_CURRENCY_ENV = "ADS_ANALYTICS_COMPANY_CURRENCY"
PORTAL_TIME_ZONE_ENV = "ADS_ANALYTICS_PORTAL_TIME_ZONE"
# DuckDB's memory cap for a load's merge (a DuckDB size such as "2GB").
LOAD_MEMORY_LIMIT_ENV = "ADS_ANALYTICS_LOAD_MEMORY_LIMIT"
# The first day a backfill may load (the first daily partition of the raw tables).
FIRST_DAY_ENV = "ADS_ANALYTICS_FIRST_DAY"
# Files a person keeps, when not the ones beside the warehouse (core/layout.py).
REPORT_SETTINGS_ENV = "ADS_ANALYTICS_SETTINGS"
DASHBOARD_USERS_ENV = "ADS_ANALYTICS_DASHBOARD_USERS"
DAGSTER_HOME_ENV = "DAGSTER_HOME"
# Set by the project for the processes it starts, not by users: dbt's build file and goals
# file (profiles.yml, the goal models), the Spark folder (profiles.yml), the run's child lock.
GOALS_FILE_ENV = "ADS_ANALYTICS_GOALS_FILE"
SPARK_HOME_ENV = "ADS_ANALYTICS_SPARK_HOME"
CHILD_LOCK_ENV = "ADS_ANALYTICS_RUN_CHILD_LOCK"

DEFAULT_LOAD_MEMORY_LIMIT = "256MB"
DEFAULT_FIRST_DAY = dt.date(2024, 1, 1)


class InvalidSetting(ValueError):
    """A setting is there but cannot be used; the message names it."""


@dataclass(frozen=True)
class Settings:
    """One deployment's settings. Build it with `from_environment`; change one with
    `dataclasses.replace`."""

    warehouse: Path = DEFAULT_WAREHOUSE
    engine: str = "duckdb"
    raw_parquet: Path | None = None
    company_currency: str | None = None
    time_zone: str | None = None
    load_memory_limit: str = DEFAULT_LOAD_MEMORY_LIMIT
    first_day: dt.date = DEFAULT_FIRST_DAY
    report_settings_file: Path | None = None
    dashboard_users_file: Path | None = None
    dagster_home: Path = DEFAULT_DAGSTER_HOME

    def __post_init__(self) -> None:
        object.__setattr__(self, "warehouse", Path(self.warehouse).expanduser().resolve())
        engine = (self.engine or "duckdb").strip().lower()
        if engine not in ENGINES:
            raise InvalidSetting(f"{ENGINE_ENV}={engine!r} is not an engine; choose one of "
                                 f"{', '.join(ENGINES)}")
        object.__setattr__(self, "engine", engine)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, *,
                         warehouse: str | Path | None = None,
                         engine: str | None = None) -> Settings:
        """The settings the environment gives (`os.environ` unless `environ`); `warehouse` and
        `engine`, when given (the command line's), win over their variables."""
        env = os.environ if environ is None else environ

        def path(name: str) -> Path | None:
            value = (env.get(name) or "").strip()
            return Path(value).expanduser().resolve() if value else None

        currency = (env.get(COMPANY_CURRENCY_ENV) or "").strip().upper() or None
        if currency and not (len(currency) == 3 and currency.isalpha() and currency.isascii()):
            raise InvalidSetting(f"{COMPANY_CURRENCY_ENV} {currency!r} is not a currency code "
                                 "like SEK")
        zone = (env.get(PORTAL_TIME_ZONE_ENV) or "").strip() or None
        if zone:
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise InvalidSetting(f"{PORTAL_TIME_ZONE_ENV} {zone!r} is not an IANA time "
                                     "zone (like Europe/Stockholm)") from None
        first_day = (env.get(FIRST_DAY_ENV) or "").strip()
        try:
            first = dt.date.fromisoformat(first_day) if first_day else DEFAULT_FIRST_DAY
        except ValueError:
            raise InvalidSetting(f"{FIRST_DAY_ENV} {first_day!r} is not a date "
                                 "(YYYY-MM-DD)") from None
        return cls(
            warehouse=Path(warehouse) if warehouse else (path(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE),
            engine=engine or env.get(ENGINE_ENV) or "duckdb",
            raw_parquet=path(RAW_PARQUET_ENV),
            company_currency=currency,
            time_zone=zone,
            load_memory_limit=(env.get(LOAD_MEMORY_LIMIT_ENV) or "").strip()
            or DEFAULT_LOAD_MEMORY_LIMIT,
            first_day=first,
            report_settings_file=path(REPORT_SETTINGS_ENV),
            dashboard_users_file=path(DASHBOARD_USERS_ENV),
            dagster_home=path(DAGSTER_HOME_ENV) or DEFAULT_DAGSTER_HOME,
        )

    @property
    def layout(self) -> WarehouseLayout:
        return WarehouseLayout(self.warehouse)

    @property
    def on_spark(self) -> bool:
        return self.engine == "spark"

    @property
    def raw_parquet_dir(self) -> Path | None:
        """Where the sources land as Parquet: the configured folder, else `raw/` in the Spark
        folder when Spark is the engine; None when they load into the DuckDB file."""
        if self.raw_parquet is not None:
            return self.raw_parquet
        return self.layout.spark_raw if self.on_spark else None

    @property
    def portal_overrides(self) -> dict[str, str]:
        """{"company_currency": ..., "time_zone": ...}: what the deployment forces."""
        found = {"company_currency": self.company_currency, "time_zone": self.time_zone}
        return {key: value for key, value in found.items() if value}

    @property
    def report_settings(self) -> Path:
        """The reports' settings (the ROI inputs): the configured file, else the one beside
        the warehouse."""
        return self.report_settings_file or self.layout.report_settings

    @property
    def dashboard_users(self) -> Path:
        return self.dashboard_users_file or self.layout.dashboard_users

    def environment(self) -> dict[str, str]:
        """These settings as the variables `from_environment` reads back."""
        env = {WAREHOUSE_ENV: str(self.warehouse), ENGINE_ENV: self.engine,
               LOAD_MEMORY_LIMIT_ENV: self.load_memory_limit,
               FIRST_DAY_ENV: self.first_day.isoformat(),
               DAGSTER_HOME_ENV: str(self.dagster_home)}
        optional = {RAW_PARQUET_ENV: self.raw_parquet,
                    COMPANY_CURRENCY_ENV: self.company_currency,
                    PORTAL_TIME_ZONE_ENV: self.time_zone,
                    REPORT_SETTINGS_ENV: self.report_settings_file,
                    DASHBOARD_USERS_ENV: self.dashboard_users_file}
        env.update({key: str(value) for key, value in optional.items() if value})
        return env

    def dbt_environment(self, database: Path | None = None, engine: str | None = None,
                        child_lock: bool = True) -> dict[str, str]:
        """What a dbt process building this warehouse reads (profiles.yml, dbt_project.yml, the
        goal models): the file it builds (`database`, else the warehouse's build copy), the
        target (`engine`, else the settings' engine) and the Spark folders when Spark builds or
        reads, the portal's overrides, the goals file when the warehouse has one, and the run's
        child lock (`child_lock`)."""
        layout = self.layout
        env = {WAREHOUSE_ENV: str(database or layout.build), ENGINE_ENV: engine or self.engine}
        if self.on_spark or env[ENGINE_ENV] == "spark":
            env[SPARK_HOME_ENV] = str(layout.spark_home)
            env[RAW_PARQUET_ENV] = str(self.raw_parquet or layout.spark_raw)
        elif self.raw_parquet is not None:
            env[RAW_PARQUET_ENV] = str(self.raw_parquet)
        if self.company_currency:
            env[COMPANY_CURRENCY_ENV] = self.company_currency
        if self.time_zone:
            env[PORTAL_TIME_ZONE_ENV] = self.time_zone
        if layout.goals.exists():
            env[GOALS_FILE_ENV] = str(layout.goals)
        if child_lock:
            env[CHILD_LOCK_ENV] = str(layout.children_lock)
        return env


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """`values` set in this process's environment within, each variable restored after (unset
    when it was not set): for a child process a library starts from this process's
    environment (dagster-dbt's dbt)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
