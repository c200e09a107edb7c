"""The local web dashboard: the report API's overview, campaign table, analyze charts and goals
in a Streamlit page on 127.0.0.1.

    process = serve(warehouse, 8501)          # returns at once; process.terminate() stops it
    run(warehouse, 8501)                      # blocks until Ctrl-C

The page reads the warehouse read-only on every rerun, so it can stay open while runs load.
Viewers sign in as a user of the users file (`users.py`): a HubSpot user's ad accounts are all
a viewer sees unless they are an admin. Without users the server does not start, unless
`no_auth` says to serve every account's view without a sign-in.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.settings import WAREHOUSE_ENV

APP = Path(__file__).with_name("app.py")
# A fixed "today" for the date presets (tests, screenshots); unset: today in the portal zone.
TODAY_ENV = "ADS_ANALYTICS_DASHBOARD_TODAY"
# Set by `serve(no_auth=True)` only: the page shows every account without a sign-in.
NO_AUTH_ENV = "ADS_ANALYTICS_DASHBOARD_NO_AUTH"
# Only this machine reaches the page (behind a proxy, the proxy's TLS protects the passwords).
HOST = "127.0.0.1"


class DashboardError(RuntimeError):
    """The dashboard server did not come up."""


def command(port: int, *, headless: bool = True) -> list[str]:
    """`streamlit run` on the page, bound to localhost, without telemetry or a file watcher."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", HOST, "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--global.developmentMode", "false",
        "--theme.base", "light",
        "--client.toolbarMode", "minimal",
    ]


def signed_in_by(warehouse: Path, users: Path | None = None, no_auth: bool = False
                 ) -> Path | None:
    """The users file the page signs viewers in with (None: no sign-in, as `no_auth` asks);
    `UsersError` when it has no users or cannot be read."""
    from reporting.dashboard.users import UsersError, load_users, users_file

    if no_auth:
        if users is not None:
            raise UsersError("--users and --no-auth contradict each other: choose one")
        return None
    path = users_file(warehouse, users)
    if not load_users(path):
        raise UsersError(
            f"no dashboard users in {path}: add one with `ads-analytics dashboard add-user NAME "
            "--hubspot-user ID [--admin]`, or pass --no-auth to show every account without a "
            f"sign-in to anyone who reaches {HOST}")
    return path


def serve(warehouse: Path, port: int = 8501, *, today: dt.date | None = None,
          headless: bool = True, users: Path | None = None, no_auth: bool = False,
          **popen) -> subprocess.Popen:
    """Start the dashboard on http://127.0.0.1:`port` over `warehouse` and return the server
    process at once (`wait_until_ready` waits for it to answer). Viewers sign in as users of
    `users` (default: `users.users_file`), or, with `no_auth`, not at all. `headless=False`
    opens a browser tab. Extra keyword arguments go to `subprocess.Popen` (stdout, stderr...)."""
    from reporting.dashboard.users import USERS_ENV

    signed_in = signed_in_by(warehouse, users, no_auth)
    env = {**os.environ, WAREHOUSE_ENV: str(Path(warehouse).resolve())}
    for name in (TODAY_ENV, NO_AUTH_ENV, USERS_ENV):
        env.pop(name, None)
    if today is not None:
        env[TODAY_ENV] = today.isoformat()
    if signed_in is None:
        env[NO_AUTH_ENV] = "1"
    else:
        env[USERS_ENV] = str(signed_in)
    return subprocess.Popen(command(port, headless=headless), env=env, **popen)


def url(port: int) -> str:
    return f"http://{HOST}:{port}/"


def wait_until_ready(process: subprocess.Popen, port: int, timeout: float = 30.0) -> None:
    """Return once the server answers its health check; raise if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DashboardError(f"the dashboard exited with code {process.returncode} "
                                 "before answering (is the port free?)")
        try:
            with urllib.request.urlopen(f"{url(port)}_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise DashboardError(f"the dashboard did not answer on {url(port)} within {timeout:.0f} s")


def run(warehouse: Path, port: int = 8501, *, today: dt.date | None = None,
        headless: bool = True, users: Path | None = None, no_auth: bool = False) -> int:
    """Serve the dashboard until Ctrl-C (or the server exits); return its exit code."""
    from reporting.dashboard.users import users_file

    process = serve(warehouse, port, today=today, headless=headless, users=users,
                    no_auth=no_auth)
    # `serve` has read and checked the users file: only its name is needed here (reading it
    # again could fail with the server already started, and leave it running).
    who = ("no sign-in: every account's view" if no_auth
           else f"viewers sign in as users of {users_file(warehouse, users)}")
    print(f"Dashboard on {url(port)} over {warehouse}, {who} (Ctrl-C stops it)", flush=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop(process)
        return 0


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate the server, killing it if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
