"""The simulated advertiser is deterministic, internally consistent, and its server obeys faults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest
import requests

from simulator.protocol import FaultRule, Faults
from simulator.server import SimulatorServer
from simulator.truth import contacts_per_ad, spend_by_account_day
from simulator.world import RESTATEMENT_DAYS, SIZES, World, with_history
from tests.conftest import END_DATE, SEED
from tests.simulator.simulator_http import accounts, google_search


def test_same_seed_gives_the_same_world(world_s):
    again = World.generate("S", SEED, END_DATE)
    pd.testing.assert_frame_equal(again.base_ad_daily, world_s.base_ad_daily)
    pd.testing.assert_frame_equal(again.sessions, world_s.sessions)


def test_other_seed_gives_another_world(world_s):
    other = World.generate("S", SEED + 1, END_DATE)
    assert other.base_ad_daily["spend_cents"].sum() != world_s.base_ad_daily["spend_cents"].sum()


def test_accounts_differ_in_currency_and_time_zone(world_s):
    assert world_s.accounts["currency"].nunique() >= 3
    assert world_s.accounts["time_zone"].nunique() >= 3


def test_daily_rows_stay_inside_the_history(world_s):
    days = pd.to_datetime(world_s.base_ad_daily["date"]).dt.date
    assert days.min() >= world_s.start_date and days.max() == END_DATE
    assert not world_s.base_ad_daily.duplicated(["ad_id", "date"]).any()


def test_restatement_changes_only_the_recent_days():
    world = World.generate("S", SEED, END_DATE)
    before = world.ad_daily().copy()
    world.restate()
    after = world.ad_daily()
    changed = after["spend_cents"].to_numpy() != before["spend_cents"].to_numpy()
    cutoff = (END_DATE - dt.timedelta(days=RESTATEMENT_DAYS - 1)).isoformat()
    assert changed.any()
    assert (after.loc[changed, "date"] >= cutoff).all()


def test_keywords_add_up_to_their_ad_groups(world_s):
    kw = world_s.keyword_daily().groupby(["ad_group_id", "date"])[["clicks", "spend_cents"]].sum()
    ads = world_s.ad_daily()
    ads = ads[ads["ad_group_id"].isin(world_s.keywords["ad_group_id"])]
    ads = ads.groupby(["ad_group_id", "date"])[["clicks", "spend_cents"]].sum()
    joined = ads.join(kw, rsuffix="_kw", how="left").fillna(0)
    assert (joined["spend_cents"] == joined["spend_cents_kw"]).all()
    assert (joined["clicks"] == joined["clicks_kw"]).all()


def test_ad_sessions_never_exceed_clicks(world_s):
    sessions = world_s.sessions.dropna(subset=["ad_id"]).groupby(["ad_id", "date"]).size()
    clicks = world_s.ad_daily().set_index(["ad_id", "date"])["clicks"]
    assert (sessions <= clicks.reindex(sessions.index)).all()


def test_untracked_campaigns_bring_no_tracked_sessions(world_s):
    untracked = set(world_s.ads.loc[~world_s.ads["is_tracked"], "ad_id"])
    assert not world_s.sessions["ad_id"].isin(untracked).any()
    tracked = world_s.sessions.dropna(subset=["ad_id"])
    assert tracked["landing_url"].str.contains("hsa_ver=3").all()


def test_every_contact_has_one_first_form_submission_unless_a_lead_created_it(world_s):
    """Each contact has one first web form, except some a lead created (they never submit a
    web form); a contact neither old nor created by a lead was created by that first form."""
    forms = world_s.form_submissions
    firsts = forms[forms["is_first"]]
    assert not firsts["contact_id"].duplicated().any()
    contacts = world_s.contacts.set_index("contact_id")
    leads = world_s.leads
    created_by_lead = set(leads.loc[leads["is_first"], "contact_id"])
    without_form = set(contacts.index) - set(firsts["contact_id"])
    assert without_form and without_form < created_by_lead
    old = set(contacts.index[contacts["analytics_source"] == "OFFLINE"])
    web = sorted(set(contacts.index) - created_by_lead - old)
    assert len(web) > 200
    assert (firsts.set_index("contact_id")["submitted_at"].reindex(web)
            == contacts["createdate"].reindex(web)).all()


def test_exchange_rates_start_before_the_first_day(world_s):
    first = world_s.exchange_rates.groupby("from_currency")["effective_at"].min()
    assert (first <= world_s.start_date).all()
    assert set(first.index) == set(world_s.accounts["currency"]) - {"USD"} | {"EUR", "GBP", "SEK"}


def test_truth_totals_equal_the_daily_metrics(world_s):
    truth = spend_by_account_day(world_s)
    assert truth["spend_cents"].sum() == world_s.ad_daily()["spend_cents"].sum()
    assert str(truth["spend"].iloc[0]) == f"{truth['spend_cents'].iloc[0] / 100:.2f}"


def test_first_form_submission_truth_counts_only_new_contacts_from_ads(world_s):
    """Contacts a web form created on an ad session, plus contacts a lead created."""
    truth = contacts_per_ad(world_s, "first_form_submission")
    firsts = world_s.form_submissions[world_s.form_submissions["is_first"]]
    created = world_s.contacts.set_index("contact_id")["createdate"]
    leads = world_s.leads
    by_web_form = firsts[(firsts["submitted_at"].to_numpy()
                          == created.reindex(firsts["contact_id"]).to_numpy())
                         & ~firsts["contact_id"].isin(leads.loc[leads["is_first"], "contact_id"])]
    from_ads = by_web_form.merge(world_s.sessions, on="session_id")["ad_id"].notna().sum()
    assert truth["contacts"].sum() == from_ads + leads["is_first"].sum()


def test_fault_rule_is_spent_after_its_times():
    faults = Faults()
    faults.add(kind="server_error", api="hubspot", match="contacts", times=2)
    assert faults.take("hubspot", "/crm/v3/objects/contacts", ("server_error",)) is not None
    assert faults.take("facebook_ads", "/crm/v3/objects/contacts", ("server_error",)) is None
    assert faults.take("hubspot", "/crm/v3/objects/deals", ("server_error",)) is None
    assert faults.take("hubspot", "/crm/v3/objects/contacts", ("server_error",)) is not None
    assert faults.take("hubspot", "/crm/v3/objects/contacts", ("server_error",)) is None


def test_unknown_fault_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultRule(kind="meteor")


def test_control_endpoints(fresh_simulator):
    base = fresh_simulator.base_url
    health = requests.get(f"{base}/_simulator/health", timeout=5).json()
    assert health["end_date"] == END_DATE.isoformat() and health["restatement_version"] == 0
    assert requests.post(f"{base}/_simulator/restate", timeout=5).json() == {
        "restatement_version": 1}
    added = requests.post(f"{base}/_simulator/faults", json=[{"kind": "slow", "delay": 0.1}],
                          timeout=5)
    assert added.status_code == 200
    bad = requests.post(f"{base}/_simulator/faults", json={"kind": "nope"}, timeout=5)
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
    assert requests.get(f"{base}/nowhere", timeout=5).status_code == 404


def test_sizes_scale_the_world():
    m = World.generate("M", SEED, END_DATE)
    assert len(m.base_ad_daily) > 100_000
    assert len(m.contacts) == 20_000 and len(m.sessions) == 120_000
    assert np.isin(["facebook", "google", "linkedin"], m.accounts["network"]).all()


def test_google_rows_rendered_as_text_equal_the_assembled_records():
    from simulator.jsonrows import records, rows_json

    columns = [(("campaign", "resourceName"), ["customers/1/campaigns/2", 'say "hi"\\\n']),
               (("campaign", "id"), ["2", "3"]), (("metrics", "clicks"), ["5", "6"]),
               (("metrics", "searchTopImpressionShare"), [0.1, 1e-7]),
               (("campaign", "trackingUrlTemplate"), ["{lpurl}?a=1,2", "100%"]),
               (("adGroupCriterion", "negative"), [True, False]),
               (("metrics", "ctr"), [2, 0.25]),
               (("ad", "finalUrls"), [["https://a.example/?x=\"1\""], []])]
    rendered = orjson.loads(b"[" + rows_json(columns) + b"]")
    assert rendered == records(columns)
    assert rendered[0]["campaign"]["resourceName"] == "customers/1/campaigns/2"
    assert rendered[1]["campaign"]["resourceName"] == 'say "hi"\\\n'
    assert rendered[1]["metrics"] == {"clicks": "6", "searchTopImpressionShare": 1e-7,
                                      "ctr": 0.25}
    assert isinstance(rendered[0]["metrics"]["ctr"], float)  # a double stays a JSON double
    assert rendered[0]["adGroupCriterion"] == {"negative": True}
    assert rendered[0]["ad"] == {"finalUrls": ['https://a.example/?x="1"']}
    # A missing value leaves its key out: that page is assembled record by record instead.
    assert rows_json([(("campaign", "id"), ["2", None])]) is None
    assert records([(("campaign", "id"), ["2", None]), (("campaign", "name"), ["a", "b"]),
                    (("metrics", "clicks"), [None, "1"])]) == [
        {"campaign": {"id": "2", "name": "a"}},
        {"campaign": {"name": "b"}, "metrics": {"clicks": "1"}}]


def test_a_shorter_history_keeps_the_accounts_and_the_daily_rate():
    size = with_history(SIZES["S"], 15)
    assert (size.days, size.accounts) == (15, SIZES["S"].accounts)
    assert (size.contacts, size.sessions) == (round(250 / 3), 300)
    world = World.generate(size, seed=7, end_date=dt.date(2026, 6, 30))
    assert world.start_date == dt.date(2026, 6, 16)
    days = pd.to_datetime(world.base_ad_daily["date"]).dt.date
    assert days.min() >= dt.date(2026, 6, 16) and days.max() == dt.date(2026, 6, 30)
    assert len(world.sessions) == 300
    with pytest.raises(ValueError, match="days must be at least 1"):
        with_history(SIZES["S"], 0)


def test_replay_sends_kept_answers_until_forgotten_or_restated(fresh_simulator):
    server = fresh_simulator
    base = server.base_url
    facebook = next(api for api in server.apis if api.name == "facebook_ads")
    calls = []
    handle = facebook.handle
    facebook.handle = lambda request: calls.append(request.path) or handle(request)
    account = fresh_simulator.world.accounts.query("network == 'facebook'")["account_id"].iloc[0]
    url = f"{base}/v21.0/act_{account}"
    params = {"access_token": server.tokens["facebook_ads"], "fields": "id,currency"}

    def get() -> bytes:
        response = requests.get(url, params=params, timeout=10)
        assert response.status_code == 200
        return response.content

    first = get()
    assert calls == [f"/v21.0/act_{account}"]  # replay is off: every request is rendered
    assert requests.post(f"{base}/_simulator/replay", json={"enabled": True},
                         timeout=5).json() == {"replay": True}
    kept = get()
    assert get() == kept == first and len(calls) == 2  # rendered once, then sent as kept
    # The token is still checked on a kept answer.
    denied = requests.get(url, params={**params, "access_token": "nope"}, timeout=10)
    assert denied.status_code == 400 and len(calls) == 2
    # A new field changes the request's identity; forgetting or restating renders again.
    server.faults.add(kind="new_field", api="facebook_ads", times=None)
    assert b"is_prepay_account" in get() and len(calls) == 3
    server.faults.clear()
    requests.delete(f"{base}/_simulator/replay", timeout=5)
    get()
    requests.post(f"{base}/_simulator/restate", timeout=5)
    get()
    get()
    assert len(calls) == 5


@pytest.mark.parametrize("resource", ["ad_group_ad", "keyword_view"])
def test_google_serves_a_one_day_range_with_or_without_rows(simulator, resource):
    world = simulator.world
    day = dt.timedelta(days=1)
    for customer in accounts(world, "google"):
        # The last day has rows; the day before the history has none (an empty page).
        for date, rows in ((world.end_date, True), (world.start_date - day, False)):
            query = (f"SELECT ad_group.id, segments.date, metrics.cost_micros FROM {resource} "
                     f"WHERE segments.date BETWEEN '{date}' AND '{date}'")
            found = google_search(simulator, customer, query)
            dates = {r["segments"]["date"] for r in found["results"]}
            assert dates == ({date.isoformat()} if rows else set())


def test_serving_leaves_the_repositorys_access_file_alone(tmp_path, monkeypatch, capsys):
    import signal
    import threading

    from core.paths import DATA_DIR
    from orchestration import cli

    data = tmp_path / "data"
    data.mkdir()
    own = data / "ad_account_access.json"
    own.write_bytes(b'{"version": 3, "access": [{"network": "facebook", "account_id": "1", '
                    b'"principal_type": "team", "principal_id": "9"}]}\n')
    before = own.read_bytes()
    # Where `serve` wrote its access file (the repository's data folder), redirected here.
    monkeypatch.setattr(cli, "DATA_DIR", data, raising=False)
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    served = {}

    def serve_forever(server: SimulatorServer) -> None:  # what another process reads meanwhile
        exports = dict(line.strip().removeprefix("export ").split("=", 1)
                       for line in capsys.readouterr().out.splitlines()
                       if line.strip().startswith("export "))
        path = Path(exports["SOURCES__HUBSPOT__ACCESS_CONFIG_PATH"].strip("'"))
        served.update(path=path, document=orjson.loads(path.read_bytes()))
        # Serve until the stop asked for here: the command then stops as on Ctrl-C.
        threading.Thread(target=server._httpd.shutdown, daemon=True).start()
        serve(server)

    serve = SimulatorServer.serve_forever
    monkeypatch.setattr(SimulatorServer, "serve_forever", serve_forever)
    assert cli.main(["simulator", "serve", "--size", "S", "--end-date", "2026-10-31"]) == 0
    assert own.read_bytes() == before
    path = served["path"]
    assert not path.is_relative_to(data) and not path.is_relative_to(DATA_DIR)
    assert served["document"]["version"] == 1 and len(served["document"]["access"]) == 10
    assert not path.exists()  # the simulator's own file goes with it
