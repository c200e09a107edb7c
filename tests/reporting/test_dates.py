import datetime as dt

import pytest

from reporting.dates import PRESETS, DateRange, date_range, resolve_preset
from reporting.errors import InvalidFilter

MONDAY = dt.date(2026, 6, 15)
D = dt.date.fromisoformat

EXPECTED = {  # preset: (monday-start weeks, sunday-start weeks)
    "today": ("2026-06-15", "2026-06-15"),
    "yesterday": ("2026-06-14", "2026-06-14"),
    "last_7_days": ("2026-06-08", "2026-06-14"),
    "last_14_days": ("2026-06-01", "2026-06-14"),
    "last_30_days": ("2026-05-16", "2026-06-14"),
    "last_90_days": ("2026-03-17", "2026-06-14"),
    "this_week": ("2026-06-15", "2026-06-15"),
    "last_week": ("2026-06-08", "2026-06-14"),
    "this_month": ("2026-06-01", "2026-06-15"),
    "last_month": ("2026-05-01", "2026-05-31"),
    "this_quarter": ("2026-04-01", "2026-06-15"),
    "last_quarter": ("2026-01-01", "2026-03-31"),
    "this_year": ("2026-01-01", "2026-06-15"),
    "last_year": ("2025-01-01", "2025-12-31"),
}


def test_every_preset_is_covered():
    assert set(EXPECTED) == set(PRESETS)


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_preset_resolves_against_today(preset):
    start, end = EXPECTED[preset]
    assert resolve_preset(preset, MONDAY) == DateRange(D(start), D(end))


def test_weeks_can_start_on_sunday():
    assert resolve_preset("this_week", MONDAY, "sunday") == DateRange(D("2026-06-14"), MONDAY)
    assert resolve_preset("last_week", MONDAY, "sunday") == DateRange(D("2026-06-07"),
                                                                      D("2026-06-13"))


def test_quarters_and_years_roll_over_at_their_boundaries():
    new_year = dt.date(2027, 1, 1)
    assert resolve_preset("last_quarter", new_year) == DateRange(D("2026-10-01"),
                                                                 D("2026-12-31"))
    assert resolve_preset("last_month", new_year) == DateRange(D("2026-12-01"),
                                                               D("2026-12-31"))
    assert resolve_preset("yesterday", new_year) == DateRange(D("2026-12-31"), D("2026-12-31"))


def test_custom_range_and_its_defaults():
    assert date_range(start="2026-01-05", end="2026-01-07", today=MONDAY) == DateRange(
        D("2026-01-05"), D("2026-01-07"))
    # no range: the 30 days before today; an end alone: the 30 days up to it
    assert date_range(today=MONDAY) == DateRange(D("2026-05-16"), D("2026-06-14"))
    assert date_range(end="2026-01-30", today=MONDAY) == DateRange(D("2026-01-01"),
                                                                   D("2026-01-30"))


def test_previous_period_has_the_same_length_and_ends_the_day_before():
    assert DateRange(D("2026-06-08"), D("2026-06-14")).previous() == DateRange(
        D("2026-06-01"), D("2026-06-07"))


@pytest.mark.parametrize("kwargs, message", [
    ({"preset": "last_8_days"}, "valid values: today, yesterday, last_7_days"),
    ({"start": "2026-13-01"}, "invalid start date '2026-13-01'; expected a date as YYYY-MM-DD"),
    ({"start": "2026-06-10", "end": "2026-06-01"}, "expected a start on or before the end"),
    ({"preset": "today", "start": "2026-06-01"}, "either a preset or a custom start and end"),
])
def test_bad_ranges_are_named(kwargs, message):
    with pytest.raises(InvalidFilter, match=message.replace("(", r"\(")):
        date_range(today=MONDAY, **kwargs)
