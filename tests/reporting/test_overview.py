"""The overview printed after a run, over the hand-built warehouse of conftest.py."""

from reporting.overview import overview, render


def test_the_overview_leaves_out_deleted_facebook_campaigns_and_says_what_they_spent(
        fixture_warehouse):
    frame = overview(fixture_warehouse)
    rows = {row["network"]: row for row in frame.to_dict("records")}
    # F1's C1 and C2 (230), not C6 (24 on 06-11, 0 on 06-09); Google's deleted C4 stays
    assert rows["facebook"]["spend_company_currency"] == 230
    assert (rows["facebook"]["clicks"], rows["facebook"]["ads"]) == (120, 3)
    assert rows["google"]["spend_company_currency"] == 140
    assert (rows["google"]["currency_code"], rows["google"]["spend"]) == ("EUR", 112)
    assert frame.attrs["hidden"] == (1, 24.0)
    text = " ".join(render(frame).split())
    assert ("Not shown, as in HubSpot: 1 deleted Facebook campaign, 24.00 USD spent "
            "(`ads-analytics report campaigns --status deleted` lists them)") in text
