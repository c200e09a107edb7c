"""The operator's way out of a bad vendor row: quarantine it, re-pull its days, restore it.

A row the networks sent wrong (a negative spend, a key sent twice, a day nobody asked for, a
day that has not happened yet) stays in raw, and the blocking checks fail every run after it,
also when it is older than any look-back window re-pulls. Nothing here deletes: rows leave raw
for `quarantine.<source>__<table>` (every raw column, and why and when they left), in the same
transaction, and `restore` puts them back.

- `quarantine(warehouse)` moves the offending rows of the networks' daily reports, by rule.
- `set_aside(warehouse, source, start, end)` moves a source's report rows of a day range (a
  repair then re-pulls those days from the API; the old rows stay in quarantine).
- `restore(warehouse)` moves quarantined rows back.

They change the warehouse's build; the CLI (`ads-analytics quarantine`, `repair`) holds the run
lock and rebuilds the marts from scratch after, which publishes the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.publishing import connect, newest, prepare_build

SCHEMA = "quarantine"
REASON = "quarantine_reason"
WHEN = "quarantined_at"
# The rules, in the order a row is judged (a row is moved once, for the first that holds).
RULES = {
    "invalid_day": "its day is not a date",
    "future_day": "its day has not begun anywhere yet",
    "negative_spend": "its spend is negative",
    "outside_requested_windows": "no load asked the account for its day",
    "duplicate": "its key was loaded more than once (the newest load's row stays)",
}


@dataclass(frozen=True)
class Report:
    """A network's daily report as loaded raw."""

    source: str
    table: str
    account: str
    day: str
    spend: str

    @property
    def key(self) -> tuple[str, ...]:
        """The table's merge key as the source declares it, by dlt's column names."""
        from dlt.common.normalizers.naming.snake_case import NamingConvention

        from ingestion.registry import source_tables

        naming = NamingConvention()
        return tuple(naming.normalize_path(column)
                     for column in source_tables(self.source)[self.table].primary_key)

    @property
    def raw(self) -> str:
        return f"raw_{self.source}.{self.table}"

    @property
    def quarantined(self) -> str:
        return f"{SCHEMA}.{self.source}__{self.table}"


REPORTS = (
    Report("facebook_ads", "ad_insights", "account_id", "date_start", "spend"),
    Report("google_ads", "ad_performance_daily", "customer__id", "segments__date",
           "metrics__cost_micros"),
    Report("google_ads", "keyword_performance_daily", "customer__id", "segments__date",
           "metrics__cost_micros"),
    Report("linkedin_ads", "ad_analytics_daily", "account_id", "date", "cost_in_local_currency"),
)
SOURCES = tuple(dict.fromkeys(report.source for report in REPORTS))


@dataclass(frozen=True)
class Moved:
    table: str
    reason: str
    rows: int
    accounts: tuple[str, ...]
    first_day: str | None
    last_day: str | None

    def describe(self) -> str:
        days = (self.first_day if self.first_day == self.last_day
                else f"{self.first_day}..{self.last_day}")
        return (f"{self.table}: {self.rows} row{'s' if self.rows != 1 else ''} "
                f"({self.reason}: {RULES.get(self.reason, 'set aside')}), "
                f"account{'s' if len(self.accounts) != 1 else ''} {', '.join(self.accounts)}, "
                f"day{'s' if days != self.first_day else ''} {days}")


def quarantine(warehouse: Path, rules: list[str] | None = None,
               dry_run: bool = False) -> list[Moved]:
    """Move the rows of the daily reports that break `rules` (all by default) out of raw;
    with `dry_run`, only say what would move."""
    unknown = set(rules or []) - set(RULES)
    if unknown:
        raise ValueError(f"unknown rule {', '.join(sorted(unknown))}; the rules are "
                         f"{', '.join(RULES)}")
    chosen = [rule for rule in RULES if rules is None or rule in rules]
    moved = []
    with connect(prepare_build(warehouse)) as con:
        for report in REPORTS:
            if not _exists(con, report.raw):
                continue
            windows = _windows_sql(con, report)
            # A row is moved for the first rule it breaks (a dry run, which moves nothing,
            # remembers the rows each rule picked).
            con.execute("create or replace temporary table judged (row_id bigint)")
            for rule in chosen:
                if rule == "outside_requested_windows" and windows is None:
                    continue
                where = (f"({_rule_sql(report, rule, windows)}) "
                         "and rowid not in (select row_id from judged)")
                moved += _move(con, report, where, rule, dry_run)
                if dry_run:
                    con.execute("insert into judged select row_id from moving")
    return moved


