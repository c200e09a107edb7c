"""The dashboard over the hand-built warehouse of conftest.py (today 2026-06-15; its default
range, the last 30 days, is 2026-05-16..2026-06-14): the page logic through Streamlit's in-process
AppTest, and the real server in headless Chromium. Expected numbers are those of test_reports.py
(last 30 days: spend 460, contacts 4; with the A3 row of 05-20 in range, impressions 5,400 and
clicks 217)."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import WAREHOUSE_ENV
from reporting.dashboard import serve, stop, url, wait_until_ready
from reporting.dashboard.view import filters_from, label, tiles
from tests.reporting.conftest import TODAY, USERS, signed_out_app

LAST_30_DAYS = {"Impressions": "5,400", "Clicks": "217", "Contacts": "4", "Deals": "1",
                "Spend (USD)": "460.00", "ROI": "117.39%"}  # (1000 - 460) / 460
# and the deleted Facebook campaign C6: 500 impressions, 13 clicks, 24 spent, P9
WITH_DELETED = {"Impressions": "5,900", "Clicks": "230", "Contacts": "5", "Deals": "1",
                "Spend (USD)": "484.00", "ROI": "106.61%"}  # (1000 - 484) / 484
# C3 (120 + 12 on 05-20) and C4 (8); P2 is the one contact; D1 is P1's, on facebook
# and G1's euros at 1.25 dollars
GOOGLE_LAST_30_DAYS = {"Impressions": "1,100", "Clicks": "94", "Contacts": "1", "Deals": "0",
                       "Spend (USD)": "140.00",
                       "Amount spent (EUR)": "112.00",
                       "ROI": "-100.00%"}
GOOGLE_LAST_7_DAYS = {**GOOGLE_LAST_30_DAYS, "Impressions": "1,000", "Clicks": "84",
                      "Spend (USD)": "128.00",
                      "Amount spent (EUR)": "102.40"}


# F1 only (C1, C2): A1a, A1b and A2's rows; P1 and P5 converted on C1; D1 is P1's
U1_LAST_30_DAYS = {"Impressions": "4,000", "Clicks": "120", "Contacts": "2", "Deals": "1",
                   "Spend (USD)": "230.00", "ROI": "334.78%"}  # (1000 - 230) / 230

# -- what the page shows, in process ----------------------------------------------------------

@pytest.fixture
def signed_out(fixture_warehouse, users_file, monkeypatch):
    return signed_out_app(fixture_warehouse, users_file, monkeypatch)


def sign_in(app, name: str, password: str | None = None):
    app.run()
    app.text_input(key="sign_in_name").input(name)
    app.text_input(key="sign_in_password").input(password or USERS[name][2])
    app.button(key="sign_in_submit").click().run()
    return app


@pytest.fixture
def page(signed_out):
    """The page as the admin sees it."""
    return sign_in(signed_out, "ana")


def tiles_of(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def rows_of(app, column: str) -> list[str]:
    return list(app.dataframe[0].value[column])


def test_default_page_shows_the_last_30_days_overview_in_the_company_currency(page):
    page.run()
    assert not page.exception and not page.error
    assert tiles_of(page) == LAST_30_DAYS
    assert "2026-05-16 – 2026-06-14 (America/New_York)" in page.caption[0].value
    assert rows_of(page, "campaign_id") == ["C1", "C2", "C3", "C4", "C5"]


def test_choosing_a_campaign_narrows_the_ad_group_and_ad_tables_to_it(page):
    page.run()
    page.selectbox(key="level").set_value("ad_group").run()
    page.selectbox(key="campaign").set_value("C1").run()
    assert rows_of(page, "ad_group_id") == ["AG1"]
    page.selectbox(key="level").set_value("ad").run()
    page.selectbox(key="campaign").set_value("C1").run()
    assert page.selectbox(key="ad_group").options == ["All ad groups", "Group AG1 (AG1)"]
    assert rows_of(page, "ad_id") == ["A1a", "A1b"]
    page.selectbox(key="ad_group").set_value("AG1").run()
    assert rows_of(page, "ad_id") == ["A1a", "A1b"]
    # C1 has no Google keywords: the keyword level starts again from every campaign
    page.selectbox(key="level").set_value("keyword").run()
    assert not page.exception
    assert page.selectbox(key="campaign").value is None
    assert rows_of(page, "keyword_id") == ["K3", "K4"]


def column_labels(app, index: int = 0) -> dict[str, str]:
    import json

    return {name: config.get("label") for name, config in json.loads(
        app.dataframe[index].proto.columns).items()}


def test_deleted_facebook_campaigns_show_when_ticked_or_chosen_by_status(page):
    page.run()
    assert "deleted Facebook campaigns hidden, as in HubSpot" in page.caption[0].value
    page.checkbox(key="include_deleted").check().run()
    assert tiles_of(page) == WITH_DELETED
    assert rows_of(page, "campaign_id") == ["C1", "C2", "C6", "C3", "C4", "C5"]  # by key
    assert "hidden" not in page.caption[0].value
    page.checkbox(key="include_deleted").uncheck().run()
    assert tiles_of(page) == LAST_30_DAYS
    page.button_group(key="statuses").set_value(["deleted"]).run()
    assert rows_of(page, "campaign_id") == ["C6", "C4"]  # Facebook's and Google's


def test_the_campaign_table_shows_hubspots_cpc_under_its_name(page):
    page.run()
    labels = column_labels(page)
    assert (labels["cost_per_session"], labels["cpc"]) == ("CPC", "CPC (network)")
    columns = list(page.dataframe[0].value.columns)
    assert columns.index("cost_per_session") + 1 == columns.index("cpc")
    # C1: 200 spent in the last 30 days for 35 sessions
    assert page.dataframe[0].value.set_index("campaign_id").cost_per_session["C1"] == \
        pytest.approx(200 / 35)


def test_drilling_into_one_accounts_campaign_shows_its_currency_too(page):
    page.run()
    page.selectbox(key="campaign").set_value("C3").run()
    rows = page.dataframe[0].value
    assert list(rows.campaign_id) == ["C3"]
    assert rows.spend_account_currency[0] == pytest.approx(105.6)  # 132 dollars
    assert column_labels(page)["spend_account_currency"] == "Amount spent (EUR)"


def test_analyze_splits_the_series_by_network_and_lists_every_stage(page):
    page.run()
    page.radio(key="section").set_value("Analyze").run()
    assert not page.exception and not page.error
    stages = next(frame.value for frame in page.dataframe
                  if "lifecycle_stage" in frame.value.columns)
    # last 30 days, last ad interaction: P2 and P5 leads, P4 an MQL, P1 a customer
    assert list(stages.contacts) == [0, 2, 1, 0, 0, 1, 0, 0]
    assert list(stages.cost_per_contact_in_stage.round(2).fillna(-1)) == [
        -1, 230, 460, -1, -1, 460, -1, -1]
    assert [m.value for m in page.markdown if "CPC" in m.value] == [
        "**Campaigns with high CPC (network)**", "**Campaigns with low CPC (network)**"]
    assert page.toggle(key="by_network").value  # HubSpot's Analyze charts split by network


def test_the_estimate_says_which_inputs_it_used(page):
    page.run()
    page.radio(key="roi_setting").set_value("estimate").run()
    assert any("average sale price 1,000.00" in caption.value
               for caption in page.sidebar.caption)


def test_estimate_roi_setting_shows_customers_instead_of_deals(page):
    page.run()
    page.radio(key="roi_setting").set_value("estimate").run()
    tiles = tiles_of(page)
    assert "Deals" not in tiles and tiles["Customers"] == "1"  # P1
    assert "ROI from estimate" in page.caption[0].value


def test_a_start_after_the_end_shows_the_invalid_filter_message_not_a_traceback(page):
    page.run()
    page.selectbox(key="date_preset").set_value("custom").run()
    page.date_input(key="start").set_value(dt.date(2026, 6, 14))
    page.date_input(key="end").set_value(dt.date(2026, 6, 1)).run()
    assert not page.exception
    assert [e.value for e in page.error] == [
        "These filters cannot be shown: invalid date range '2026-06-14..2026-06-01'; "
        "expected a start on or before the end"]
    assert not page.metric


def test_a_missing_warehouse_says_to_run_the_pipeline_first(page, tmp_path, monkeypatch):
    monkeypatch.setenv(WAREHOUSE_ENV, str(tmp_path / "none.duckdb"))
    page.run()
    assert not page.exception
    assert "run `ads-analytics run` (or demo) first" in page.error[0].value


def test_a_warehouse_another_process_holds_for_writing_names_it(page, tmp_path, monkeypatch):
    locked = tmp_path / "locked.duckdb"
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"con = duckdb.connect({str(locked)!r}); print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        monkeypatch.setenv(WAREHOUSE_ENV, str(locked))
        page.run()
    finally:
        stop(writer)
    assert not page.exception
    assert (f"cannot open {locked} read-only: " in page.error[0].value
            and f"(PID {writer.pid}) holds it open for writing; runs never do, so close that "
                "process" in page.error[0].value)


def test_nothing_shows_before_a_viewer_signs_in(signed_out):
    signed_out.run()
    assert not signed_out.exception
    assert not signed_out.metric and not signed_out.sidebar.selectbox
    assert [t.label for t in signed_out.text_input] == ["User", "Password"]
    from streamlit.proto.TextInput_pb2 import TextInput

    assert signed_out.text_input(key="sign_in_password").proto.type == TextInput.PASSWORD


@pytest.mark.parametrize("name, password", [("ana", "ulf's long password"),
                                            ("nobody", "ana's long password")])
def test_a_wrong_password_and_an_unknown_user_are_refused_alike(signed_out, name, password):
    sign_in(signed_out, name, password)
    assert [e.value for e in signed_out.error] == ["Unknown user or wrong password."]
    assert not signed_out.metric


def test_a_viewer_sees_only_their_accounts_and_cannot_choose_another_user(signed_out):
    page = sign_in(signed_out, "ulf")
    assert not page.exception and not page.error
    assert tiles_of(page) == U1_LAST_30_DAYS
    assert rows_of(page, "campaign_id") == ["C1", "C2"]
    assert "Signed in as ulf (HubSpot user U1)" in page.sidebar.caption[0].value
    assert "principal" not in [box.key for box in page.sidebar.selectbox]
    assert page.multiselect(key="accounts").options == ["Facebook US (facebook:F1)"]
    page.selectbox(key="level").set_value("keyword").run()
    assert page.dataframe[0].value.empty  # G1's keywords are not theirs
    page.radio(key="section").set_value("Goals").run()
    assert not page.exception  # the goals over every account are not theirs either
    assert "facebook_leads_june" in list(page.dataframe[0].value["goal_id"])
    assert "all_spend_june" not in list(page.dataframe[0].value["goal_id"])


def test_an_admin_sees_every_account_and_may_choose_any_users_view(page):
    assert tiles_of(page) == LAST_30_DAYS
    assert "Signed in as ana (HubSpot user U2, admin)" in page.sidebar.caption[0].value
    assert page.selectbox(key="principal").options == [
        "Everyone (all accounts)", "user U1", "user U2", "team T1"]
    page.selectbox(key="principal").set_value("user:U1").run()
    assert tiles_of(page) == U1_LAST_30_DAYS


def test_signing_out_shows_the_sign_in_form_again(page):
    page.button(key="sign_out").click().run()
    assert not page.metric and [t.label for t in page.text_input] == ["User", "Password"]


def test_a_viewer_removed_from_the_users_file_is_signed_out(signed_out, tmp_path,
                                                            monkeypatch, users_file):
    from reporting.dashboard.users import USERS_ENV

    own = tmp_path / "dashboard_users.toml"
    own.write_text(users_file.read_text())
    monkeypatch.setenv(USERS_ENV, str(own))
    page = sign_in(signed_out, "ulf")
    assert tiles_of(page) == U1_LAST_30_DAYS
    own.write_text(users_file.read_text().split("[users.\"ulf\"]")[0])
    page.run()
    assert not page.metric and [t.label for t in page.text_input] == ["User", "Password"]


def test_without_users_the_page_shows_nothing(signed_out, tmp_path, monkeypatch):
    from reporting.dashboard.users import USERS_ENV

    monkeypatch.setenv(USERS_ENV, str(tmp_path / "none.toml"))
    signed_out.run()
    assert not signed_out.metric and not signed_out.text_input
    assert "No dashboard users" in signed_out.error[0].value


def test_without_sign_in_every_account_shows_when_asked_for(signed_out, monkeypatch):
    from reporting.dashboard import NO_AUTH_ENV

    monkeypatch.setenv(NO_AUTH_ENV, "1")
    signed_out.run()
    assert tiles_of(signed_out) == LAST_30_DAYS
    assert "No sign-in (--no-auth)" in signed_out.sidebar.caption[0].value


def test_a_non_admin_always_gets_their_own_users_filters():
    from reporting.dashboard.view import Viewer, filters_for
    from reporting.reports import Filters

    asked = Filters(user="U2", team="T1", accounts=("google:G1",), networks=("google",))
    ulf = filters_for(Viewer("ulf", "U1", admin=False), asked)
    assert (ulf.user, ulf.team, ulf.accounts, ulf.networks) == (
        "U1", None, ("google:G1",), ("google",))  # the accounts within U1's: none
    assert filters_for(Viewer("ana", "U2", admin=True), asked) == asked


def test_labels_read_like_a_report():
    assert [label(n) for n in ("last_7_days", "high_cpc_campaigns", "linkedin", "roi")] == [
        "Last 7 days", "High CPC campaigns", "LinkedIn", "ROI"]


def test_tiles_show_fractional_credits_and_no_roi_without_spend():
    import pandas as pd

    frame = pd.DataFrame([{"impressions": 0, "clicks": 0, "contacts": 3.75, "deals": 0.75,
                           "spend": 0.0, "revenue": 750.0, "roi": float("nan")}])
    frame.attrs["currency"] = "EUR"
    assert tiles(frame) == [("Impressions", "0"), ("Clicks", "0"), ("Contacts", "3.75"),
                            ("Deals", "0.75"), ("Spend (EUR)", "0.00"), ("ROI", "–")]


def test_sidebar_values_become_report_filters():
    custom = filters_from(preset="custom", start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 7),
                          principal="team:T1", networks=["google"])
    assert (custom.date_preset, custom.start, custom.end) == (
        None, dt.date(2026, 6, 1), dt.date(2026, 6, 7))
    assert (custom.user, custom.team, custom.networks) == (None, "T1", ("google",))
    preset = filters_from(preset="last_7_days", start=dt.date(2026, 6, 1), principal="user:U1")
    assert (preset.date_preset, preset.start, preset.user) == ("last_7_days", None, "U1")


# -- the real server in headless Chromium -----------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Without the background-networking flags Chromium's own connections are refused by a closed
# network and slow every page down.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--window-size=1600,1200")
WAIT = 40  # seconds: the first page load parses Streamlit's bundle on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dashboard(fixture_warehouse, users_file, tmp_path) -> Iterator[str]:
    port = free_port()
    with (tmp_path / "streamlit.log").open("w") as log:
        process = serve(fixture_warehouse, port, today=TODAY, users=users_file, stdout=log,
                        stderr=subprocess.STDOUT)
        try:
            wait_until_ready(process, port)
            yield url(port)
        finally:
            stop(process)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"{' and '.join(missing)} missing: `make test` installs them (or run "
                    "`apt-get install chromium chromium-driver`)", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def shown_tiles(driver) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    return {tile.find_element(By.CSS_SELECTOR, '[data-testid="stMetricLabel"]').text:
            tile.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text
            for tile in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]')}


def drawn(driver, *css: str) -> bool:
    """The script run is over and its output drawn: nothing left stale, and `css` present."""
    from selenium.webdriver.common.by import By

    app = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stApp"]')
    return (bool(app) and app[0].get_attribute("data-test-script-state") == "notRunning"
            and not driver.find_elements(By.CSS_SELECTOR, '[data-stale="true"]')
            and all(driver.find_elements(By.CSS_SELECTOR, selector) for selector in css))


def wait_for_tiles(driver, expected: dict[str, str], *css: str) -> None:
    """Streamlit draws over a websocket and redraws after every change: wait until a run has
    finished with the tiles reading `expected` (and `css` drawn), or fail showing what they
    read and any error on the page."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, WAIT, poll_frequency=0.2,
                      ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: drawn(d, *css) and shown_tiles(d) == expected)
    except TimeoutException:
        alerts = [e.text for e in driver.find_elements(
            By.CSS_SELECTOR, '[data-testid="stAlert"], [data-testid="stException"]')]
        pytest.fail(f"tiles never read {expected}: last {shown_tiles(driver)}; alerts {alerts}")


