"""The dashboard over a warehouse built from the simulator: its Contacts tile counts what
HubSpot's ads tool counts (only contacts an ad-led conversion created, lead-ad contacts
included), as the simulator's truth has it. The page runs in process (Streamlit's AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.settings import WAREHOUSE_ENV
from simulator.truth import attributed_contacts, conversion_events
from tests.conftest import END_DATE


@pytest.fixture
def page(built, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from reporting.dashboard import APP, NO_AUTH_ENV, TODAY_ENV

    monkeypatch.setenv(WAREHOUSE_ENV, str(built.path))
    monkeypatch.setenv(TODAY_ENV, (END_DATE + dt.timedelta(days=1)).isoformat())
    monkeypatch.setenv(NO_AUTH_ENV, "1")
    return AppTest.from_file(str(APP), default_timeout=60)


def test_the_contacts_tile_counts_new_contacts_from_ads_lead_ads_included(built, page):
    world = built.server.world
    page.run()
    page.selectbox(key="date_preset").set_value(page.selectbox(key="date_preset").options[-1])
    page.run()
    page.date_input(key="start").set_value(world.start_date - dt.timedelta(days=2)).run()
    page.date_input(key="end").set_value(END_DATE).run()
    assert not page.exception and not page.error
    tiles = {metric.label: metric.value for metric in page.metric}

    # HubSpot's default report, first_form_submission, without the campaigns it hides
    hidden = set(built.query("""
        select campaign_id from marts.dim_campaigns
        where network = 'facebook' and raw_status = 'DELETED'""")["campaign_id"])
    credited = attributed_contacts(world, "first_form_submission")
    credited = credited[~credited["campaign_id"].astype(str).isin(hidden)]
    expected = credited["contact_id"].nunique()
    assert tiles["Contacts"] == f"{expected:,}"

    # What the tile would show without HubSpot's rules differs: counting every contact whose
    # first conversion came through an ad (those created before it too), or leaving out the
    # contacts a lead created.
    events = conversion_events(world)
    firsts = events.drop_duplicates("contact_id")
    through_an_ad = firsts[firsts["network"].notna()
                           & ~firsts["campaign_id"].astype(str).isin(hidden)]
    with_old = through_an_ad["contact_id"].nunique()
    by_lead = set(firsts.loc[firsts["kind"] == "lead", "contact_id"].astype(str))
    without_leads = len(set(credited["contact_id"].astype(str)) - by_lead)
    assert with_old > expected > without_leads
    assert tiles["Contacts"] not in (f"{with_old:,}", f"{without_leads:,}")
