"""One HTTP client for every source: retries with backoff, fail-fast auth, secret-free errors.

Each vendor signals throttling and auth failure its own way (Facebook sends throttling as HTTP 400
with an error code), so a source passes a `classify` function that maps a response to an outcome;
the retry loop, backoff and error messages are shared.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import urllib3

log = logging.getLogger(__name__)


class SourceError(Exception):
    """A failure that names the source, the account and the endpoint, and never a secret."""

    def __init__(self, source: str, account: str | None, endpoint: str, reason: str) -> None:
        self.source = source
        self.account = account
        self.endpoint = endpoint
        self.reason = reason
        where = f"account {account}" if account else "no account"
        super().__init__(f"{source}: {where}: {endpoint}: {reason}")


class AuthError(SourceError):
    """401/403 or the vendor's equivalent: retrying cannot help, so it fails at once."""


class RetriesExhaustedError(SourceError):
    """A retryable failure (429, 5xx, timeout, truncated body) that did not clear in time."""


class ApiError(SourceError):
    """Any other error response: a bad request, an unknown account, a malformed payload."""


class UnreachableError(SourceError):
    """The base_url's host cannot be connected to at all (refused, no such name, TLS refused):
    a wrong base_url or a network that is down, which backing off does not mend. It is the
    whole source's failure, not an account's, so its message names none."""

    def __init__(self, source: str, account: str | None, endpoint: str, reason: str,
                 host: str, base_url: str) -> None:
        super().__init__(source, account, endpoint, reason)
        self.host = host
        self.args = (f"{source}: cannot connect to {host} (base_url {base_url}): {reason}",)


class Outcome(enum.Enum):
    OK = "ok"
    RETRY = "retry"
    AUTH = "auth"
    ERROR = "error"


def default_classify(response: requests.Response) -> Outcome:
    """HTTP status alone: 2xx ok, 429/5xx retry, 401/403 auth, anything else an error."""
    status = response.status_code
    if status < 300:
        return Outcome.OK
    if status == 429 or status >= 500:
        return Outcome.RETRY
    if status in (401, 403):
        return Outcome.AUTH
    return Outcome.ERROR


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """`Retry-After` as delta-seconds or as an HTTP date; None when absent or unreadable."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_seconds(attempt: int, base: float, cap: float, retry_after: float | None) -> float:
    """Wait before try `attempt + 1`: the server's Retry-After wins, else jittered doubling."""
    if retry_after is not None:
        return min(retry_after, cap)
    return min(cap, base * (2**attempt)) * (0.5 + random.random() / 2)


# Waits before the second and third try of a host that refused the connection: a server
# restarting gets a few seconds, a wrong base_url fails in them.
UNREACHABLE_WAITS = (0.5, 1.5)
# urllib3 prefixes its connection object to the cause: `HTTPConnection(host=..., port=9): ...`
_CONNECTION_PREFIX = re.compile(r"^(<[^>]*>|\w+\([^)]*\)):\s*")


