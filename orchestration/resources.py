"""Resources configured from the environment, with local defaults that need nothing set."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext

from core.layout import WarehouseLayout


class Warehouse(ConfigurableResource):
    """The warehouse: `file`, the DuckDB file readers open, and `build`, the copy beside it
    that runs load and build, published over `file` when a run completes
    (core/publishing.py); `engine` builds it (orchestration/engines.py)."""

    path: str
    engine: str = "duckdb"

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def layout(self) -> WarehouseLayout:
        return WarehouseLayout(self.file)

    @property
    def build(self) -> Path:
        return self.layout.build

    def setup_for_execution(self, context: InitResourceContext) -> None:
        from core.locking import wait_for_children
        from core.publishing import prepare_build

        # Every run, from the CLI or the Dagster daemon: a dbt of a run killed a moment ago ends
        # within a second; wait for it.
        wait_for_children(self.file, on_wait=lambda: context.log.warning(
            f"A process of an interrupted run still holds {self.file.name}; waiting for it"))
        prepare_build(self.file)
