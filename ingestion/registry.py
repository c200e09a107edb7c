"""The four sources by name, for anything that runs them by name (Dagster, benchmarks): their
`@dlt.source` functions, their raw tables, and whether the configuration connects them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ingestion.common.connection import Connection, connection_of
from ingestion.common.schema import RawTable

SOURCE_NAMES = ("facebook_ads", "google_ads", "linkedin_ads", "hubspot")


def source_factory(name: str) -> Callable[..., Any]:
    """The `@dlt.source` function of source `name`; config is resolved when it is called."""
    if name == "facebook_ads":
        from ingestion.facebook_ads import facebook_ads

        return facebook_ads
    if name == "google_ads":
        from ingestion.google_ads import google_ads

        return google_ads
    if name == "linkedin_ads":
        from ingestion.linkedin_ads import linkedin_ads

        return linkedin_ads
    if name == "hubspot":
        from ingestion.hubspot import hubspot_source

        return hubspot_source
    raise ValueError(f"unknown source {name!r}; choose one of {SOURCE_NAMES}")


def source_tables(name: str) -> dict[str, RawTable]:
    """The raw tables of source `name`, each with its documented columns."""
    if name not in SOURCE_NAMES:
        raise ValueError(f"unknown source {name!r}; choose one of {SOURCE_NAMES}")
    from importlib import import_module

    return dict(import_module(f"ingestion.{name}.settings").TABLES)


def connection(name: str) -> Connection:
    """Whether the configuration connects source `name` (see `connection_of`)."""
    return connection_of(name, source_factory(name))
