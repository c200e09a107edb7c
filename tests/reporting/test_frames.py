"""Report frames handed over through Arrow are the frames DuckDB's `.df()` gives: the same
values and the same column types, for every report and for each type a query can return."""

from __future__ import annotations

import warnings

import duckdb
import pandas as pd
import pytest

from reporting import reports as reports_module
from reporting.catalog import (
    ACCOUNT_SPEND,
    ANALYZE_REPORTS,
    ANALYZE_SERIES,
    METRICS,
    TABLE_LEVELS,
)
from reporting.frames import frame
from reporting.reports import Filters

TYPES = """
select * from (values
    (1, 2::bigint, 3::hugeint, 1.5::decimal(18, 6), 2.25::decimal(38, 10), 3.5::double,
     date '2026-01-02', timestamp '2026-01-02 03:04:05', timestamptz '2026-01-02 03:04:05+00',
     true, 'text', 7, false, cast(null as varchar)),
    (null, null, null, null, null, null, null, null, null, null, null, 8, true, null)
) as t(whole, big, huge, money, fine, real, day, instant, instant_tz, flag, words,
       whole_no_nulls, flag_no_nulls, only_nulls)
"""


def test_repeated_column_names_are_made_unique_as_duckdb_makes_them():
    with duckdb.connect() as con:
        sql = "select 1 as a, 'x' as a, 2.5 as A, 3 as b, 4 as a, 5 as a_1"
        expected = con.execute(sql).df()
        got = frame(con, sql)
    assert list(expected.columns) == ["a", "a_1", "A_2", "b", "a_3", "a_1_1"]
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("where", ["", "where whole_no_nulls = 7", "where false"])
def test_each_type_comes_as_duckdbs_own_conversion_has_it(where):
    with duckdb.connect() as con:
        con.execute("set timezone = 'Europe/Stockholm'")
        sql = f"select * from ({TYPES}) {where}"
        expected = con.execute(sql).df()
        got = frame(con, sql)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # the types that differ from Arrow's own conversion, checked by name too
    if where != "where false":
        assert str(got["money"].dtype) == "float64" and str(got["day"].dtype) == "datetime64[us]"
    if not where:
        assert str(got["whole"].dtype) == "Int32" and str(got["flag"].dtype) == "boolean"


def test_decimals_are_the_doubles_duckdb_makes_of_them_to_the_last_bit():
    # Arrow's own cast differs from DuckDB's in the last bit for about a third of these
    with duckdb.connect() as con:
        con.execute("select setseed(0.5)")
        con.execute("""create table t as select
            (random() * 1e6)::decimal(18, 6) as money, (random() * 100)::decimal(9, 2) as small,
            (random() * 1e4)::decimal(38, 10) as fine,
            (random() * 1e30)::decimal(38, 0) as huge, (random() * 1e20)::hugeint as whole
            from range(20000)""")
        con.execute("insert into t values (null, null, null, null, null)")
        expected = con.execute("select * from t").df()
        got = frame(con, "select * from t")
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_duckdbs_arrow_copy_warning_is_silenced_for_this_module_only():
    """DuckDB warns that a prepared statement's Arrow result is copied once more; the frames
    module's calls ignore it, and only they, whatever filters the caller has set."""
    import subprocess
    import sys

    code = ("import duckdb, warnings\n"
            "from reporting.frames import frame\n"
            "con = duckdb.connect()\n"
            "assert frame(con, 'select ? as x', [1]).x.tolist() == [1]\n"
            "con.execute('select 1').to_arrow_table()\n")
    done = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code],
                          capture_output=True, text=True, check=False)
    # the frame without a warning, then the same call elsewhere warned (an error here)
    assert done.returncode == 1 and "Arrow output on a DB-API result" in done.stderr
    assert "line 5" in done.stderr, done.stderr
    # within a block that records every warning (as pytest's own, or a library's): still none
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with duckdb.connect() as con:
            frame(con, "select 1 as x")
            con.execute("select 2 as y").to_arrow_table()
    assert [str(w.message)[:30] for w in caught] == ["Arrow output on a DB-API resul"]
    # and a frame leaves the other warnings' filters alone: one shown once per place stays so
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        with duckdb.connect() as con:
            for _ in range(3):
                frame(con, "select 1 as x")
                warnings.warn("shown once", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["shown once"]


def test_every_report_is_the_frame_duckdb_gives(reports, monkeypatch):
    compared = []

    def both(con, sql, params=None):
        got, expected = frame(con, sql, params), con.execute(sql, params).df()
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        compared.append(len(got))
        return got

    monkeypatch.setattr(reports_module, "rows_frame", both)
    for filters in (Filters(date_preset="last_30_days"),
                    Filters(date_preset="last_30_days", networks=("google",),
                            attribution="linear")):
        scope = reports.scope(filters)
        reports.overview(scope)
        reports.stages(scope)
        for level in TABLE_LEVELS:
            # every metric (the accounts here spend in two currencies: not in theirs)
            reports.campaign_table(scope, level=level, sort="spend",
                                   columns=[m for m in METRICS if m != ACCOUNT_SPEND])
        for name in ANALYZE_REPORTS:
            by = {"by": "network"} if name in ANALYZE_SERIES and name != "total_spend" else {}
            reports.analyze(name, scope, **by)
    assert len(compared) == 2 * (2 + len(TABLE_LEVELS) + len(ANALYZE_REPORTS))
    assert sum(compared) > 100
