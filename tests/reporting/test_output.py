"""Vendor text in report output is shown as text: never a spreadsheet formula, console markup,
a terminal escape, HTML or Markdown (names from tests/reporting/conftest.py)."""

import csv
import io
import re
import shutil

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main
from reporting.output import write
from reporting.reports import Filters, Reports
from reporting.summary import summarise
from tests.reporting.conftest import HOSTILE_ACCOUNTS, TODAY

WEEK = ["--today", "2026-06-15", "--range", "last_7_days"]


@pytest.fixture(autouse=True)
def _restore_environment(monkeypatch, hostile_warehouse):
    monkeypatch.setenv(WAREHOUSE_ENV, str(hostile_warehouse))


def csv_rows(hostile_warehouse, capsys, *args) -> list[dict[str, str]]:
    assert main(["--warehouse", str(hostile_warehouse), "report", "campaigns", *WEEK,
                 "--format", "csv", *args]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_csv_text_that_starts_a_formula_gets_an_apostrophe(hostile_warehouse, capsys):
    rows = {row["campaign_id"]: row for row in csv_rows(hostile_warehouse, capsys)}
    assert {campaign: row["campaign_name"] for campaign, row in rows.items()} == {
        "C1": "'=HYPERLINK(\"http://x\",\"y\")", "C2": "'+cmd a|b", "C3": "'@SUM(1)",
        "C4": "<script>alert(1)</script>", "C5": "[x](javascript:alert(1))"}
    rows = csv_rows(hostile_warehouse, capsys, "--level", "keyword")
    assert [row["keyword_text"] for row in rows] == ["'-2+3 `x` *y* _z_", "'\tattribution"]


def test_csv_numbers_stay_numbers_even_when_negative(hostile_warehouse, capsys):
    rows = {row["campaign_id"]: row for row in csv_rows(hostile_warehouse, capsys)}
    assert rows["C4"]["roi"] == "-1.0"  # 8 spent, nothing back
    frame = pd.DataFrame({"name": ["-5", "=1", None, "ok"], "spend": [-5.0, 1.0, None, 2.0],
                          "clicks": [-1, 0, 1, 2]})
    text = write(frame, "csv", None)
    assert text.splitlines() == ["name,spend,clicks", "'-5,-5.0,-1", "'=1,1.0,0", ",,1",
                                 "ok,2.0,2"]


def test_the_table_format_prints_names_as_they_are_without_markup_or_escapes(
        hostile_warehouse, capsys):
    assert main(["--warehouse", str(hostile_warehouse), "report", "campaigns", *WEEK,
                 "--level", "ad_account", "--columns", "spend"]) == 0
    out = capsys.readouterr().out
    assert "a|b" in out and "[link=http://x]click[/link]" in out
    assert "\x1b" not in out and "[31mred" in out
    assert main(["--warehouse", str(hostile_warehouse), "report", "campaigns", *WEEK,
                 "--columns", "spend"]) == 0
    assert "[x](javascript:alert(1))" in capsys.readouterr().out


def rendered(markdown: str) -> str:
    """HTML as a permissive renderer would make it: raw HTML allowed, GFM tables."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def assert_shown_as_text(html: str) -> None:
    assert not re.search(r"<(script|a|img)\b", html), html
    assert not re.search(r"<(em|code)>[xyz]</", html), html  # the keyword's `x` *y* _z_
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[x](javascript:alert(1))" in html


def table_rows(html: str) -> list[int]:
    """The number of cells in every row of every table."""
    return [len(re.findall(r"<t[dh]\b", row)) for row in re.findall(r"<tr>.*?</tr>", html,
                                                                      re.S)]


def test_the_summary_shows_vendor_names_as_text(hostile_warehouse):
    with Reports.open(hostile_warehouse, today=TODAY) as reports:
        markdown = summarise(reports, Filters(date_preset="last_7_days"))
    html = rendered(markdown)
    assert_shown_as_text(html)
    assert "+cmd a|b (Facebook Ads)" in html and "=HYPERLINK(" in html
    assert "-2+3 `x` *y* _z_" in html
    tables = re.findall(r"<table>.*?</table>", html, re.S)
    for table in tables:
        cells = table_rows(table)
        assert len(set(cells)) == 1, cells  # no name split a row into more cells


def test_published_reports_show_vendor_names_as_text(hostile_warehouse, tmp_path):
    from orchestration.assets.reports import materializations
    from reporting.publish import publish

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(hostile_warehouse, warehouse)
    by_key = {result.asset_key.to_user_string(): result.metadata
              for result in materializations(publish(warehouse))}
    assert_shown_as_text(rendered((tmp_path / "warehouse_reports" / "summary.md").read_text()))
    assert_shown_as_text(rendered(by_key["report_summary"]["summary"].value))
    preview = MarkdownIt("commonmark", {"html": True}).parse(
        by_key["report_campaigns"]["top_10_by_spend"].value)
    assert [token.type for token in preview] == ["fence"]


def test_markdown_text_escapes_what_markdown_and_html_would_read():
    from reporting.output import markdown_text

    assert markdown_text("a|b") == r"a\|b"
    assert markdown_text("<b>&") == "&lt;b&gt;&amp;"
    assert markdown_text("[x](y) *z* _w_ `v` ~u~ \\") == r"\[x\](y) \*z\* \_w\_ \`v\` \~u\~ \\"
    assert markdown_text("two\nlines\r\there") == "two lines  here"
    assert markdown_text(HOSTILE_ACCOUNTS["L1"]) == "[31mred".replace("[", r"\[")
    assert markdown_text("Search brand 2026") == "Search brand 2026"


def test_a_fence_is_longer_than_any_run_of_backticks_in_its_text():
    from reporting.output import fenced

    assert fenced("plain") == "```\nplain\n```"
    text = "a\n````\n<script>"
    assert fenced(text) == f"`````\n{text}\n`````"
    assert [t.type for t in MarkdownIt("commonmark", {"html": True}).parse(fenced(text))] == [
        "fence"]
