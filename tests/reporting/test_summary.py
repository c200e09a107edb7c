"""The summary's numbers: the hand-known ones, and every other one traced back to a report
query recomputed here."""

import re
from dataclasses import replace

import pandas as pd

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main
from reporting.output import format_value
from reporting.reports import Filters
from reporting.summary import CAMPAIGN_COLUMNS, KEYWORD_COLUMNS, TOTALS, for_setting, summarise

# 06-12..06-14 against 06-09..06-11, which holds A1a's 06-10 row (100 spend, 1000 impressions)
PERIOD = Filters(start="2026-06-12", end="2026-06-14")
NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?:%| pts)?")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_the_summary_states_the_hand_known_totals(reports):
    text = summarise(reports, PERIOD)
    assert text.startswith("# Ads summary, 2026-06-12..2026-06-14\n")
    assert "compared with 2026-06-09..2026-06-11" in text
    # 40 + 60 + 30 + 120 + 8 + 90 spent; P1, P2, P4, P5 converted; D1 closed on 06-14
    assert ("Spend was 348.00 USD for 4,300 impressions and 157 clicks (CTR 3.65%, CPC "
            "(network) 2.22 per click)" in text)
    assert "It brought 4 contacts (cost per contact 87.00)" in text
    assert ("now 0 subscribers, 2 leads, 1 MQL, 0 SQLs, 0 opportunities, 1 customer, "
            "0 evangelists and 0 others" in text)
    # every lifecycle stage, with the spend per contact in it: 348 / 2 leads, 348 / 1 MQL
    assert "| lead | 2 | 174.00 |" in text and "| marketingqualifiedlead | 1 | 348.00 |" in text
    assert "| subscriber | 0 | – |" in text and "| other | 0 | – |" in text
    # HubSpot's CPC, spend per session: 348 / (5 + 10 + 30 + 1 + 2) sessions
    assert "CPC as HubSpot counts it (spend per session after an ad click) was 7.25" in text
    assert "deleted Facebook campaigns hidden, as in HubSpot" in text
    assert "1 closed-won deal brought 1,000.00 in revenue, an ROI of 187.36%" in text
    assert "| spend | 348.00 | 100.00 | +248.0% |" in text
    assert "| CTR | 3.65% | 5.00% | -1.35 pts |" in text
    # Facebook: C1 100 + C2 30 of 348; P1 and P5 of four contacts
    assert "Facebook Ads took 37.4% of spend and brought 50.0% of contacts" in text
    # Facebook 130 for P1 and P5, Google 128 for P2, LinkedIn 90 for P4
    assert "Contacts cost least on Facebook Ads (65.00 each) and most on Google Ads (128.00)" \
        in text
    assert "1 untracked campaign spent 30.00 (8.6% of spend)" in text
    assert "Impressions rose 330.0%, from 1,000 to 4,300." in text
    # C1 (Leads) spent 100 on 06-10 too
    assert "4 campaigns spent now but not before: Search brand (120.00), Sponsored (90.00), " \
           "Awareness (30.00), Search generic (8.00)." in text
    assert '"ads analytics" (EXACT): 1 contact at 90.00 each' in text


