"""A source's settings, checked where the source is built from them: a value that cannot be used
is refused before anything loads, in one line naming the source and the setting, and only that
source fails (`connection_of` hands it on as it is).

Nothing here imports dlt: the portal's settings (core/portal.py), which every dbt
step's process reads, are checked with it too.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ingestion.common.incremental import latest_day_anywhere, parse_day


class InvalidConfiguration(ValueError):
    """A source's settings are there but one of them cannot be used (an unknown time zone, a
    malformed id): the message names the source and the setting."""


def day(source: str, name: str, value: Any) -> dt.date | None:
    """The day a setting names (a date, or ISO text: `YYYY-MM-DD`, or a date and time), or None
    when it is not set. Unlike `parse_day`, which reads the first ten characters of the state a
    source wrote itself, text with anything else in it (`2026-01-01junk`) is refused."""
    if value is None or value == "" or isinstance(value, dt.date):
        return parse_day(value)
    try:  # (datetime's parser also reads every form the date parser does)
        return dt.datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        raise InvalidConfiguration(f"{source}: {name} {value!r} is not a date "
                                   "(YYYY-MM-DD)") from None


def days(source: str, start_date: Any, end_date: Any) -> tuple[dt.date | None, dt.date | None]:
    """`start_date` and `end_date` as days, refused when no day could load between them: a
    start after the end, or, without an end (today), a start after today everywhere."""
    start, end = day(source, "start_date", start_date), day(source, "end_date", end_date)
    if start is not None and end is not None and start > end:
        raise InvalidConfiguration(f"{source}: start_date {start} is after end_date {end}: "
                                   "nothing would load")
    if start is not None and end is None and start > latest_day_anywhere():
        raise InvalidConfiguration(f"{source}: start_date {start} is after today and no "
                                   "end_date is set: nothing would load")
    return start, end


def time_zone(source: str, name: str, value: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidConfiguration(f"{source}: {name} {value!r} is not an IANA time zone (like "
                                   "Europe/Stockholm)") from None


def at_least(source: str, minimums: Mapping[str, tuple[Any, float]]) -> None:
    """Each setting `name: (value, minimum)` is at least its minimum."""
    for name, (value, minimum) in minimums.items():
        if value < minimum:
            raise InvalidConfiguration(f"{source}: {name} must be {minimum} or more, got "
                                       f"{value}")


def retry_policy(source: str, max_attempts: int, backoff_base: float, backoff_cap: float,
                 timeout: float) -> None:
    """The HTTP retry settings every source takes."""
    at_least(source, {"max_attempts": (max_attempts, 1), "backoff_base": (backoff_base, 0),
                      "backoff_cap": (backoff_cap, 0)})
    if timeout <= 0:
        raise InvalidConfiguration(f"{source}: timeout must be more than 0 seconds, got "
                                   f"{timeout}")


def list_hint(name: str) -> str:
    """How an id-list setting is written."""
    return (f'a TOML list ({name} = ["1", "2"]) or, in an environment variable, a JSON list '
            """('["1", "2"]')""")


def ids(source: str, name: str, values: Sequence[str | int],
        normalize: Callable[[str], str]) -> list[str]:
    """The ids of id-list setting `name` (dlt reads it as a `list[str]`), each normalized (which
    refuses a malformed one), in their order, duplicates dropped. Anything but a list (text
    given in code, say) is refused in one line saying how a list is written."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise InvalidConfiguration(f"{source}: {name} {values!r} is not a list of ids: write "
                                   f"{list_hint(name)}")
    return list(dict.fromkeys(normalize(text) for item in values if (text := str(item).strip())))


def base_url(source: str, value: Any) -> str:
    """An http(s) URL with a host (the vendor's host root, or the simulator's)."""
    text = str(value).strip()
    try:
        parts = urlsplit(text)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        usable = False
    if not usable:
        raise InvalidConfiguration(f"{source}: base_url {value!r} is not an http(s) URL like "
                                   "https://host")
    return text