def set_aside(warehouse: Path, source: str, start: dt.date, end: dt.date,
              accounts: list[str] | None = None) -> list[Moved]:
    """Move `source`'s report rows of days [start, end] (of `accounts`, else every account)
    to quarantine, before those days are loaded again."""
    if source not in SOURCES:
        raise ValueError(f"{source} has no daily report to repair; choose one of "
                         f"{', '.join(SOURCES)}")
    reason = f"repaired {start}..{end}"
    moved = []
    with connect(prepare_build(warehouse)) as con:
        for report in (r for r in REPORTS if r.source == source):
            if not _exists(con, report.raw):
                continue
            where = (f"try_cast({_q(report.day)} as date) between date '{start}' "
                     f"and date '{end}'")
            if accounts:
                listed = ", ".join(f"'{_digits_literal(a)}'" for a in accounts)
                where += f" and {_account_digits(report.account)} in ({listed})"
            moved += _move(con, report, where, reason, dry_run=False)
    return moved


def restore(warehouse: Path, reason: str | None = None) -> list[Moved]:
    """Move quarantined rows (of `reason`, else all) back to raw."""
    restored = []
    with connect(prepare_build(warehouse)) as con:
        for report in REPORTS:
            if not _exists(con, report.quarantined):
                continue
            where = "true" if reason is None else f"{REASON} = '{_escape(reason)}'"
            summary = _summary(con, report.quarantined, report, where)
            if summary is None:
                continue
            rows, accounts, first, last = summary
            # (a column raw gained after these rows left it is theirs to leave empty)
            kept = set(_columns(con, report.quarantined))
            listed = ", ".join(_q(c) for c in _columns(con, report.raw) if c in kept)
            con.execute("begin transaction")
            con.execute(f"insert into {report.raw} ({listed}) select {listed} "
                        f"from {report.quarantined} where {where}")
            con.execute(f"delete from {report.quarantined} where {where}")
            con.execute("commit")
            restored.append(Moved(report.raw, reason or "restored", rows, accounts, first, last))
    return restored


def in_quarantine(warehouse: Path) -> list[Moved]:
    """What the quarantine holds, per table and reason."""
    held = []
    database = newest(warehouse)
    if not database.exists():
        return held
    with connect(database, read_only=True) as con:
        for report in REPORTS:
            if not _exists(con, report.quarantined):
                continue
            for reason, *summary in con.execute(f"""
                    select {REASON}, {_SUMMARY.format(account=_q(report.account),
                                                      day=_q(report.day))}
                    from {report.quarantined} group by {REASON} order by {REASON}""").fetchall():
                held.append(Moved(report.quarantined, reason, *_summarised(*summary)))
    return held


def _move(con: duckdb.DuckDBPyConnection, report: Report, where: str, reason: str,
          dry_run: bool) -> list[Moved]:
    # The rule is judged once (its windows lookups scan the whole report): the rows it picks
    # are then named by rowid.
    con.execute("begin transaction")
    con.execute(f"create or replace temporary table moving as "
                f"select rowid as row_id from {report.raw} where {where}")
    picked = "rowid in (select row_id from moving)"
    summary = _summary(con, report.raw, report, picked)
    if summary is not None and not dry_run:
        _ensure_quarantine_table(con, report)
        listed = ", ".join(_q(c) for c in _columns(con, report.raw))
        con.execute(f"""
            insert into {report.quarantined} ({listed}, {REASON}, {WHEN})
            select {listed}, '{_escape(reason)}', current_timestamp
            from {report.raw} where {picked}""")
        con.execute(f"delete from {report.raw} where {picked}")
    con.execute("commit")
    return [] if summary is None else [Moved(report.raw, reason, *summary)]


