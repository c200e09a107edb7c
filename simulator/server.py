"""One loopback HTTP server that speaks all four APIs from a `World`.

Each vendor API is a module with an `Api` class (`facebook.py`, `google.py`, `linkedin.py`,
`hubspot.py`): it claims paths, checks credentials, renders the vendor's documented shapes and
its error bodies. The server is handed them (`apis.simulator_server` builds the four and the
server) and imports none: the types both sides use are in `protocol.py`. This module holds
routing, fault injection and the control endpoints under `/_simulator/` that tests and users
drive:

- `GET  /_simulator/health`            the world's size, seed, dates, restatement version and
                                       kinds of corrupt data
- `POST /_simulator/faults`            add fault rules (a JSON list of `FaultRule` fields)
- `DELETE /_simulator/faults`          clear them
- `POST /_simulator/restate`           the networks revise their recent days
- `POST /_simulator/replay`            `{"enabled": true}`: keep every successful answer and send
                                       the same bytes when the same request comes again
- `DELETE /_simulator/replay`          forget the kept answers (replay stays as it was)

Replay exists for benchmarks: rendering a page costs the simulator about as much CPU as the
loader spends on it, and on a two-core machine the two compete. A second load of the same pages
from kept answers measures the loader alone, as against a vendor's servers, which render on
their own machines. Kept answers are forgotten on a restatement; `new_field` and `sparse` faults
are part of the request's identity, so a request never gets an answer kept without them.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator.protocol import Api, ApiFactory, FaultRule, Faults, Request, Response
from simulator.world import World

log = logging.getLogger(__name__)


class SimulatorServer:
    """Serve a world on 127.0.0.1 (an ephemeral port unless one is given).

    Use as a context manager, or `start()` / `stop()`; `base_url` is where to point the sources,
    `folder` where files they read beside the APIs go (the ad-account access file).
    """

    def __init__(self, world: World, apis: Sequence[ApiFactory], port: int = 0,
                 host: str = "127.0.0.1", tokens: dict[str, str] | None = None) -> None:
        self.world = world
        self.faults = Faults()
        self.lock = threading.RLock()
        self.tokens = {**DEFAULT_TOKENS, **(tokens or {})}
        # Made here, in this order (the first that claims a path serves it): each needs the
        # server it answers for.
        self.apis: list[Api] = [make(self) for make in apis]
        self.replay = False
        self._kept: dict[tuple, Response] = {}
        self._httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._folder: Path | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._httpd.server_address[0]}:{self.port}"

    @property
    def folder(self) -> Path:
        """The simulator's own folder, made on first use and removed by `stop()`: files it
        hands the sources go here, never into the repository's data folder, whose files (its
        own access file) are the user's."""
        with self.lock:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="ads-analytics-simulator-"))
            return self._folder

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="simulator")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self.lock:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def warm(self) -> None:
        """Index the world for every API up front, so no request pays for it (a benchmark
        then measures the loader, not the simulator's first look at its data)."""
        for api in self.apis:
            api.warm()

    def sparse(self, api: str) -> bool:
        """See `Host.sparse`."""
        return self.world.sparse or self.faults.active(api, "sparse")

    def restate(self) -> int:
        with self.lock:
            self._kept.clear()
            return self.world.restate()

    def _answer(self, api: Api, request: Request) -> Response:
        """The API's answer, or the one kept for the same request when replaying."""
        if not self.replay:
            return api.handle(request)
        key = (request.method, request.path, request.raw_query, request.body, request.base_url,
               self.faults.active(api.name, "new_field"), self.faults.active(api.name, "sparse"))
        kept = self._kept.get(key)
        if kept is None:
            kept = api.handle(request)
            if kept.status == 200:
                kept = Response(kept.status, kept.encode(), kept.headers)
                self._kept[key] = kept
        return kept

    # -- dispatch ------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_simulator/"):
            return self._control(request)
        api = next((a for a in self.apis if a.claims(request.path)), None)
        if api is None:
            return Response(404, {"error": f"no simulated API serves {request.path}"})
        target = f"{request.path}?{request.raw_query}"
        slow = self.faults.take(api.name, target, ("slow",))
        if slow is not None:
            time.sleep(slow.delay)
        rule = self.faults.take(api.name, target, ("rate_limit", "server_error", "expired_token"))
        if rule is not None:
            return api.fault(rule.kind, rule)
        denied = api.authorize(request)
        if denied is not None:
            return denied
        response = self._answer(api, request)
        if response.status < 300 and self.faults.take(api.name, target, ("malformed",)):
            body = response.encode()
            response = Response(response.status, body[: max(1, len(body) // 2)], response.headers)
        return response

    def _control(self, request: Request) -> Response:
        action = request.path.removeprefix("/_simulator/").strip("/")
        if action == "health":
            w = self.world
            return Response(200, {"size": w.size.name, "seed": w.seed,
                                  "start_date": w.start_date.isoformat(),
                                  "end_date": w.end_date.isoformat(),
                                  "restatement_version": w.restatement_version,
                                  "corrupt": sorted(w.corrupt)})
        if action == "faults" and request.method == "POST":
            payload = request.json()
            rules = payload if isinstance(payload, list) else [payload]
            try:
                added = [self.faults.add(FaultRule(**r)) for r in rules]
            except (TypeError, ValueError) as exc:
                return Response(400, {"error": str(exc)})
            return Response(200, {"added": [dataclasses.asdict(r) for r in added]})
        if action == "faults" and request.method == "DELETE":
            self.faults.clear()
            return Response(200, {"cleared": True})
        if action == "replay" and request.method == "POST":
            self.replay = bool(request.json().get("enabled", True))
            return Response(200, {"replay": self.replay})
        if action == "replay" and request.method == "DELETE":
            self._kept.clear()
            return Response(200, {"replay": self.replay, "kept": 0})
        if action == "restate" and request.method == "POST":
            return Response(200, {"restatement_version": self.restate()})
        return Response(404, {"error": f"unknown control endpoint {request.path}"})


DEFAULT_TOKENS = {
    "facebook_ads": "sim-facebook-access-token",
    "google_ads": "sim-google-access-token",
    "google_ads_developer": "sim-google-developer-token",
    "linkedin_ads": "sim-linkedin-access-token",
    "hubspot": "sim-hubspot-private-app-token",
}


def _handler_class(server: SimulatorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes; without this, Nagle + delayed ACK add
        # ~40 ms to every keep-alive request.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host") or f"127.0.0.1:{server.port}"
            request = Request(
                method=self.command, path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True), raw_query=parts.query,
                headers={k.lower(): v for k, v in self.headers.items()}, body=body,
                base_url=f"http://{host}",
            )
            try:
                response = server.dispatch(request)
            except Exception as exc:  # the simulator must answer, like a real API, with a 500
                log.exception("simulator failed on %s %s", self.command, self.path)
                response = Response(500, {"error": f"simulator error: {exc}"})
            payload = response.encode()
            self.send_response(response.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve
        do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("simulator: " + format, *args)

    return Handler
