"""The ROI inputs of the `estimate` ROI setting: an option, else `ads_analytics.toml` beside the
warehouse (or $ADS_ANALYTICS_SETTINGS), else the dbt vars (average sale price 1000, rate 0.1).
Last 7 days of conftest.py: 4 contacts, 1 customer (P1), 448 spent."""

import shutil

import pytest

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main
from reporting.reports import Filters, Reports
from reporting.settings import SETTINGS_ENV, SettingsError
from tests.reporting.conftest import TODAY

WEEK = Filters(date_preset="last_7_days", roi_setting="estimate")
SETTINGS = "[roi]\naverage_sale_price = 2000\ncontact_to_customer_rate = 0.5\n"


@pytest.fixture
def warehouse(fixture_warehouse, tmp_path, monkeypatch):
    """A copy of the hand-built warehouse in a folder of its own."""
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_warehouse, copy)
    monkeypatch.setenv(WAREHOUSE_ENV, str(copy))
    return copy


def estimated(warehouse, **options) -> float:
    with Reports.open(warehouse, today=TODAY, **options) as reports:
        return reports.overview(reports.scope(WEEK)).iloc[0]["estimated_revenue"]


def test_without_a_settings_file_the_dbt_vars_are_the_inputs(warehouse):
    # (4 - 1) x 0.1 x 1000 + 1 x 1000
    assert estimated(warehouse) == pytest.approx(1300)


def test_the_settings_file_beside_the_warehouse_sets_the_inputs(warehouse):
    (warehouse.parent / "ads_analytics.toml").write_text(SETTINGS)
    # (4 - 1) x 0.5 x 2000 + 1 x 2000
    assert estimated(warehouse) == pytest.approx(5000)
    with Reports.open(warehouse, today=TODAY) as reports:
        assert reports.roi_inputs.describe() == (
            "average sale price 2,000.00 (ads_analytics.toml), contact-to-customer rate "
            "50.00% (ads_analytics.toml)")


def test_an_option_overrides_the_file_one_input_at_a_time(warehouse):
    (warehouse.parent / "ads_analytics.toml").write_text(SETTINGS)
    # (4 - 1) x 0.5 x 1000 + 1 x 1000: the price from the option, the rate from the file
    assert estimated(warehouse, average_sale_price=1000) == pytest.approx(2500)


def test_the_environment_may_name_another_file(warehouse, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text("[roi]\ncontact_to_customer_rate = 0\n")
    monkeypatch.setenv(SETTINGS_ENV, str(elsewhere))
    assert estimated(warehouse) == pytest.approx(1000)  # customers only, the dbt price


@pytest.mark.parametrize("text, message", [
    ("[roi]\ncontact_to_customer_rate = 8\n", "contact_to_customer_rate must be a number from "
                                              "0 to 1 (0.08 is 8%), got 8"),
    ("[roi]\naverage_sale_price = -5\n", "average_sale_price must be a number of 0 or more"),
    ("[roi]\naverage_sale_price = \"1000\"\n", "average_sale_price must be a number"),
    ("[roi]\naverage_price = 1000\n", "unknown setting roi.average_price; the file takes [roi] "
                                      "average_sale_price and contact_to_customer_rate"),
    ("average_sale_price = 1000\n", "unknown setting average_sale_price"),
    ("[roi\n", "cannot read the settings file"),
])
def test_a_setting_that_cannot_be_used_is_named_with_its_file(warehouse, text, message):
    path = warehouse.parent / "ads_analytics.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")) as raised:
        estimated(warehouse)
    assert str(path) in str(raised.value)


def test_the_command_line_options_win_and_a_bad_one_is_one_line(warehouse, capsys):
    (warehouse.parent / "ads_analytics.toml").write_text(SETTINGS)
    args = ["--warehouse", str(warehouse), "report", "overview", "--today", "2026-06-15",
            "--range", "last_7_days", "--roi", "estimate", "--format", "json"]
    assert main([*args, "--average-sale-price", "1000", "--contact-to-customer-rate",
                 "0.1"]) == 0
    assert '"estimated_revenue":1300.0' in capsys.readouterr().out.replace(" ", "")
    assert main(args) == 0
    assert '"estimated_revenue":5000.0' in capsys.readouterr().out.replace(" ", "")
    assert main([*args, "--contact-to-customer-rate", "1.5"]) == 1
    err = capsys.readouterr().err
    assert err == ("ads-analytics: error: --contact-to-customer-rate: contact_to_customer_rate "
                   "must be a number from 0 to 1 (0.08 is 8%), got 1.5\n")


def test_the_summary_states_the_inputs_it_estimated_with(warehouse, capsys):
    (warehouse.parent / "ads_analytics.toml").write_text(SETTINGS)
    assert main(["--warehouse", str(warehouse), "summary", "--today", "2026-06-15", "--range",
                 "last_7_days", "--roi", "estimate", "--contact-to-customer-rate", "0.2"]) == 0
    assert ("ROI setting: `estimate` (average sale price 2,000.00 (ads\\_analytics.toml), "
            "contact-to-customer rate 20.00% (option))") in capsys.readouterr().out
