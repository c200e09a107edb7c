"""Touchpoints and attribution after a real `dbt build`: against the simulator's ground truth,
hand-computed paths, and the properties every model must keep."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.truth import (
    REPORTS,
    contacts_per_ad,
    conversions,
    lead_contacts,
    new_contacts,
    old_contacts,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("transform")]

FRACTIONAL = ["first_interaction", "last_interaction", "linear", "u_shaped", "w_shaped",
              "full_path", "j_shaped", "inverse_j", "time_decay", "markov", "shapley"]
ADS_REPORTS = ["first_form_submission", "last_form_submission", "last_ad_interaction",
               "all_interactions"]
AD_COLUMNS = ["network", "ad_account_id", "campaign_id", "ad_group_id", "ad_id"]


def test_every_session_gets_its_true_channel_and_ad(built):
    world = built.server.world
    touchpoints = built.query("select * from marts.fct_ad_touchpoints")
    truth = world.sessions.astype({"session_id": str, "contact_id": str})
    merged = truth.merge(touchpoints, on="session_id", how="outer", suffixes=("_true", ""),
                         indicator=True)
    assert (merged["_merge"] == "both").all(), merged["_merge"].value_counts()
    assert (merged["channel_true"] == merged["channel"]).all(), (
        merged.loc[merged["channel_true"] != merged["channel"], ["session_id", "channel_true",
                                                                 "channel"]].head())
    assert set(touchpoints["channel"]) >= {"paid_search", "paid_social", "organic_search",
                                           "direct", "email", "referral", "organic_social"}
    ads = merged[merged["ad_id_true"].notna()]
    assert ads["is_ad_interaction"].all() and (ads["resolved_to"] == "ad").all()
    for column, true in [("network", "network_true"), ("ad_account_id", "account_id"),
                         ("campaign_id", "campaign_id_true"),
                         ("ad_group_id", "ad_group_id_true"), ("ad_id", "ad_id_true")]:
        assert (ads[column].astype(str) == ads[true].astype(str)).all(), column
    keyword = ads[ads["keyword_id_true"].notna()]
    assert len(keyword) > 0
    assert (keyword["keyword_id"].astype(str) == keyword["keyword_id_true"].astype(str)).all()
    assert not merged.loc[merged["ad_id_true"].isna(), "is_ad_interaction"].any()
    # Click ids are kept: every Google ad session has its gclid, every Facebook one its fbclid.
    assert ads.loc[ads["network"] == "google", "gclid"].notna().all()
    assert ads.loc[ads["network"] == "facebook", "fbclid"].notna().all()


@pytest.mark.parametrize("report", REPORTS)
def test_every_ads_report_contacts_per_ad_equal_the_truth(built, report):
    """Per ad, the new contacts each of HubSpot's ads reports credits, lead-ad leads included
    and contacts created before their conversion left out, as the simulator's truth has them."""
    truth = contacts_per_ad(built.server.world, report).rename(
        columns={"account_id": "ad_account_id"})
    marts = built.query(f"""
        select network, ad_account_id, campaign_id, ad_group_id, ad_id,
               count(distinct contact_id) as contacts
        from marts.fct_contact_attribution
        where attribution_model = '{report}' and ad_id is not null
        group by all""")
    key = AD_COLUMNS
    left = truth.astype({c: str for c in key}).sort_values(key).reset_index(drop=True)
    right = marts.astype({c: str for c in key}).sort_values(key).reset_index(drop=True)
    assert len(left) > 10
    pd.testing.assert_frame_equal(left[[*key, "contacts"]], right[[*key, "contacts"]],
                                  check_dtype=False)