def open_sign_in_form(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, WAIT, poll_frequency=0.2).until(
        lambda d: drawn(d, ".st-key-sign_in_name input"))


def sign_in_with_browser(driver, url: str, name: str) -> None:
    """Open the page and sign in through its form as `name`."""
    from selenium.webdriver.common.by import By

    open_sign_in_form(driver, url)
    driver.find_element(By.CSS_SELECTOR, ".st-key-sign_in_name input").send_keys(name)
    driver.find_element(By.CSS_SELECTOR, ".st-key-sign_in_password input").send_keys(
        USERS[name][2])
    driver.find_element(By.CSS_SELECTOR, ".st-key-sign_in_submit button").click()


def click_text(driver, css: str, text: str) -> None:
    """Click the first `css` element reading `text`; a redraw may replace it between finding
    and clicking (stale), so find it again until a click lands, or fail after WAIT."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def clicked(d) -> bool:
        matches = [e for e in d.find_elements(By.CSS_SELECTOR, css) if e.text == text]
        if matches:
            matches[0].click()
        return bool(matches)

    WebDriverWait(driver, WAIT, poll_frequency=0.2,
                  ignored_exceptions=(StaleElementReferenceException,)).until(
        clicked, f"nothing reading {text!r} in {css}")


def assert_is_a_drawn_page(png: Path, tiles: list[tuple[int, int, int, int]]) -> None:
    """Not blank: the page has the window's size and many colours (text, chart, table), and
    every tile has dark text pixels on its light background."""
    import numpy as np
    from PIL import Image

    image = Image.open(png).convert("RGB")
    assert image.width >= 1200 and image.height >= 800, image.size
    assert len(image.getcolors(maxcolors=1 << 20)) > 200
    for box in tiles:
        pixels = np.asarray(image.crop(box), dtype=int).sum(axis=2)
        assert (pixels > 700).mean() > 0.5, box  # mostly background
        assert (pixels < 300).sum() > 50, box  # and a label and a number on it


def test_the_browser_shows_the_overview_and_redraws_it_when_a_filter_changes(
        dashboard, browser, tmp_path):
    from selenium.webdriver.common.by import By

    sign_in_with_browser(browser, dashboard, "ana")
    wait_for_tiles(browser, LAST_30_DAYS, '[data-testid="stVegaLiteChart"] svg',
                   '[data-testid="stDataFrame"] canvas')
    main = browser.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text
    # the chart's title and the campaign table's caption (its cells are drawn on a canvas)
    assert "Spend over time (USD)" in main and "\n5 rows · 2026-05-16 – 2026-06-14" in main
    screenshot = tmp_path / "dashboard.png"
    assert browser.save_screenshot(str(screenshot))
    boxes = [(r["x"], r["y"], r["x"] + r["width"], r["y"] + r["height"]) for r in (
        e.rect for e in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]'))]
    assert_is_a_drawn_page(screenshot, [tuple(map(int, box)) for box in boxes])

    click_text(browser, ".st-key-networks button", "Google")
    wait_for_tiles(browser, GOOGLE_LAST_30_DAYS)

    browser.find_element(By.CSS_SELECTOR, '.st-key-date_preset button[aria-label="Open"]').click()
    click_text(browser, '[role="option"]', "Last 7 days")
    wait_for_tiles(browser, GOOGLE_LAST_7_DAYS)


def test_in_the_browser_a_viewer_sees_only_their_accounts_and_no_other_users(dashboard,
                                                                            browser):
    from selenium.webdriver.common.by import By

    open_sign_in_form(browser, dashboard)
    assert not shown_tiles(browser)  # nothing before signing in
    assert "Filters" not in browser.find_element(By.CSS_SELECTOR, '[data-testid="stApp"]').text
    sign_in_with_browser(browser, dashboard, "ulf")
    wait_for_tiles(browser, U1_LAST_30_DAYS, '[data-testid="stDataFrame"] canvas')
    sidebar = browser.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text
    assert "Signed in as ulf (HubSpot user U1)" in sidebar
    assert "User or team" not in sidebar and not browser.find_elements(
        By.CSS_SELECTOR, ".st-key-principal")
    main = browser.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text
    assert "\n2 rows · 2026-05-16 – 2026-06-14" in main
    browser.find_element(By.CSS_SELECTOR, ".st-key-accounts input").click()
    options = [option.text for option in browser.find_elements(By.CSS_SELECTOR,
                                                                '[role="option"]')]
    assert options == ["Facebook US (facebook:F1)"]


def main_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text


def test_in_the_browser_deleted_campaigns_stages_and_series_by_network_show(dashboard,
                                                                           browser):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in_with_browser(browser, dashboard, "ana")
    wait_for_tiles(browser, LAST_30_DAYS, '[data-testid="stDataFrame"] canvas')
    assert "deleted Facebook campaigns hidden, as in HubSpot" in main_text(browser)
    click_text(browser, ".st-key-include_deleted label", "Include deleted Facebook campaigns")
    wait_for_tiles(browser, WITH_DELETED, '[data-testid="stDataFrame"] canvas')
    assert "\n6 rows · 2026-05-16 – 2026-06-14" in main_text(browser)

    click_text(browser, ".st-key-section label", "Analyze")
    WebDriverWait(browser, WAIT, poll_frequency=0.2,
                  ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: drawn(d, '[data-testid="stVegaLiteChart"] svg')
        and "Contacts by lifecycle stage" in main_text(d))
    text = main_text(browser)
    for title in ("Campaigns with high CPC (network)", "Campaigns with low cost per contact",
                  "Contacts by lifecycle stage"):
        assert title in text
    # every over-time chart has a legend titled network, of the three networks
    charts = [chart.text.splitlines() for chart in browser.find_elements(
        By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')]
    split = [lines for lines in charts
             if lines[-4:] == ["facebook", "google", "linkedin", "network"]]
    assert len(split) == 5, charts  # spend, impressions, clicks, contacts, customers