def allowed_numbers(reports, filters) -> set[str]:
    """Every figure a summary may print: report cells, their shares and period changes."""
    scope = reports.scope(filters)
    previous = replace(scope, dates=scope.dates.previous())  # the same filters, before
    totals = reports.overview(scope, list(TOTALS)).iloc[0]
    before = reports.overview(previous, list(TOTALS)).iloc[0]
    frames = [
        reports.overview(scope, list(TOTALS)), reports.overview(previous, list(TOTALS)),
        reports.campaign_table(scope, level="network", columns=list(TOTALS)),
        reports.campaign_table(scope, columns=for_setting(CAMPAIGN_COLUMNS, "estimate")),
        reports.campaign_table(previous, columns=for_setting(CAMPAIGN_COLUMNS, "estimate")),
        reports.campaign_table(scope, level="keyword", columns=list(KEYWORD_COLUMNS)),
        reports.overview(scope), reports.stages(scope),
    ]
    allowed = set()
    for frame in frames:
        for column in frame.columns:
            allowed |= {format_value(column, value) for value in frame[column]}
    networks, campaigns = frames[2], frames[3]
    for column in ("spend", "contacts"):
        allowed |= {f"{value / totals[column]:.1%}" for value in networks[column].dropna()}
    spending = campaigns[campaigns.spend > 0]
    for subset in (spending[spending.contacts == 0], spending[spending.contacts.isna()]):
        allowed |= {f"{len(subset)}", format_value("spend", subset.spend.sum()),
                    f"{subset.spend.sum() / totals['spend']:.1%}"}
    for metric in TOTALS:
        now, then = totals[metric], before[metric]
        if pd.notna(now) and pd.notna(then):
            allowed.add(f"{100 * (now - then):+.2f} pts")
            if then:
                allowed |= {f"{(now - then) / abs(then):+.1%}", f"{abs(now - then) / then:.1%}"}
    allowed |= {str(len(spending)), "5", "10.0%"}  # campaigns that spent, top 5, threshold
    if scope.roi_setting == "estimate":  # the ROI inputs, as settings state them
        allowed |= {f"{reports.average_sale_price:,.2f}",
                    f"{reports.contact_to_customer_rate:.2%}"}
    return allowed


def numbers_in(text: str) -> list[str]:
    text = DAY.sub(" ", text)
    return [n.lstrip("+") if not n.endswith("%") and not n.endswith("pts") else n
            for n in NUMBER.findall(text)]


def test_every_number_in_the_summary_comes_from_a_report_query(reports):
    for filters in (PERIOD, Filters(date_preset="last_7_days", attribution="linear"),
                    Filters(date_preset="last_30_days", roi_setting="estimate",
                            networks=("google", "linkedin"))):
        text = summarise(reports, filters)
        allowed = allowed_numbers(reports, filters)
        allowed |= {n.lstrip("+") for n in allowed}
        untraced = [n for n in numbers_in(text) if n not in allowed]
        assert not untraced, f"{filters}: {untraced}"


def test_the_summary_is_the_same_every_time(reports):
    assert summarise(reports, PERIOD) == summarise(reports, PERIOD)


def test_under_the_estimate_setting_tables_show_the_estimated_revenue_their_roi_uses(reports):
    text = summarise(reports, Filters(start="2026-06-12", end="2026-06-14",
                                      roi_setting="estimate"))
    assert "| customers | estimated revenue | ROI |" in text
    assert "| revenue | ROI |" not in text
    # Facebook: 2 contacts, 1 customer -> 1 x 0.1 x 1000 + 1 x 1000 = 1100 on 130 spend
    assert "| Facebook Ads | 37.4% | 130.00 |" in text
    assert "| 1,100.00 | 746.15% |" in text


def test_summary_command_writes_markdown(fixture_warehouse, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(WAREHOUSE_ENV, str(fixture_warehouse))
    path = tmp_path / "summary.md"
    assert main(["summary", "--today", "2026-06-15", "--start", "2026-06-12", "--end",
                 "2026-06-14", "-o", str(path)]) == 0
    assert "Wrote the summary" in capsys.readouterr().out
    assert "Spend was 348.00 USD" in path.read_text()


def test_a_period_before_the_first_loaded_day_is_called_partly_loaded(reports):
    # ad performance starts on 2026-05-20 (A3's row)
    assert "partly loaded" not in summarise(reports, PERIOD)
    previous = summarise(reports, Filters(start="2026-05-25", end="2026-06-14"))
    assert ("holds ad performance from 2026-05-20 on, so the previous period is only partly "
            "loaded") in previous
    this = summarise(reports, Filters(start="2026-05-01", end="2026-06-14"))
    assert "so this period is only partly loaded" in this


def test_a_range_with_no_previous_range_of_its_length_is_one_line(fixture_warehouse, capsys,
                                                                  monkeypatch):
    monkeypatch.setenv(WAREHOUSE_ENV, str(fixture_warehouse))
    assert main(["summary", "--today", "2026-06-15", "--start", "0001-01-01"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "invalid date range '0001-01-01..2026-06-14'; expected a range with a previous " \
           "range of the same length to compare with" in err