def test_only_new_contacts_count_and_lead_ad_contacts_do(built):
    """The world has contacts created before their first conversion (imports, reps, the API)
    and contacts a lead-ad lead created; the first are in no model's credits and none of their
    deals is credited, the second are credited to their lead's ad."""
    world = built.server.world
    old, leads = set(old_contacts(world)), set(lead_contacts(world))
    assert len(old) >= 5 and len(leads) >= 5
    credited = set(built.query(
        "select distinct contact_id from marts.fct_contact_attribution")["contact_id"])
    assert credited and not credited & old
    converted = set(built.query(
        "select contact_id from intermediate.int_contact_conversions")["contact_id"])
    assert converted == set(new_contacts(world))
    by_lead = built.query("""
        select distinct a.contact_id, a.network, a.ad_id
        from marts.fct_contact_attribution as a
        join intermediate.int_contact_conversions as c using (contact_id)
        where a.attribution_model = 'first_form_submission'
            and c.conversion_session_id like 'lead:%'""")
    # the contacts whose first conversion was a lead, credited to that lead's ad
    firsts = conversions(world)
    by_a_lead = set(firsts.loc[firsts["is_new"] & (firsts["kind"] == "lead"), "contact_id"])
    first_leads = world.leads.sort_values("created_at").drop_duplicates("contact_id")
    expected = {(str(r.contact_id), r.network, str(r.ad_id)) for r in first_leads.itertuples()
                if str(r.contact_id) in by_a_lead}
    assert len(expected) >= 3
    assert set(map(tuple, by_lead[["contact_id", "network", "ad_id"]].astype(str).to_numpy())
               ) == expected
    old_deals = set(world.deal_contacts.loc[
        world.deal_contacts["contact_id"].astype(str).isin(old), "deal_id"].astype(str))
    credited_deals = set(built.query(
        "select distinct deal_id from marts.fct_deal_attribution")["deal_id"])
    assert not credited_deals & (old_deals - set(world.deal_contacts.loc[
        world.deal_contacts["contact_id"].astype(str).isin(converted), "deal_id"].astype(str)))


def test_credits_sum_to_one_per_contact_and_deal_for_every_fractional_model(built):
    for table, key in (("fct_contact_attribution", "contact_id"),
                       ("fct_deal_attribution", "deal_id")):
        sums = built.query(f"""
            select attribution_model, {key}, sum(credit) as total
            from marts.{table}
            where attribution_model in ({", ".join(f"'{m}'" for m in FRACTIONAL)})
            group by all""")
        assert set(sums["attribution_model"]) == set(FRACTIONAL)
        assert (abs(sums["total"] - 1) < 1e-9).all()


def test_models_agree_on_a_path_of_one_touch(built):
    single = built.query(f"""
        select a.attribution_model, a.contact_id, a.channel, a.ad_id, a.credit
        from marts.fct_contact_attribution a
        join (select contact_id from intermediate.int_attribution_paths
              where is_converted group by contact_id having count(*) = 1) using (contact_id)
        where a.attribution_model in ({", ".join(f"'{m}'" for m in FRACTIONAL)})""")
    assert single["contact_id"].nunique() > 5
    assert (single["credit"] == 1).all()
    per_contact = single.groupby("contact_id").agg(
        models=("attribution_model", "nunique"), targets=("channel", "nunique"),
        rows=("credit", "size"))
    assert (per_contact["models"] == len(FRACTIONAL)).all()
    assert (per_contact["rows"] == len(FRACTIONAL)).all()  # one target each, the same one
    assert (per_contact["targets"] == 1).all()


