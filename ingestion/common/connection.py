"""Whether the configuration connects a source: a network a user never configured is not
connected (skipped, its tables empty), not failed; one configured by halves is a mistake."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dlt
from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigValueCannotBeCoercedException,
)
from dlt.common.exceptions import DltException

from ingestion.common.validate import InvalidConfiguration, list_hint

__all__ = ["Connection", "IncompleteConfiguration", "InvalidConfiguration", "connection_of",
           "required_settings"]


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
    setting (not connected: the user does not use that network), or only some of them.
    `dlt_source` is the source as its configuration built it, when connected."""

    name: str
    required: tuple[str, ...]
    missing: tuple[str, ...] = ()
    dlt_source: Any = field(default=None, compare=False, repr=False)

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
            return f"{self.name}: connected"
        if not self.configured:
            return (f"{self.name}: not connected (none of {keys} is configured under "
                    f"sources.{self.name}): nothing loaded")
        return (f"{self.name}: configured but incomplete: {keys} missing (set "
                f"sources.{self.name}.<key> in .dlt/config.toml or secrets.toml, or "
                f"SOURCES__{self.name.upper()}__<KEY>)")

    def require_complete(self) -> None:
        """Raise IncompleteConfiguration when the source is configured but incomplete."""
        if self.configured and not self.connected:
            raise IncompleteConfiguration(self.describe())


# What dlt could not read a setting as, in the words of the message.
_KINDS = {int: "a whole number", float: "a number", bool: "true or false"}


def connection_of(name: str, factory: Callable[..., Any]) -> Connection:
    """Which of source `name`'s required settings its dlt configuration (config and secrets
    files, environment) holds, looked up exactly as the source (`factory`) itself does; with the
    source built when it is connected. A setting that is there but unusable raises
    InvalidConfiguration naming the source."""
    required = required_settings(factory)
    try:
        built = factory()
    except ConfigFieldMissingException as exc:
        missing = tuple(field for field in required if field in exc.fields)
        return Connection(name, required, missing)
    except ConfigValueCannotBeCoercedException as exc:
        if exc.hint is list:
            kind = f"a list of ids: write {list_hint(exc.field_name)}"
        else:
            kind = _KINDS.get(exc.hint, f"a {getattr(exc.hint, '__name__', exc.hint)}")
        raise InvalidConfiguration(f"{name}: {exc.field_name} {exc.field_value!r} is not "
                                   f"{kind}") from None
    except (ValueError, DltException) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidConfiguration(text if text.startswith(f"{name}:")
                                   else f"{name}: {text}") from None
    return Connection(name, required, dlt_source=built)
