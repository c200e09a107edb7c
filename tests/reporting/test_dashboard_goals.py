"""The dashboard's Goals section on a hand-built warehouse of its own (a saved goal replaces the
published file): who may manage which goals, in process, and a goal created, changed and removed
in headless Chromium, each change measured at once (numbers of test_goals_cli.py: on
2026-06-15, half of June gone, Facebook had spent 254)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from core.layout import WarehouseLayout
from reporting.dashboard import serve, stop, url, wait_until_ready
from reporting.goals import Goal, goals_text, read_goals
from tests.reporting.conftest import TODAY, build_fixture_warehouse, signed_out_app
from tests.reporting.test_dashboard import (
    WAIT,
    browser,  # noqa: F401 (the fixture)
    click_text,
    free_port,
    main_text,
    sign_in,
    sign_in_with_browser,
)

# In the goals file: one goal of U1's, one of team T1's (U2 is in it), one of nobody's.
GOALS = [
    Goal("u1_leads", "U1's leads", "contacts_first_form_submission", 10,
         period_preset="this_month", campaigns=(("facebook", None),), owner=("user", "U1")),
    Goal("t1_spend", "T1's spend", "spend", 100, period_preset="this_month",
         campaigns=(("google", "C3"),), owner=("team", "T1")),
    Goal("everyone", "Everyone's contacts", "contacts_first_form_submission", 5,
         period_preset="this_month"),
]


@pytest.fixture
def warehouse(tmp_path):
    path = build_fixture_warehouse(tmp_path / "warehouse.duckdb")
    WarehouseLayout(path).goals.write_text(goals_text(GOALS))
    return path


@pytest.fixture
def signed_out(warehouse, users_file, monkeypatch):
    return signed_out_app(warehouse, users_file, monkeypatch)


def goals_page(signed_out, name: str):
    app = sign_in(signed_out, name)
    app.radio(key="section").set_value("Goals").run()
    assert not app.exception
    return app


def test_a_viewer_manages_only_their_own_goals_over_their_own_accounts(signed_out):
    app = goals_page(signed_out, "ulf")  # HubSpot user U1, who sees Facebook's F1 only
    assert app.selectbox(key="goal_owner").options == ["Any owner", "User U1 (u1@example.com)"]
    assert app.selectbox(key="goal_owner_new").options == ["User U1 (u1@example.com)"]
    assert app.multiselect(key="goal_campaigns_new").options == [
        "Every Facebook campaign", "Leads (facebook:C1)", "Awareness (facebook:C2)",
        "Old promo (facebook:C6)"]
    app.radio(key="goal_action").set_value("Change a goal").run()
    assert app.selectbox(key="goal_picked").options == ["U1's leads (u1_leads)"]


def test_a_team_member_manages_the_teams_goals_and_an_admin_every_goal(signed_out):
    app = goals_page(signed_out, "ana")  # an admin, HubSpot user U2 of team T1
    assert app.selectbox(key="goal_owner_new").options == [
        "Nobody", "User U1 (u1@example.com)", "User U2 (u2@example.com)",
        "Team T1 (Search team)"]
    app.radio(key="goal_action").set_value("Remove a goal").run()
    assert app.selectbox(key="goal_picked").options == [
        "U1's leads (u1_leads)", "T1's spend (t1_spend)", "Everyone's contacts (everyone)"]


@pytest.mark.parametrize("name, campaigns, message", [
    # every campaign is also G1's and L1's, which U1 may not see
    ("All of it", [], "you may give a goal only yourself or one of your teams as owner, over "
                      "campaigns of the ad accounts you may see"),
    ("", ["facebook:C1"], "invalid goal name ''; expected a name that is not blank"),
])
def test_a_goal_a_viewer_may_not_keep_is_refused_and_nothing_is_saved(
        signed_out, warehouse, name, campaigns, message):
    app = goals_page(signed_out, "ulf")
    app.text_input(key="goal_name_new").input(name)
    app.selectbox(key="goal_type_new").set_value("spend")
    app.number_input(key="goal_target_new").set_value(50)
    app.multiselect(key="goal_campaigns_new").set_value(campaigns)
    app.button(key="goal_save_new").click().run()
    assert [error.value for error in app.error] == [f"The goal was not saved: {message}"]
    assert read_goals(WarehouseLayout(warehouse).goals) == GOALS


# -- in the browser ---------------------------------------------------------------------------

SAVE_WAIT = 240  # seconds: the first save parses the dbt project for the copy it builds


@pytest.fixture
def dashboard(warehouse, users_file, tmp_path) -> Iterator[str]:
    port = free_port()
    with (tmp_path / "streamlit.log").open("w") as log:
        process = serve(warehouse, port, today=TODAY, users=users_file, stdout=log,
                        stderr=subprocess.STDOUT)
        try:
            wait_until_ready(process, port)
            yield url(port)
        finally:
            stop(process)


def wait_for_text(driver, text: str, seconds: float = WAIT, absent: bool = False) -> None:
    """Wait until a run is drawn whose main part reads `text` (or no longer does)."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.reporting.test_dashboard import drawn

    try:
        WebDriverWait(driver, seconds, poll_frequency=0.3,
                      ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: drawn(d) and (text in main_text(d)) != absent)
    except TimeoutException:
        alerts = [e.text for e in driver.find_elements(
            By.CSS_SELECTOR, '[data-testid="stAlert"], [data-testid="stException"]')]
        pytest.fail(f"the page never {'stopped reading' if absent else 'read'} {text!r}; "
                    f"alerts {alerts}")