def test_all_interactions_counts_at_least_every_report_of_touches_up_to_conversion(built):
    """all_interactions credits every ad touched up to the conversion, so at least every
    report over those touches; `last_form_submission` may credit a later one, and no credit of
    all_interactions lies after its contact's conversion."""
    counts = built.query("""
        select attribution_model, network, ad_id, count(distinct contact_id) as contacts
        from marts.fct_contact_attribution
        where ad_id is not null
        group by all""").pivot_table(index=["network", "ad_id"], columns="attribution_model",
                                     values="contacts", fill_value=0)
    for report in ("first_form_submission", "last_ad_interaction", *FRACTIONAL):
        assert (counts["all_interactions"] >= counts[report]).all(), report
    after = built.query("""
        select count(*) as n
        from marts.fct_contact_attribution as credited
        inner join intermediate.int_contact_conversions as conversions
            using (contact_id)
        where credited.attribution_model = 'all_interactions'
            and not exists (
                select 1 from intermediate.int_attribution_touches as touches
                where touches.contact_id = credited.contact_id
                    and touches.network = credited.network
                    and touches.ad_id = credited.ad_id
                    and touches.started_at <= conversions.converted_at)""")
    assert after["n"][0] == 0
    # The simulated contacts who converted again later have ads only the later submission
    # credits: last_form_submission credits them, all_interactions does not.
    later_only = built.query("""
        select count(*) as n from marts.fct_contact_attribution as last
        where last.attribution_model = 'last_form_submission'
            and not exists (
                select 1 from marts.fct_contact_attribution as every
                where every.attribution_model = 'all_interactions'
                    and every.contact_id = last.contact_id and every.ad_id = last.ad_id)""")
    assert later_only["n"][0] > 0
    contacts = built.query("select count(*) as n from intermediate.int_contact_conversions")
    attributed = built.query("""
        select attribution_model, count(distinct contact_id) as n
        from marts.fct_contact_attribution group by all""")
    assert (attributed["n"] <= contacts["n"][0]).all()


def test_deals_meet_every_condition_and_convert_at_the_close_date_rate(built):
    deals = built.query("""
        select distinct a.deal_id, d.deal_stage, a.close_date, a.amount_company_currency,
               d.amount_company_currency as deal_amount
        from marts.fct_deal_attribution a
        join intermediate.int_deals d using (deal_id)""")
    world = built.server.world
    assert len(deals) > 0
    assert (deals["deal_stage"] == "closedwon").all()
    assert deals["close_date"].notna().all()
    assert (deals["amount_company_currency"] == deals["deal_amount"]).all()
    contacts = world.contacts.set_index("contact_id")["lifecyclestage"]
    customers_of = world.deal_contacts.assign(
        stage=lambda f: f["contact_id"].map(contacts)).groupby("deal_id")["stage"].apply(set)
    for deal in deals["deal_id"]:
        assert "customer" in customers_of[deal]
    # Closed-won deals whose contacts are not customers exist in the world and are left out.
    closed = world.deals.loc[world.deals["dealstage"] == "closedwon", "deal_id"]
    without_customer = [d for d in closed if "customer" not in customers_of.get(d, set())]
    assert without_customer
    assert not set(without_customer) & set(deals["deal_id"])


def test_campaign_metrics_are_null_for_untracked_campaigns_and_sum_the_credits(built):
    daily = built.query("""
        select f.*, c.is_tracked
        from marts.fct_campaign_performance_daily f
        join marts.dim_campaigns c using (network, campaign_id)""")
    untracked = daily[~daily["is_tracked"]]
    tracked = daily[daily["is_tracked"]]
    assert len(untracked) > 0 and len(tracked) > 0
    assert untracked["sessions"].isna().all() and tracked["sessions"].notna().all()
    # One row per campaign-day, with no model: a plain sum is the spend.
    assert not daily.duplicated(["network", "campaign_id", "date_day"]).any()
    sums = built.query("""
        select (select sum(spend_company_currency) from marts.fct_campaign_performance_daily)
                   as campaigns,
               (select sum(spend_company_currency) from marts.fct_ad_performance_daily) as ads""")
    assert sums["campaigns"][0] == sums["ads"][0] > 0
    credit = built.query("""
        select f.*, c.is_tracked
        from marts.fct_campaign_credit_by_model_daily f
        join marts.dim_campaigns c using (network, campaign_id)""")
    assert credit["is_tracked"].all() and len(credit) > 0
    credited = built.query("""
        select attribution_model, sum(credit) as contacts
        from marts.fct_contact_attribution as a
        join marts.dim_campaigns c using (network, campaign_id)
        where c.is_tracked group by all""")
    summed = credit.groupby("attribution_model")["contacts"].sum()
    for row in credited.itertuples():
        assert summed[row.attribution_model] == pytest.approx(row.contacts)
    stages = ["subscribers", "leads", "mqls", "sqls", "opportunities", "customers",
              "evangelists", "others"]
    assert credit[stages].sum(axis=1).to_numpy() == pytest.approx(credit["contacts"].to_numpy())
    # The estimate ROI setting: (contacts - customers) x rate x price + customers x price.
    row = credit[credit["contacts"] > credit["customers"]].iloc[0]
    expected = (row.contacts - row.customers) * 0.1 * 1000 + row.customers * 1000
    assert float(row.estimated_revenue_company_currency) == pytest.approx(expected, abs=1e-5)