# Rows, their accounts, first and last day.
_SUMMARY = "count(*), list(distinct {account} order by {account}), min({day}), max({day})"


def _summary(con: duckdb.DuckDBPyConnection, table: str, report: Report,
             where: str) -> tuple[int, tuple[str, ...], str | None, str | None] | None:
    found = con.execute(f"""
        select {_SUMMARY.format(account=_q(report.account), day=_q(report.day))}
        from {table} where {where}""").fetchone()
    return _summarised(*found) if found[0] else None


def _summarised(rows: int, accounts: list | None, first: str | None,
                last: str | None) -> tuple[int, tuple[str, ...], str | None, str | None]:
    return rows, tuple(str(a) for a in accounts or []), first, last


def _rule_sql(report: Report, rule: str, windows: str | None) -> str:
    day = f"try_cast({_q(report.day)} as date)"
    if rule == "invalid_day":
        return f"{day} is null"
    if rule == "future_day":
        # the earliest zone (UTC+14) is at most a day ahead of UTC
        return f"{day} > current_date + 1"
    if rule == "negative_spend":
        return f"try_cast({_q(report.spend)} as double) < 0"
    if rule == "outside_requested_windows":
        # as assert_ad_days_within_requested_windows: only rows loaded since the account's
        # loads record their windows are judged
        account = _account_digits(report.account)
        return f"""{day} is not null and exists (
                select 1 from ({windows}) as w
                where w.account = {account}
                  and cast(_dlt_load_id as double) >= w.first_load_id)
            and not exists (
                select 1 from ({windows}) as w
                where w.account = {account} and {day} between w.start_date and w.end_date)"""
    if rule == "duplicate":
        key = ", ".join(_q(c) for c in report.key)
        return f"""rowid in (
                select rowid from (
                    select rowid, row_number() over (
                        partition by {key} order by _dlt_load_id desc, rowid desc) as copy
                    from {report.raw}) where copy > 1)"""
    raise ValueError(rule)


def _windows_sql(con: duckdb.DuckDBPyConnection, report: Report) -> str | None:
    """The windows the loads asked each account of `report` for, with each account's first
    recorded load; None when the source records none."""
    table = f"raw_{report.source}.load_windows"
    if not _exists(con, table):
        return None
    return f"""
        select {_account_digits('account_id')} as account,
               cast(start_date as date) as start_date, cast(end_date as date) as end_date,
               min(cast(_dlt_load_id as double)) over (
                   partition by {_account_digits('account_id')}) as first_load_id
        from {table} where report = '{report.table}'"""


def _ensure_quarantine_table(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    if not _exists(con, report.quarantined):
        con.execute(f"""create table {report.quarantined} as
                        select *, cast(null as varchar) as {REASON},
                               cast(null as timestamptz) as {WHEN}
                        from {report.raw} where false""")
        return
    # raw gained a column since (a field the vendor added): so does the quarantine
    have = set(_columns(con, report.quarantined))
    for column, kind in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            report.raw.split(".")).fetchall():
        if column not in have:
            con.execute(f"alter table {report.quarantined} add column {_q(column)} {kind}")


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute("select count(*) from information_schema.tables "
                            "where table_schema = ? and table_name = ?",
                            [schema, name]).fetchone()[0])


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_schema = ? "
        "and table_name = ? order by ordinal_position", table.split(".")).fetchall()]


def _account_digits(column: str) -> str:
    """An account id as its digits (`act_123`, `urn:li:sponsoredAccount:123` and `123` alike,
    `123-456-7890` and `1234567890` too)."""
    return f"regexp_replace(cast({_q(column)} as varchar), '[^0-9]', '', 'g')"


def _digits_literal(account: str) -> str:
    digits = "".join(ch for ch in account if ch.isdigit())
    if not digits:
        raise ValueError(f"account {account!r} has no digits: give the account's id")
    return digits


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _escape(text: str) -> str:
    return text.replace("'", "''")
