"""A loopback HTTP server that answers from a function: for tests whose payloads are written by
hand from a vendor's documented response shapes rather than produced by the simulator (and
`dropped_days`, what a source said of the rows such a payload brought from days not asked for)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]  # the last value of each parameter, decoded
    body: Any
    headers: dict[str, str] = field(repr=False)


Answer = Callable[[Request], tuple[int, Any]]


class Loopback:
    """`answer(request) -> (status, JSON body)` served on 127.0.0.1; every request is kept in
    `requests`. Use as a context manager."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(owner: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

        def _handle(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            request = Request(method, url.path, query, body, dict(self.headers))
            owner.requests.append(request)
            try:
                status, answer = owner.answer(request)
            except Exception as exc:  # a bug in the test's answer shows, not hangs the client
                status, answer = 500, {"test server error": repr(exc)}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

    return Handler


def dropped_days(records: list[logging.LogRecord]) -> list[str]:
    """The warnings `requested_days` gave (`caplog.records`): per request, the days it did not
    ask for whose rows were dropped."""
    return [r.getMessage() for r in records
            if r.levelname == "WARNING" and r.name == "ingestion.common.windows"]
