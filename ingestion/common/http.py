"""One HTTP client for every source, on dlt's `requests` helper: retries with backoff, fail-fast
auth, secret-free errors.

Each vendor signals throttling and auth failure its own way (Facebook sends throttling as HTTP 400
with an error code), so a source passes a `classify` function that maps a response to an outcome.
The retries are dlt's (`dlt.sources.helpers.requests.Client`, tenacity around each send): the
vendor's `classify` is its `retry_condition`, and a successful body is parsed inside that
condition, so a truncated page is asked again like a 5xx. What dlt's helper does not do is here:
`Retry-After` in fractions of a second, jittered backoff, a log line per retry, errors that name
the source, account and endpoint, and a host that cannot be connected to failing fast.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import urllib3
from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.specs import BaseConfiguration
from dlt.sources.helpers.requests import Client, Session
from tenacity import RetryCallState

from ingestion.common import validate

log = logging.getLogger(__name__)


class SourceError(Exception):
    """A failure that names the source, the account and the endpoint, and never a secret."""

    def __init__(self, source: str, account: str | None, endpoint: str, reason: str) -> None:
        self.source = source
        self.account = account
        self.endpoint = endpoint
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"account {self.account}" if self.account else "no account"
        return f"{self.source}: {where}: {self.endpoint}: {self.reason}"

    def during(self, what: str) -> SourceError:
        """This failure, its endpoint saying what was being read (`days 2026-05-08..
        2026-05-14`): one request of several, each for some days, failed."""
        self.endpoint = f"{self.endpoint} ({what})"
        self.args = (self._message(),)
        return self


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

    def during(self, what: str) -> SourceError:
        """Unchanged: the whole source cannot be reached, whatever was being read."""
        return self


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


@configspec
class RetryConfiguration(BaseConfiguration):
    """The retry keys of a source, read from `[sources.<name>]` as they always were (so
    `SOURCES__<NAME>__MAX_ATTEMPTS` and friends keep working)."""

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 60.0
    timeout: float = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """How a source's HTTP client retries: tries per request, the first wait and the longest
    (the server's `Retry-After` is capped by it too), and the seconds a request may take.

    A plain dataclass, not a configspec, so that dlt does not inject it as a setting of its
    own: a source takes `retry: RetryPolicy | None = None`, and None reads the keys above."""

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 60.0
    timeout: float = 60.0

    def checked(self, source: str) -> RetryPolicy:
        """This policy, refused in one line naming `source` when a value cannot be used."""
        validate.retry_policy(source, self.max_attempts, self.backoff_base, self.backoff_cap,
                              self.timeout)
        return self

    @classmethod
    def configured(cls, source: str) -> RetryPolicy:
        """The policy of source `source` from its dlt configuration (defaults where unset)."""
        config = resolve_configuration(RetryConfiguration(), sections=("sources", source, source))
        return cls(config.max_attempts, config.backoff_base, config.backoff_cap,
                   config.timeout).checked(source)


DEFAULT_RETRY = RetryPolicy()


def retry_policy(source: str, given: RetryPolicy | None) -> RetryPolicy:
    """`given` (a caller's own policy), or the configured one."""
    return given.checked(source) if given is not None else RetryPolicy.configured(source)


# Exceptions retried with backoff (dlt's own choice): a timeout, a connection that broke off, a
# body cut short. A host that cannot be connected to at all is not among them (see `_send`).
RETRYABLE_EXCEPTIONS = (requests.ConnectionError, requests.Timeout,
                        requests.exceptions.ChunkedEncodingError)


@dataclass
class Verdict:
    """What one response means, decided once in the retry condition: its outcome, the parsed
    body of a success, and why it would be retried (a throttle, a truncated body)."""

    outcome: Outcome
    value: Any = None
    retry_reason: str | None = None


class _VendorClient(Client):
    """dlt's `requests` Client (a session per thread on one pooled adapter, a default timeout,
    tenacity around each send, retry on the vendor's condition), with the source's headers, its
    backoff (jittered, `Retry-After` in fractions of a second too) and a log line per retry."""

    def __init__(self, api: ApiClient) -> None:
        policy = api.retry
        super().__init__(
            request_timeout=policy.timeout, raise_for_status=False,
            # Status codes alone decide nothing: Facebook throttles with HTTP 400, so every
            # response goes through the vendor's condition.
            status_codes=(), exceptions=(), retry_condition=api.retry_condition,
            request_max_attempts=policy.max_attempts, request_backoff_factor=policy.backoff_base,
            request_max_retry_delay=policy.backoff_cap,
        )
        self._api = api

    def _make_session(self) -> Session:
        session = super()._make_session()
        session.headers.update(self._api.headers)
        dlt_retry = session.send.retry  # the tenacity `Retrying` dlt put around `send`
        session.send = dlt_retry.copy(wait=self._api.wait, before_sleep=self._api.log_retry
                                      ).wraps(session.send.__wrapped__)
        return session


@dataclass
class ApiClient:
    """One source's HTTP client: base URL, auth headers, its vendor's `classify`, a retry policy."""

    source: str
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    classify: Callable[[requests.Response], Outcome] = default_classify
    describe_error: Callable[[requests.Response], str] | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # host -> the error that host gave: every later request to it fails at once
    unreachable: dict[str, UnreachableError] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.client = _VendorClient(self)
        # The parser of the request under way in this thread, for the retry condition.
        self._local = threading.local()

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
        self._local.parse = parse
        try:
            response = self._send(method, url, endpoint, account, params=merged, data=body,
                                  headers=headers)
        except RETRYABLE_EXCEPTIONS as exc:  # still failing after every try
            raise RetriesExhaustedError(
                self.source, account, endpoint,
                f"{self._gave_up()}{type(exc).__name__}: {self._redact(str(exc))}") from None
        verdict = self.verdict(response)
        if verdict.outcome is Outcome.AUTH:
            raise AuthError(
                self.source, account, endpoint,
                f"authentication failed (HTTP {response.status_code}): "
                f"{self._reason(response)}. Check the source's credentials.",
            )
        if verdict.outcome is Outcome.ERROR:
            raise ApiError(self.source, account, endpoint,
                           f"HTTP {response.status_code}: {self._reason(response)}")
        if verdict.retry_reason is not None:
            raise RetriesExhaustedError(self.source, account, endpoint,
                                        f"{self._gave_up()}{verdict.retry_reason}")
        return verdict.value

    # -- dlt's retry hooks ---------------------------------------------------------------------
    def retry_condition(self, response: requests.Response | None,
                        exception: BaseException | None) -> bool:
        """Whether dlt tries again: the vendor says throttled or transient, the body of a
        success does not parse, or the transport failed in a way backing off can mend."""
        if response is not None:
            return self.verdict(response).retry_reason is not None
        if isinstance(exception, requests.ConnectionError) and not isinstance(
                exception, requests.Timeout) and unreachable_reason(exception) is not None:
            return False  # a wrong base_url: `_send` fails it fast
        return isinstance(exception, RETRYABLE_EXCEPTIONS)

    def verdict(self, response: requests.Response) -> Verdict:
        """The verdict on `response`, decided (and a success parsed) once."""
        known = getattr(response, "_source_verdict", None)
        if known is not None:
            return known
        outcome = self.classify(response)
        verdict = Verdict(outcome)
        if outcome is Outcome.OK:
            try:
                verdict.value = self._local.parse(response.content)
            except ValueError as exc:
                # A truncated body is a transport fault: ask again.
                verdict.retry_reason = f"malformed JSON body ({_short(exc)})"
        elif outcome is Outcome.RETRY:
            verdict.retry_reason = f"HTTP {response.status_code}: {self._reason(response)}"
        # Kept on the response (dlt hands the same object back after the last try), so the
        # body is parsed once whether or not it is retried.
        response._source_verdict = verdict  # type: ignore[attr-defined]
        return verdict

    def wait(self, state: RetryCallState) -> float:
        """Seconds before the next try: the server's `Retry-After`, else jittered doubling."""
        response = None if state.outcome is None or state.outcome.failed \
            else state.outcome.result()
        return backoff_seconds(state.attempt_number - 1, self.retry.backoff_base,
                               self.retry.backoff_cap, retry_after_seconds(response))

    def log_retry(self, state: RetryCallState) -> None:
        request = state.args[0] if state.args else None
        endpoint = f"{request.method} {urlsplit(request.url).path}" if request else "?"
        assert state.outcome is not None
        if state.outcome.failed:
            exc = state.outcome.exception()
            reason = f"{type(exc).__name__}: {self._redact(str(exc))}"
        else:
            reason = self.verdict(state.outcome.result()).retry_reason
        log.warning("%s: %s: retry %d/%d in %.1fs after %s", self.source, endpoint,
                    state.attempt_number, self.retry.max_attempts - 1,
                    state.upcoming_sleep, reason)

    # -- internals -----------------------------------------------------------------------------
    def _send(self, method: str, url: str, endpoint: str, account: str | None,
              **options: Any) -> requests.Response:
        """A request with dlt's retries. A host that cannot be connected to gets two quick tries
        more, then fails with UnreachableError, and so does every later request to it."""
        host = urlsplit(url).netloc
        if host in self.unreachable:
            raise self.unreachable[host]
        waits = iter(UNREACHABLE_WAITS)
        while True:
            try:
                return self.client.session.request(method, url, **options)
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

    def _gave_up(self) -> str:
        return f"gave up after {self.retry.max_attempts} tries; last: "

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