def unreachable_reason(exc: requests.ConnectionError) -> str | None:
    """Why the host could not be connected to (refused, unresolvable, TLS refused), or None for
    a connection that broke off after it was made (a reset, a dropped keep-alive: retried)."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
    if isinstance(exc, requests.exceptions.SSLError) or isinstance(
            reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.SSLError):
        return _CONNECTION_PREFIX.sub("", str(reason))
    return None


_SECRET_QUERY = re.compile(
    r"(?i)(access_token|token|key|secret|password|client_secret)=[^&\s\"']+"
)


def _short(exc: ValueError) -> str:
    if isinstance(exc, orjson.JSONDecodeError):
        return f"{exc.msg} at byte {exc.pos}"
    return str(exc)[:200]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Remove every known secret value and any credential-looking query parameter."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", text)


@dataclass
class ApiClient:
    """A `requests` session bound to one source: base URL, auth headers, retry policy."""

    source: str
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    classify: Callable[[requests.Response], Outcome] = default_classify
    describe_error: Callable[[requests.Response], str] | None = None
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 60.0
    timeout: float = 60.0
    session: requests.Session = field(default_factory=requests.Session)
    # host -> the error that host gave: every later request to it fails at once
    unreachable: dict[str, UnreachableError] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session.headers.update(self.headers)

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, *, account: str | None = None, params: Any = None,
            parse: Callable[[bytes], Any] = orjson.loads) -> Any:
        return self.request("GET", path, account=account, params=params, parse=parse)

    def post(
        self, path: str, *, account: str | None = None, params: Any = None, json: Any = None,
        parse: Callable[[bytes], Any] = orjson.loads,
    ) -> Any:
        return self.request("POST", path, account=account, params=params, json=json,
                            parse=parse)

    def request(
        self,
        method: str,
        path: str,
        *,
        account: str | None = None,
        params: Any = None,
        json: Any = None,
        parse: Callable[[bytes], Any] = orjson.loads,
    ) -> Any:
        """Send one request and return the decoded body, retrying what can be retried.

        `parse` decodes a successful body (JSON to dicts by default; a page parser gives Arrow).
        A body it refuses with ValueError is a transport fault (a truncated page): asked again.
        """
        url = self.url(path)
        endpoint = f"{method} {urlsplit(url).path}"
        merged = {**self.params, **(params or {})} if isinstance(params, dict | None) else params
        body = orjson.dumps(json) if json is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else None
        last_reason = "no attempt made"
        for attempt in range(self.max_attempts):
            response = None
            try:
                response = self._send(method, url, endpoint, account, params=merged, data=body,
                                      headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_reason = f"{type(exc).__name__}: {self._redact(str(exc))}"
            else:
                outcome = self.classify(response)
                if outcome is Outcome.OK:
                    try:
                        return parse(response.content)
                    except ValueError as exc:
                        # A truncated body is a transport fault: ask again.
                        last_reason = f"malformed JSON body ({_short(exc)})"
                elif outcome is Outcome.AUTH:
                    raise AuthError(
                        self.source, account, endpoint,
                        f"authentication failed (HTTP {response.status_code}): "
                        f"{self._reason(response)}. Check the source's credentials.",
                    )
                elif outcome is Outcome.ERROR:
                    raise ApiError(
                        self.source, account, endpoint,
                        f"HTTP {response.status_code}: {self._reason(response)}",
                    )
                else:
                    last_reason = f"HTTP {response.status_code}: {self._reason(response)}"
            if attempt + 1 < self.max_attempts:
                wait = backoff_seconds(
                    attempt, self.backoff_base, self.backoff_cap, retry_after_seconds(response)
                )
                log.warning(
                    "%s: %s: retry %d/%d in %.1fs after %s",
                    self.source, endpoint, attempt + 1, self.max_attempts - 1, wait, last_reason,
                )
                time.sleep(wait)
        raise RetriesExhaustedError(
            self.source, account, endpoint,
            f"gave up after {self.max_attempts} tries; last: {last_reason}",
        )

    def _send(self, method: str, url: str, endpoint: str, account: str | None,
              **options: Any) -> requests.Response:
        """One try of a request. A host that cannot be connected to gets two quick tries more,
        then fails with UnreachableError, and so does every later request to it."""
        host = urlsplit(url).netloc
        if host in self.unreachable:
            raise self.unreachable[host]
        waits = iter(UNREACHABLE_WAITS)
        while True:
            try:
                return self.session.request(method, url, **options)
            except requests.ConnectionError as exc:
                reason = None if isinstance(exc, requests.Timeout) else unreachable_reason(exc)
                if reason is None:
                    raise
                reason = self._redact(reason)
                wait = next(waits, None)
                if wait is None:
                    error = UnreachableError(self.source, account, endpoint, reason, host,
                                             self._redact(self.base_url))
                    self.unreachable[host] = error
                    raise error from None
                log.warning("%s: %s: cannot connect to %s (%s); trying again in %.1fs",
                            self.source, endpoint, host, reason, wait)
                time.sleep(wait)

    def _reason(self, response: requests.Response) -> str:
        if self.describe_error is not None:
            try:
                text = self.describe_error(response)
            except Exception:  # a broken error body must not hide the status
                text = response.text[:300]
        else:
            text = response.text[:300]
        return self._redact(text)

    def _redact(self, text: str) -> str:
        return redact(text, self.secrets)