def choose(driver, key: str, option: str) -> None:
    """Pick `option` in the selectbox or multiselect of `key` once drawn, and close its list.

    A redraw may replace the field after it was opened (the page that drew it is still
    leaving, as when another action is picked): its list closes with it, so the field is
    found and opened again until the option can be clicked, or this fails after WAIT."""
    from selenium.common.exceptions import (
        ElementNotInteractableException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.reporting.test_dashboard import drawn

    def picked(d) -> bool:
        if not drawn(d, f".st-key-{key} input"):
            return False
        field = d.find_element(By.CSS_SELECTOR, f".st-key-{key} input")
        if not d.find_elements(By.CSS_SELECTOR, '[role="option"]'):
            field.click()
        matches = [e for e in d.find_elements(By.CSS_SELECTOR, '[role="option"]')
                   if e.text == option]
        if not matches:
            return False
        matches[0].click()
        try:  # a multiselect's list stays open: close it (a redraw may have closed it)
            if d.find_elements(By.CSS_SELECTOR, '[role="option"]'):
                field.send_keys(Keys.ESCAPE)
        except (StaleElementReferenceException, ElementNotInteractableException):
            pass
        return True

    WebDriverWait(driver, WAIT, poll_frequency=0.3,
                  ignored_exceptions=(StaleElementReferenceException,
                                      ElementNotInteractableException)).until(
        picked, f"nothing reading {option!r} in the list of {key}")


def drawn_element(driver, css: str):
    """The element `css` once a finished run has drawn it, or fail after WAIT.

    Text alone does not say the page moved on: the form of the previous action may read the
    same ("Save goal"), so the field itself is waited for."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.reporting.test_dashboard import drawn

    WebDriverWait(driver, WAIT, poll_frequency=0.3,
                  ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: drawn(d, css), f"nothing drawn at {css}")
    return driver.find_element(By.CSS_SELECTOR, css)


def press(driver, css: str) -> None:
    """Click the button `css` once drawn, scrolled to the middle of the window first."""
    button = drawn_element(driver, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def type_into(driver, key: str, text: str) -> None:
    """Replace the text of the field of `key` once drawn."""
    from selenium.webdriver.common.keys import Keys

    field = drawn_element(driver, f".st-key-{key} input")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)


@pytest.mark.slow
def test_in_the_browser_a_viewer_creates_changes_and_removes_a_goal(
        dashboard, browser, warehouse):  # noqa: F811 (the fixture imported above)
    sign_in_with_browser(browser, dashboard, "ulf")
    wait_for_text(browser, "Spend over time")
    click_text(browser, ".st-key-section label", "Goals")
    wait_for_text(browser, "Manage goals")

    type_into(browser, "goal_name_new", "Facebook June spend")
    choose(browser, "goal_type_new", "Spend")
    type_into(browser, "goal_target_new", "500")
    choose(browser, "goal_campaigns_new", "Every Facebook campaign")
    press(browser, ".st-key-goal_save_new button")
    wait_for_text(browser, "Added goal Facebook June spend (facebook_june_spend).", SAVE_WAIT)
    # this month by default: 500 x 15/30 = 250 expected, 254 spent
    wait_for_text(browser, "Facebook June spend (spend, u1@example.com, 2026-06-01 – "
                           "2026-06-30): 254.00 of 500.00 (51%), on track")

    click_text(browser, ".st-key-goal_action label", "Change a goal")
    choose(browser, "goal_picked", "Facebook June spend (facebook_june_spend)")
    wait_for_text(browser, "Save goal")
    type_into(browser, "goal_target_facebook_june_spend", "200")
    press(browser, ".st-key-goal_save_facebook_june_spend button")
    wait_for_text(browser, "Changed goal Facebook June spend (facebook_june_spend).", SAVE_WAIT)
    # 200 x 15/30 = 100 expected: 254 is far over 110% of it
    wait_for_text(browser, "254.00 of 200.00 (127%), over pace")

    click_text(browser, ".st-key-goal_action label", "Remove a goal")
    choose(browser, "goal_picked", "Facebook June spend (facebook_june_spend)")
    press(browser, ".st-key-goal_remove button")
    wait_for_text(browser, "Removed goal Facebook June spend (facebook_june_spend).", SAVE_WAIT)
    wait_for_text(browser, "Facebook June spend (spend", absent=True)
    assert [goal.goal_id for goal in read_goals(WarehouseLayout(warehouse).goals)] == [
        goal.goal_id for goal in GOALS]