# A hand-built case: crafted sessions and paths of three new contacts, over real ads, replace
# the built paths, and only the mart is rebuilt.
#   H1: facebook ad A1, organic search, google ad A2 (with its keyword), facebook ad A3 (A1's
#       campaign) in the converting session; 14, 7, 7 and 0 days before conversion; it submits
#       another form five days later in a session from A2.
#   H2: google ad A2, then a direct session in which it converts.
#   H3: one linkedin ad touch, converting.
#   H4: organic search and direct only, converting in the direct session.
# H1 then reads an email a day after converting, and becomes a customer with deal D1 (1,000 EUR),
# created two days and closed won six days after the conversion. D2, closed won but with a
# contact (H2) who is not a customer, is not attributed.
CONVERTED = pd.Timestamp("2026-10-15 12:00", tz="UTC")
LATER = pd.Timestamp("2026-10-20 09:00", tz="UTC")


def _touch(contact, number, count, session, age_days, channel, ad=None, converting=False):
    ad = ad or {}
    return {"contact_id": contact, "session_id": session, "touch_number": number,
            "touch_count": count, "started_at": CONVERTED - pd.Timedelta(days=age_days),
            "channel": channel, "is_ad_interaction": bool(ad),
            **{c: ad.get(c) for c in [*AD_COLUMNS, "keyword_id"]},
            "converted_at": CONVERTED, "is_conversion_session": converting,
            "is_converted": True, "is_lead": number == count,
            "campaign_state": f"{ad['network']}:{ad['campaign_id']}" if ad else channel}


def _real_ads(warehouse) -> dict[str, dict]:
    ads = warehouse.query("""
        with fb as (
            select campaign_id from marts.dim_ads where network = 'facebook'
            group by campaign_id having count(*) >= 2 order by campaign_id limit 1)
        select network, ad_account_id, campaign_id, ad_group_id, ad_id, null as keyword_id,
               row_number() over (order by ad_id) as n
        from marts.dim_ads where network = 'facebook' and campaign_id = (select * from fb)
        qualify n <= 2
        union all
        (select a.network, a.ad_account_id, a.campaign_id, a.ad_group_id, a.ad_id,
                k.keyword_id, 3
         from marts.dim_ads a join marts.dim_keywords k using (ad_group_id)
         where a.network = 'google' order by a.ad_id, k.keyword_id limit 1)
        union all
        (select network, ad_account_id, campaign_id, ad_group_id, ad_id, null, 4
         from marts.dim_ads where network = 'linkedin' order by ad_id limit 1)""")
    labels = {1: "A1", 2: "A3", 3: "A2", 4: "A4"}
    return {labels[row.pop("n")]: row for row in ads.to_dict("records")}


