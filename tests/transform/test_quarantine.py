"""The way out of bad vendor rows: quarantine moves them out of raw with the reason (nothing is
lost), repair loads a range of days again, and both rebuild and publish marts that equal the
ones built before the rows went bad."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from core.layout import WarehouseLayout
from core.settings import WAREHOUSE_ENV
from orchestration.cli import main
from orchestration.quarantine import in_quarantine, restore
from simulator.config import source_settings

pytestmark = pytest.mark.slow

FACTS = """
select network, ad_account_id, cast(date_day as varchar) as day, sum(spend) as spend,
       sum(clicks) as clicks
from marts.fct_ad_performance_daily group by all order by all
"""


def _facts(path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(FACTS).df()


@pytest.mark.slow(minutes=2.5)
def test_bad_rows_are_quarantined_and_a_range_repaired(built, tmp_path, monkeypatch, capsys):
    warehouse = built.copy("quarantined")
    path = warehouse.path
    good = _facts(path)
    row = warehouse.query("""
        select account_id, ad_id, date_start from raw_facebook_ads.ad_insights
        order by date_start, ad_id limit 1""").iloc[0]
    same = f"account_id = '{row.account_id}' and ad_id = '{row.ad_id}'"
    # A row sent twice, one with a negative spend, one of a day no load asked for (2019) and
    # one of a day that has not come yet (2031); and a day whose spend was restated wrongly
    # (no rule sees it: it is repaired by loading the day again).
    warehouse.execute(f"""
        update raw_facebook_ads.ad_insights set spend = '-3.00'
            where rowid = (select rowid from raw_facebook_ads.ad_insights
                           order by date_start desc, ad_id limit 1);
        insert into raw_facebook_ads.ad_insights
            select * from raw_facebook_ads.ad_insights where {same}
            and date_start = '{row.date_start}';
        insert into raw_facebook_ads.ad_insights
            select * replace ('2019-06-01' as date_start, '2019-06-01' as date_stop)
            from raw_facebook_ads.ad_insights where {same} and date_start = '{row.date_start}'
            limit 1;
        insert into raw_facebook_ads.ad_insights
            select * replace ('2031-01-01' as date_start, '2031-01-01' as date_stop)
            from raw_facebook_ads.ad_insights where {same} and date_start = '{row.date_start}'
            limit 1;
        update raw_google_ads.ad_performance_daily set metrics__cost_micros = '999000000'
            where segments__date = (select min(segments__date)
                                    from raw_google_ads.ad_performance_daily);
    """)
    wrong_day = warehouse.query(
        "select min(segments__date) as day from raw_google_ads.ad_performance_daily")["day"][0]
    monkeypatch.setenv(WAREHOUSE_ENV, str(path))  # the command sets it: restored after
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    for key, value in source_settings(built.server, tmp_path).items():
        monkeypatch.setenv(key, value)

    # What would move, and why; nothing moved yet.
    assert main(["--warehouse", str(path), "quarantine", "--dry-run"]) == 0
    out = capsys.readouterr().out
    for reason in ("duplicate", "negative_spend", "outside_requested_windows", "future_day"):
        assert f"would move: raw_facebook_ads.ad_insights: 1 row ({reason}" in out, out
    assert in_quarantine(path) == []

    assert main(["--warehouse", str(path), "quarantine"]) == 0
    held = {moved.reason: moved for moved in in_quarantine(path)}
    assert set(held) == {"duplicate", "negative_spend", "outside_requested_windows",
                         "future_day"}
    assert held["outside_requested_windows"].first_day == "2019-06-01"
    assert held["future_day"].first_day == "2031-01-01"
    assert all(moved.rows == 1 for moved in held.values())
    with duckdb.connect(str(path), read_only=True) as con:  # the published warehouse
        kept = con.execute("""select count(*) from raw_facebook_ads.ad_insights
                              where date_start in ('2019-06-01', '2031-01-01')
                                 or try_cast(spend as double) < 0""").fetchone()[0]
        reasons = con.execute("""select quarantine_reason, count(*)
                                 from quarantine.facebook_ads__ad_insights
                                 group by all""").fetchall()
    assert kept == 0 and len(reasons) == 4

    # The wrongly restated Google day, loaded again from the API: its rows set aside, the
    # API's rows loaded, the marts rebuilt equal to the ones before anything went bad (the
    # negative row is no longer in them: the ad's day is gone with it).
    assert main(["--warehouse", str(path), "repair", "--source", "google_ads",
                 "--start", wrong_day, "--end", wrong_day]) == 0
    out = capsys.readouterr().out
    assert "set aside: raw_google_ads.ad_performance_daily" in out
    repaired = _facts(path)
    negative = held["negative_spend"]
    expected = good[~((good["network"] == "facebook")
                      & (good["day"] == negative.first_day)
                      & (good["ad_account_id"].isin(negative.accounts)))]
    changed = expected.merge(repaired, how="outer", indicator=True)
    changed = changed[changed["_merge"] != "both"]
    # only the account-day of the negative row differs: that one ad's spend left it
    assert set(changed["day"]) <= {negative.first_day}, changed
    # the repaired Google day is the API's again
    pd.testing.assert_frame_equal(
        repaired[repaired["network"] == "google"].reset_index(drop=True),
        good[good["network"] == "google"].reset_index(drop=True))

    # Nothing was lost: the rows come back on request.
    back = restore(path, "duplicate")
    assert [(m.table, m.rows) for m in back] == [("raw_facebook_ads.ad_insights", 1)]
    with duckdb.connect(str(WarehouseLayout(path).build), read_only=True) as con:
        copies = con.execute(f"""select count(*) from raw_facebook_ads.ad_insights
                                 where {same} and date_start = '{row.date_start}'""").fetchone()
    assert copies == (2,)
