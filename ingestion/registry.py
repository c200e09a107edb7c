"""The four sources, one record each, for anything that runs them by name (Dagster, the CLI,
benchmarks): the `@dlt.source` function, its description, its raw tables, its settings module,
and its daily metrics tables. Source modules import lazily: reading the names loads no dlt
source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (the CLI reads the names without loading dlt)
    from ingestion.common.connection import Connection
    from ingestion.common.schema import RawTable


@dataclass(frozen=True)
class SourceRecord:
    """One source: `name` is its package under `ingestion/`, its config section
    (`[sources.<name>]`) and its dataset's suffix (`raw_<name>`)."""

    name: str
    # the `@dlt.source` function's name in the package
    function: str
    description: str
    # the daily metrics ("insight") tables: the benchmarks' rows per second count these
    fact_tables: tuple[str, ...]
    # an ad network (its reports load by day with `load_windows`; `ads-analytics repair`)
    ad_network: bool = True

    @property
    def factory(self) -> Callable[..., Any]:
        """The `@dlt.source` function; config is resolved when it is called."""
        return getattr(import_module(f"ingestion.{self.name}"), self.function)

    @property
    def settings(self) -> ModuleType:
        return import_module(f"ingestion.{self.name}.settings")

    @property
    def tables(self) -> dict[str, RawTable]:
        """The raw tables, each with its documented columns."""
        return dict(self.settings.TABLES)


SOURCES = (
    SourceRecord("facebook_ads", "facebook_ads", "Facebook Marketing API", ("ad_insights",)),
    SourceRecord("google_ads", "google_ads", "Google Ads API (REST, GAQL)",
                 ("ad_performance_daily", "keyword_performance_daily")),
    SourceRecord("linkedin_ads", "linkedin_ads", "LinkedIn Marketing API (versioned REST)",
                 ("ad_analytics_daily",)),
    # HubSpot's biggest table is its page views
    SourceRecord("hubspot", "hubspot_source", "HubSpot CRM", ("page_views",), ad_network=False),
)
SOURCE_NAMES = tuple(record.name for record in SOURCES)
AD_NETWORKS = tuple(record.name for record in SOURCES if record.ad_network)


def source(name: str) -> SourceRecord:
    """The record of source `name`."""
    for record in SOURCES:
        if record.name == name:
            return record
    raise ValueError(f"unknown source {name!r}; choose one of {SOURCE_NAMES}")


def source_factory(name: str) -> Callable[..., Any]:
    """The `@dlt.source` function of source `name`; config is resolved when it is called."""
    return source(name).factory


def source_tables(name: str) -> dict[str, RawTable]:
    """The raw tables of source `name`, each with its documented columns."""
    return source(name).tables


def connection(name: str) -> Connection:
    """Whether the configuration connects source `name` (see `connection_of`)."""
    from ingestion.common.connection import connection_of

    return connection_of(name, source_factory(name))
