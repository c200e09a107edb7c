"""Report date ranges: the presets of docs/data-contract.md resolved against "today" in the
portal's zone.

"Last N days" is the N full days before today (today is still being loaded). "This week /
month / quarter / year" run from the period's first day through today; "last ..." is the
whole previous period. Weeks start on Monday unless a caller says otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from reporting.errors import InvalidFilter

LAST_N_DAYS = {"last_7_days": 7, "last_14_days": 14, "last_30_days": 30, "last_90_days": 90}
PERIODS = ("week", "month", "quarter", "year")
PRESETS = (
    "today", "yesterday", *LAST_N_DAYS,
    *(f"{which}_{period}" for period in PERIODS for which in ("this", "last")),
)
WEEK_STARTS = ("monday", "sunday")


@dataclass(frozen=True)
class DateRange:
    """Inclusive first and last day."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> DateRange:
        """The range of the same length that ends the day before this one starts."""
        try:
            end = self.start - dt.timedelta(days=1)
            return DateRange(end - dt.timedelta(days=self.days - 1), end)
        except OverflowError:  # it would start before year 1
            raise InvalidFilter("date range", str(self),
                                expected="a range with a previous range of the same length to "
                                         "compare with") from None

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def today_in(zone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(zone)).date()


def resolve_preset(preset: str, today: dt.date, week_start: str = "monday") -> DateRange:
    if preset not in PRESETS:
        raise InvalidFilter("date range", preset, PRESETS)
    if week_start not in WEEK_STARTS:
        raise InvalidFilter("week start", week_start, WEEK_STARTS)
    if preset == "today":
        return DateRange(today, today)
    if preset == "yesterday":
        day = today - dt.timedelta(days=1)
        return DateRange(day, day)
    if preset in LAST_N_DAYS:
        return DateRange(today - dt.timedelta(days=LAST_N_DAYS[preset]),
                         today - dt.timedelta(days=1))
    which, period = preset.split("_", 1)
    first = _period_start(today, period, week_start)
    if which == "this":
        return DateRange(first, today)
    last_day_before = first - dt.timedelta(days=1)
    return DateRange(_period_start(last_day_before, period, week_start), last_day_before)


def _period_start(day: dt.date, period: str, week_start: str) -> dt.date:
    if period == "week":
        offset = day.weekday() if week_start == "monday" else (day.weekday() + 1) % 7
        return day - dt.timedelta(days=offset)
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day.replace(month=1, day=1)


def parse_day(value: str | dt.date, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidFilter(name, value, expected="a date as YYYY-MM-DD") from None


def date_range(preset: str | None = None, start: str | dt.date | None = None,
               end: str | dt.date | None = None, *, today: dt.date,
               week_start: str = "monday") -> DateRange:
    """A preset, or a custom start and end (either may be left open: the start defaults to 30
    days before the end, the end to yesterday)."""
    if week_start not in WEEK_STARTS:
        raise InvalidFilter("week start", week_start, WEEK_STARTS)
    if preset is not None and (start is not None or end is not None):
        raise InvalidFilter("date range", preset,
                            expected="either a preset or a custom start and end, not both")
    if preset is not None:
        return resolve_preset(preset, today, week_start)
    last = parse_day(end, "end date") if end is not None else today - dt.timedelta(days=1)
    first = (parse_day(start, "start date") if start is not None
             else last - dt.timedelta(days=29))
    if first > last:
        ended = "" if end is not None else " (the end defaults to yesterday)"
        raise InvalidFilter("date range", f"{first}..{last}",
                            expected=f"a start on or before the end{ended}")
    return DateRange(first, last)
