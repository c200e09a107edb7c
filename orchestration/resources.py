"""Resources configured from the environment, with local defaults that need nothing set."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource


class Warehouse(ConfigurableResource):
    """The DuckDB file every asset reads or writes."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path)