@pytest.fixture(scope="module")
def hand_built(built):
    import duckdb

    warehouse = built.copy("hand_built")
    ads = _real_ads(warehouse)
    paths = pd.DataFrame([
        _touch("H1", 1, 4, "s11", 14, "paid_social", ads["A1"]),
        _touch("H1", 2, 4, "s12", 7, "organic_search"),
        _touch("H1", 3, 4, "s13", 7, "paid_search", ads["A2"]),
        _touch("H1", 4, 4, "s14", 0, "paid_social", ads["A3"], converting=True),
        _touch("H2", 1, 2, "s21", 3, "paid_search", ads["A2"]),
        _touch("H2", 2, 2, "s22", 0, "direct", converting=True),
        _touch("H3", 1, 1, "s31", 0, "paid_social", ads["A4"], converting=True),
        _touch("H4", 1, 2, "s41", 2, "organic_search"),
        _touch("H4", 2, 2, "s42", 0, "direct", converting=True),
    ])
    later = {**_touch("H1", 5, 5, "s15", 0, "paid_search", ads["A2"]), "started_at": LATER}
    email = {**_touch("H1", 6, 6, "s16", -1, "email")}
    sessions = pd.concat([paths, pd.DataFrame([later, email])])[
        ["session_id", "contact_id", "started_at", "channel", *AD_COLUMNS, "keyword_id"]]
    state = {label: f"{ad['network']}:{ad['campaign_id']}" for label, ad in ads.items()}
    weights = pd.DataFrame([
        {"attribution_model": model, "level": "campaign", "state": name, "weight": weight}
        for model in ("markov", "shapley")
        for name, weight in [(state["A1"], 0.6), ("organic_search", 0.2), (state["A2"], 0.2),
                             ("direct", 0.5), (state["A4"], 0.3)]])
    conversions = pd.DataFrame([
        {"contact_id": c, "converted_at": CONVERTED, "conversion_session_id": s,
         "last_submitted_at": LATER if c == "H1" else CONVERTED,
         "last_submission_session_id": "s15" if c == "H1" else s,
         "form_submissions": 2 if c == "H1" else 1}
        for c, s in [("H1", "s14"), ("H2", "s22"), ("H3", "s31"), ("H4", "s42")]])

    def stamp(days: int) -> str:  # HubSpot's timestamp text, days after the conversion
        return (CONVERTED + pd.Timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    deals = pd.DataFrame([
        {"id": "D1", "dealname": "D1", "amount": "1000.00", "deal_currency_code": "EUR",
         "dealstage": "closedwon", "pipeline": "default", "createdate": stamp(2),
         "closedate": stamp(6), "archived": False},
        {"id": "D2", "dealname": "D2", "amount": "500.00", "deal_currency_code": "USD",
         "dealstage": "closedwon", "pipeline": "default", "createdate": stamp(1),
         "closedate": stamp(3), "archived": False}])
    associations = pd.DataFrame([{"deal_id": "D1", "contact_id": "H1"},
                                 {"deal_id": "D2", "contact_id": "H2"}])
    contacts = pd.DataFrame([{"id": c, "lifecyclestage": stage, "createdate": stamp(0),
                              "archived": False}
                             for c, stage in [("H1", "customer"), ("H2", "lead"),
                                              ("H3", "lead"), ("H4", "subscriber")]])
    with duckdb.connect(str(warehouse.path)) as con:
        for table, frame, replace in (("int_attribution_paths", paths, True),
                                      ("int_attribution_state_weights", weights, True),
                                      ("int_contact_conversions", conversions, True),
                                      ("int_sessions", sessions, False),
                                      ("raw_hubspot.deals", deals, False),
                                      ("raw_hubspot.deal_contact_associations", associations,
                                       False),
                                      ("raw_hubspot.contacts", contacts, False)):
            if "." in table:  # a raw table: dlt's bookkeeping columns are required
                frame = frame.assign(_dlt_load_id="0", **(
                    {"_dlt_id": [f"hand{i}" for i in range(len(frame))]}
                    if "_dlt_id" in con.execute(f"select * from {table} limit 0").df()
                    else {}))
            con.register("crafted", frame)
            name = table if "." in table else f"intermediate.{table}"
            if replace:
                con.execute(f"delete from {name}")
            con.execute(f"insert into {name} by name select * from crafted")
            con.unregister("crafted")
    result = warehouse.dbt("run", "--select", "fct_contact_attribution", "fct_deal_attribution")
    assert result.success, result.failures
    label = {ad["ad_id"]: name for name, ad in ads.items()}

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        frame["target"] = [label[a] if isinstance(a, str) else c
                           for a, c in zip(frame["ad_id"], frame["channel"], strict=True)]
        return frame

    credits = labelled(warehouse.query("""
        select attribution_model, contact_id, ad_id, channel, credit, attributed_at
        from marts.fct_contact_attribution where contact_id like 'H%'"""))
    deal_credits = labelled(warehouse.query("""
        select attribution_model, deal_id as contact_id, ad_id, channel, credit,
               amount_company_currency, revenue_company_currency
        from marts.fct_deal_attribution where deal_id like 'D%'"""))
    rate = warehouse.query("""
        select conversion_rate from intermediate.int_exchange_rates_daily
        where currency_code = 'EUR' and date_day = '2026-10-21'""")["conversion_rate"][0]
    return credits, deal_credits, rate


def _assert_credits(got: dict[str, float], expected: dict[str, float]) -> None:
    assert got.keys() == expected.keys()
    for target, credit in expected.items():
        assert got[target] == pytest.approx(credit, abs=1e-9), target


def _credits(credits: pd.DataFrame, model: str, contact: str) -> dict[str, float]:
    rows = credits[(credits["attribution_model"] == model) & (credits["contact_id"] == contact)]
    return dict(zip(rows["target"], rows["credit"], strict=True))


@pytest.mark.parametrize(("model", "expected"), [
    ("first_interaction", {"A1": 1}),
    ("last_interaction", {"A3": 1}),
    ("linear", {"A1": 1 / 4, "organic_search": 1 / 4, "A2": 1 / 4, "A3": 1 / 4}),
    ("u_shaped", {"A1": 0.4, "organic_search": 0.1, "A2": 0.1, "A3": 0.4}),
    # No deal creation on a contact's path: 30 / 30 / 10 rescaled to 1.
    ("w_shaped", {"A1": 3 / 7, "organic_search": 1 / 14, "A2": 1 / 14, "A3": 3 / 7}),
    # No deal creation or closed won: 22.5 / 22.5 / 10 rescaled.
    ("full_path", {"A1": 0.225 / 0.55, "organic_search": 0.05 / 0.55, "A2": 0.05 / 0.55,
                   "A3": 0.225 / 0.55}),
    ("j_shaped", {"A1": 0.2, "organic_search": 0.1, "A2": 0.1, "A3": 0.6}),
    ("inverse_j", {"A1": 0.6, "organic_search": 0.1, "A2": 0.1, "A3": 0.2}),
    # Half-life 7 days: ages 14, 7, 7, 0 weigh 1/4, 1/2, 1/2, 1.
    ("time_decay", {"A1": 1 / 9, "organic_search": 2 / 9, "A2": 2 / 9, "A3": 4 / 9}),
    # Campaign C1 weighs 0.6, split over its two touches; organic 0.2; C2 0.2.
    ("markov", {"A1": 0.3, "organic_search": 0.2, "A2": 0.2, "A3": 0.3}),
    ("shapley", {"A1": 0.3, "organic_search": 0.2, "A2": 0.2, "A3": 0.3}),
    ("first_form_submission", {"A3": 1}),
    ("last_ad_interaction", {"A3": 1}),
    ("all_interactions", {"A1": 1, "A2": 1, "A3": 1}),
])
def test_hand_computed_four_touch_path(hand_built, model, expected):
    credits, _, _ = hand_built
    _assert_credits(_credits(credits, model, "H1"), expected)


def test_last_form_submission_credits_the_later_submission_session(hand_built):
    credits, _, _ = hand_built
    assert _credits(credits, "last_form_submission", "H1") == {"A2": 1}
    row = credits[(credits["attribution_model"] == "last_form_submission")
                  & (credits["contact_id"] == "H1")].iloc[0]
    assert row.attributed_at == LATER


@pytest.mark.parametrize(("model", "expected"), [
    ("u_shaped", {"A2": 0.5, "direct": 0.5}),
    ("w_shaped", {"A2": 0.5, "direct": 0.5}),
    ("j_shaped", {"A2": 0.25, "direct": 0.75}),
    ("inverse_j", {"A2": 0.75, "direct": 0.25}),
    ("linear", {"A2": 0.5, "direct": 0.5}),
    # An organic converting session: no ad for the form-submission reports; the ad before it
    # is the last ad interaction.
    ("first_form_submission", {}),
    ("last_form_submission", {}),
    ("last_ad_interaction", {"A2": 1}),
    ("all_interactions", {"A2": 1}),
])
def test_hand_computed_two_touch_path_converting_organically(hand_built, model, expected):
    credits, _, _ = hand_built
    _assert_credits(_credits(credits, model, "H2"), expected)


def test_hand_computed_one_touch_path_gets_all_credit_in_every_model(hand_built):
    credits, _, _ = hand_built
    for model in [*FRACTIONAL, *ADS_REPORTS]:
        assert _credits(credits, model, "H3") == {"A4": 1}, model


def test_hand_computed_path_without_an_ad_credits_only_channels(hand_built):
    credits, _, _ = hand_built
    for model in ADS_REPORTS:
        assert _credits(credits, model, "H4") == {}, model
    assert _credits(credits, "u_shaped", "H4") == {"organic_search": 0.5, "direct": 0.5}
    # Two days before conversion weighs 2^(-2/7) against the converting session's 1.
    early = 2 ** (-2 / 7)
    assert _credits(credits, "time_decay", "H4") == pytest.approx(
        {"organic_search": early / (1 + early), "direct": 1 / (1 + early)})


# D1's path: A1 (first), organic, A2, A3 (lead creation), email (deal creation, the last touch
# before the deal was created), A2 (closed won, the last touch before the close).
@pytest.mark.parametrize(("model", "expected"), [
    ("first_interaction", {"A1": 1}),
    ("last_interaction", {"A2": 1}),
    ("linear", {"A1": 1 / 6, "organic_search": 1 / 6, "A2": 2 / 6, "A3": 1 / 6,
                "email": 1 / 6}),
    ("u_shaped", {"A1": 0.4, "A3": 0.4, "organic_search": 0.05, "A2": 0.1, "email": 0.05}),
    ("w_shaped", {"A1": 0.3, "A3": 0.3, "email": 0.3, "organic_search": 0.1 / 3,
                  "A2": 0.2 / 3}),
    ("full_path", {"A1": 0.225, "A3": 0.225, "email": 0.225, "A2": 0.225 + 0.05,
                   "organic_search": 0.05}),
    ("j_shaped", {"A1": 0.2, "A2": 0.6 + 0.05, "organic_search": 0.05, "A3": 0.05,
                  "email": 0.05}),
    ("first_form_submission", {"A3": 1}),
    ("last_form_submission", {"A2": 1}),
    ("last_ad_interaction", {"A3": 1}),
    ("all_interactions", {"A1": 1, "A2": 1, "A3": 1}),
])
def test_hand_computed_deal_path(hand_built, model, expected):
    _, deal_credits, _ = hand_built
    _assert_credits(_credits(deal_credits, model, "D1"), expected)


def test_deal_revenue_is_its_amount_at_the_close_date_rate_times_credit(hand_built):
    _, deal_credits, rate = hand_built
    d1 = deal_credits[deal_credits["contact_id"] == "D1"]
    # EUR 1,000 closed on 2026-10-21 (portal day) at that day's rate.
    assert d1["amount_company_currency"].astype(float).tolist() == pytest.approx(
        [1000 * float(rate)] * len(d1))
    u_shaped = d1[d1["attribution_model"] == "u_shaped"]
    assert u_shaped["revenue_company_currency"].astype(float).sum() == pytest.approx(
        1000 * float(rate), abs=1e-5)
    # D2's only contact is a lead, not a customer: the deal is not attributed.
    assert "D2" not in set(deal_credits["contact_id"])
