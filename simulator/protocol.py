"""What a simulated vendor API and the server that routes to it share: the request and response
types, fault rules, the `Api` a vendor module implements and the `Host` it is built against.

This module imports no vendor API and not the server: the server is handed its APIs (see
`apis.simulator_server`), and each vendor module sees the server only as a `Host`, so neither
side imports the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson

if TYPE_CHECKING:
    from simulator.world import World

# `new_field` and `sparse` change what an API renders while a rule stands: a field the vendor
# starts sending; the optional fields vendors leave out and the other homes they give a value.
FAULT_KINDS = ("rate_limit", "server_error", "malformed", "expired_token", "slow", "new_field",
               "sparse")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: bytes
    base_url: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else {}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return orjson.dumps(self.body, option=orjson.OPT_NON_STR_KEYS)


@dataclass
class FaultRule:
    """Inject `kind` on requests to `api` whose path and query contain `match`.

    `times` is how many requests it hits (None: every request until cleared). `retry_after` is
    sent with rate limits; `delay` is how long a slow page takes.
    """

    kind: str
    api: str | None = None
    match: str = ""
    times: int | None = 1
    retry_after: float = 1.0
    delay: float = 2.0
    # how many requests it has hit so far
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; choose one of {FAULT_KINDS}")


class Faults:
    """The active fault rules, shared by every request thread."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule | None = None, **kwargs: Any) -> FaultRule:
        rule = rule or FaultRule(**kwargs)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, api: str, target: str, kinds: tuple[str, ...]) -> FaultRule | None:
        """The first matching rule of these kinds, spending one of its `times`."""
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds or (rule.api and rule.api != api):
                    continue
                if rule.match and rule.match not in target:
                    continue
                if rule.times is not None:
                    if rule.times <= 0:
                        continue
                    rule.times -= 1
                rule.hits += 1
                return rule
        return None

    def active(self, api: str, kind: str) -> bool:
        """Whether a standing rule of `kind` applies to `api` (`new_field`, `sparse`)."""
        with self._lock:
            return any(
                r.kind == kind and r.api in (None, api) and (r.times is None or r.times > 0)
                for r in self._rules
            )


class Host(Protocol):
    """What a vendor API sees of the server it answers for: the world, the credentials it
    accepts, the fault rules, and a lock for what it builds lazily."""

    world: World
    tokens: dict[str, str]
    faults: Faults
    lock: threading.RLock

    def sparse(self, api: str) -> bool:
        """Whether `api` renders sparsely: leaves out what its vendor documents as optional and
        keeps values in their other documented homes (a sparse world, or a `sparse` fault)."""
        ...


class Api(Protocol):
    name: str

    def claims(self, path: str) -> bool: ...

    def authorize(self, request: Request) -> Response | None: ...

    def handle(self, request: Request) -> Response: ...

    def fault(self, kind: str, rule: FaultRule) -> Response: ...

    def warm(self) -> None: ...


# How the server makes each of its APIs: a vendor API's class, called with the server.
ApiFactory = Callable[[Host], Api]
