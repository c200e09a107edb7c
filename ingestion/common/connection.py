"""Whether the configuration connects a source: a network a user never configured is not
connected (skipped, its tables empty), not failed; one configured by halves is a mistake."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException


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


def connection_of(name: str, factory: Callable[..., Any]) -> Connection:
    """Which of source `name`'s required settings its dlt configuration (config and secrets
    files, environment) holds, looked up exactly as the source (`factory`) itself does."""
    required = required_settings(factory)
    try:
        factory()
    except ConfigFieldMissingException as exc:
        missing = tuple(field for field in required if field in exc.fields)
        return Connection(name, required, missing)
    return Connection(name, required)
