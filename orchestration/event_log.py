"""The run history's event log: Dagster's SQLite event log with its database connections kept.

Dagster's SQLite event log makes a new SQLAlchemy engine and connection for every write and
closes them after it. A run of the main job stores about 1,500 events (a materialization, an
output and a check evaluation per dbt model and test), and that cost about 9.5 ms an event on a
2-core machine: 18% of a profiled size-S demo's samples. This storage keeps one engine per
database. It writes the same files in the same place (`<DAGSTER_HOME>/history/runs`), so a home
made with Dagster's default storage reads the same with this one, and back.

Dagster's web server follows a running run by watching its database file (`<run id>.db`) for
changes. In WAL mode a write goes to the `-wal` file, and the database file changes only when the
WAL is checkpointed, which Dagster's storage does when it closes its connection. This storage
checkpoints a run's database after each write instead, so the web server still sees each event
as it is stored.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import _event_logs_directory
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Run databases whose engines stay open besides the index: a long-lived process (the web server,
# the daemon) reads many runs, and each engine keeps a file open.
RUN_ENGINES_KEPT = 4


# What a dagster.yaml says to use this storage (the project writes it into a new DAGSTER_HOME).
DAGSTER_SETTING = """\
event_log_storage:
  module: orchestration.event_log
  class: KeptConnectionEventLogStorage
  config:
    base_dir:
      env: DAGSTER_HOME
"""


def events_folder(home: Path | str) -> Path:
    """Where Dagster's SQLite storage keeps the event databases of the instance in `home`."""
    return Path(_event_logs_directory(str(home)))


class KeptConnectionEventLogStorage(SqliteEventLogStorage):
    """Dagster's `SqliteEventLogStorage` with one engine, and its connection, kept per database.
    Configured in `dagster.yaml` with the instance's home as its `base_dir` (`DAGSTER_SETTING`).
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._tables: set[str] = set()
        super().__init__(str(events_folder(base_dir)), inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: Any) -> KeptConnectionEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The kept engine of one database; a process forked from this one makes its own (the
        parent's connections are not the child's to use)."""
        if self._engines_pid != os.getpid():
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._engines_pid = os.getpid()
        engine = self._engines.get(shard)
        if engine is None:
            # One connection kept. The storage's lock lets one write at a time, and connections
            # cross threads only under it; setting up a new database opens a few more, closed
            # again when returned.
            engine = create_engine(
                self.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1,
                max_overflow=4,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                              "check_same_thread": False})
            self._engines[shard] = engine
        self._engines.move_to_end(shard)
        runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
        for name in runs[:-RUN_ENGINES_KEPT]:
            self._engines.pop(name).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                sqlite = conn.connection.dbapi_connection
                changes = sqlite.total_changes
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME and sqlite.total_changes != changes:
                    # what closing the connection did after a write: the run's database file
                    # changes, which is what the web server watches (a read, as the web
                    # server's own, checkpoints nothing)
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def has_table(self, table_name: str) -> bool:
        """Asked for every check event stored; a table once there stays (a missing one may be
        made by a migration, so only a table found is remembered)."""
        if table_name in self._tables:
            return True
        found = super().has_table(table_name)
        if found:
            self._tables.add(table_name)
        return found

    def _close_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self._close_engines()  # the run databases are deleted
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
