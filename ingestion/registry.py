"""The four sources by name, for anything that runs them by name (Dagster, benchmarks): their
`@dlt.source` functions, their raw tables, and whether the configuration connects them."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException

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


def required_settings(factory: Callable[..., Any]) -> tuple[str, ...]:
    """The settings a source cannot run without: its credentials and accounts (the arguments
    dlt injects from config or secrets, with no default)."""
    markers = (dlt.config.value, dlt.secrets.value)
    return tuple(name for name, parameter in inspect.signature(factory).parameters.items()
                 if any(parameter.default is marker for marker in markers))


class IncompleteConfiguration(ValueError):
    """A source has some of its required settings and not the others."""


@dataclass(frozen=True)
class Connection:
    """Whether the configuration connects a source: `connected`, or `missing` every required
    setting (not connected: the user does not use that network), or only some of them."""

    source: str
    required: tuple[str, ...]
    missing: tuple[str, ...] = ()

    @property
    def connected(self) -> bool:
        return not self.missing

    @property
    def configured(self) -> bool:
        """Some required setting is there: the user means to use the source."""
        return len(self.missing) < len(self.required)

    def describe(self) -> str:
        keys = ", ".join(self.missing)
        if self.connected:
            return f"{self.source}: connected"
        if not self.configured:
            return (f"{self.source}: not connected (none of {keys} is configured under "
                    f"sources.{self.source}): its tables stay empty")
        return (f"{self.source}: configured but incomplete: {keys} missing (set "
                f"sources.{self.source}.<key> in .dlt/config.toml or secrets.toml, or "
                f"SOURCES__{self.source.upper()}__<KEY>)")

    def require_complete(self) -> None:
        """Raise IncompleteConfiguration when the source is configured but incomplete."""
        if self.configured and not self.connected:
            raise IncompleteConfiguration(self.describe())


def connection(name: str) -> Connection:
    """Which of source `name`'s required settings its dlt configuration (config and secrets
    files, environment) holds, looked up exactly as the source itself does. A network a user
    never configured is not connected, not failed."""
    factory = source_factory(name)
    required = required_settings(factory)
    try:
        factory()
    except ConfigFieldMissingException as exc:
        missing = tuple(field for field in required if field in exc.fields)
        return Connection(name, required, missing)
    return Connection(name, required)
