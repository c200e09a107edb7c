"""Who may sign in to the dashboard: a TOML file of users, each with a salted password hash, the
HubSpot user whose ad accounts they see, and whether they are an admin (who may see anyone's).

    [users.ana]
    hubspot_user = "7000100"
    admin = true
    password = "scrypt:16384:8:1:<salt>:<hash>"

`ads-analytics dashboard add-user` writes it (only its owner may read it); nobody writes a hash
by hand. The file is `--users FILE`, else `ADS_ANALYTICS_DASHBOARD_USERS`, else
`dashboard_users.toml` beside the warehouse.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from core.settings import DASHBOARD_USERS_ENV as USERS_ENV  # noqa: F401 (its name here)
from core.settings import Settings
from reporting.errors import ReportError
from reporting.files import write_atomically

# scrypt's interactive-login cost (16 MiB, tens of milliseconds); each hash names its own, so a
# later, higher cost applies to passwords set from then on.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 12
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class UsersError(ReportError):
    """A users file or user the dashboard cannot use, said without any password or hash."""


@dataclass(frozen=True)
class User:
    name: str
    hubspot_user: str
    admin: bool = False
    password_hash: str = field(default="", repr=False)


def users_file(warehouse: Path, given: Path | None = None) -> Path:
    """`given`, else `ADS_ANALYTICS_DASHBOARD_USERS`, else the file beside the warehouse."""
    if given is not None:
        return Path(given).expanduser().resolve()
    return Settings.from_environment(warehouse=warehouse).dashboard_users


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt:{SCRYPT['n']}:{SCRYPT['r']}:{SCRYPT['p']}:{salt.hex()}:{key.hex()}"


def _parsed(hashed: str) -> tuple[dict[str, int], bytes, bytes] | None:
    parts = hashed.split(":")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        n, r, p = (int(part) for part in parts[1:4])
        return {"n": n, "r": r, "p": p}, bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
    except ValueError:
        return None


def verify_password(password: str, hashed: str) -> bool:
    parsed = _parsed(hashed)
    if parsed is None:
        return False
    cost, salt, key = parsed
    try:
        given = hashlib.scrypt(password.encode(), salt=salt, dklen=len(key), maxmem=2**26,
                               **cost)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(given, key)


@cache
def _decoy() -> str:
    return hash_password(secrets.token_hex(16))


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user `name` if `password` is theirs. An unknown name costs the same hash as a known
    one, so the time taken does not tell which names exist."""
    user = users.get(name)
    matches = verify_password(password, user.password_hash if user else _decoy())
    return user if user is not None and matches else None


def load_users(path: Path) -> dict[str, User]:
    """The users of `path` (none when it does not exist); `UsersError` naming the file and the
    user when it cannot be used."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problem = "is not TOML" if isinstance(exc, tomllib.TOMLDecodeError) else "cannot be read"
        raise UsersError(f"the dashboard users file {path} {problem}: "
                         f"{str(exc).splitlines()[0]}") from None
    entries = data.get("users", {})
    if not isinstance(entries, dict):
        raise UsersError(f"the dashboard users file {path}: `users` must be a table of users")
    return {name: _user(path, name, entry) for name, entry in entries.items()}


def _user(path: Path, name: str, entry: object) -> User:
    def problem(text: str) -> UsersError:
        return UsersError(f"the dashboard users file {path}: user {name}{text}")

    if not isinstance(entry, dict):
        raise problem(" must be a table")
    hubspot_user, password, admin = (entry.get(key) for key in ("hubspot_user", "password",
                                                                 "admin"))
    if not isinstance(hubspot_user, str) or not hubspot_user:
        raise problem(" has no hubspot_user")
    if not password:
        raise problem(" has no password")
    if not isinstance(password, str) or _parsed(password) is None:
        raise problem("'s password is not a hash from `ads-analytics dashboard add-user`")
    if not isinstance(admin, bool | None):
        raise problem("'s admin must be true or false")
    return User(name, hubspot_user, bool(admin), password)


def check_new_user(name: str, hubspot_user: str, password: str) -> None:
    if not NAME.fullmatch(name):
        raise UsersError(f"invalid user name {name!r}; expected letters, digits, '.', '_', '@' "
                         "or '-' (up to 64)")
    if not hubspot_user.strip():
        raise UsersError(f"invalid HubSpot user {hubspot_user!r}; expected the id of a HubSpot "
                         "user (ads-analytics report ... --user takes the same)")
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"too short a password; expected a password of at least "
                         f"{MIN_PASSWORD} characters")


def save_user(path: Path, user: User) -> bool:
    """Add `user` to the file at `path`, or replace the user of that name; True if replaced.
    The file is rewritten whole and only its owner may read or write it."""
    users = load_users(path)
    replaced = user.name in users
    users[user.name] = user
    lines = ["# The dashboard's users: `ads-analytics dashboard add-user` writes this file.",
             "# Passwords are salted scrypt hashes; remove a user's table to remove them.", ""]
    for entry in users.values():
        lines += [f"[users.{json.dumps(entry.name)}]",
                  f"hubspot_user = {json.dumps(entry.hubspot_user)}",
                  f"admin = {'true' if entry.admin else 'false'}",
                  f"password = {json.dumps(entry.password_hash)}", ""]
    text = "\n".join(lines)
    write_atomically(path, lambda temporary: temporary.write_text(text), mode=0o600)
    return replaced
