"""End to end against payloads written by hand from the vendors' documented shapes, not by the
team's simulator: a tiny advertiser whose every number is computed on paper below.

The advertiser: a HubSpot portal in SEK and Europe/Stockholm; one Facebook ad account in EUR
(Europe/Stockholm) with a video ad and a dynamic-creative ad; one Google Ads customer in USD
(America/New_York) without a descriptive name, one responsive search ad without a name and no
keywords at all; LinkedIn not configured. A `Loopback` server answers the endpoints the
sources call (paths, query parameters and paging read from `ingestion/*/client.py` and
`settings.py`) with the literal payloads of this module, paging them in small pages.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.settings import WAREHOUSE_ENV
from orchestration.cli import main
from tests.ingestion.loopback import Loopback, Request

# -- the advertiser ---------------------------------------------------------------------------
#
# Exchange rates into the portal's SEK (HubSpot: one unit of `fromCurrencyCode` in
# `toCurrencyCode`, in effect from the UTC day of `effectiveAt`):
#   EUR->SEK 11.5        from 2026-04-01;  11.1234565  from 2026-05-05
#   USD->SEK 10.5        from 2026-04-01;  9.87654321  from 2026-05-06
#
# Facebook (EUR, days in Stockholm)            spend   rate        spend in SEK (half up, 6 dp)
#   ad 4001 2026-05-04                          1.5   x 11.5       = 17.25        -> 17.250000
#   ad 4001 2026-05-05 (no clicks, no actions)  1.00  x 11.1234565 = 11.1234565   -> 11.123457
#       (exactly half a micro: half up gives ...457; truncating or half-to-even, ...456)
#   ad 4002 2026-05-05                          0.99  x 11.1234565 = 11.012221935 -> 11.012222
#   ad 4002 2026-05-06 (no clicks)              10.01 x 11.1234565 = 111.345799565-> 111.345800
# Google (USD, days in New York; cost in micros)
#   ad 333  2026-05-04  1230000 = 1.23          x 10.5       = 12.915         -> 12.915000
#   ad 333  2026-05-05   500000 = 0.5 (no clicks, no conversions) x 10.5 = 5.25 -> 5.250000
#   ad 333  2026-05-06  2000000 = 2             x 9.87654321 = 19.75308642    -> 19.753086
#
# Sessions (days in the portal's Stockholm; on the ad's row of that day):
#   ad 4001: 2026-05-04 1 (Alice), 2026-05-05 0
#   ad 4002: 2026-05-05 0, 2026-05-06 1 (Bertil, after midnight in Stockholm)
#   ad 333:  2026-05-04 1 (Cecilia), 2026-05-05 0, 2026-05-06 1 (Dag, after converting)
#
# Contacts and their first form submission's session:
#   501 Alice    lands from Facebook ad 4001 (video), submits in that session   -> ad 4001
#   502 Bertil   lands from Facebook ad 4002 (dynamic creative) at 22:30 UTC on 2026-05-05,
#                00:30 on 2026-05-06 in Stockholm, and submits there         -> ad 4002
#   503 Cecilia  lands from Google ad 333, submits there                        -> ad 333
#   504 Dag      a direct visit (no referrer), submits there; later clicks Google ad 333
#                (after converting)                                             -> no ad
# Closed-won deals (closedwon, with a close date, customers who converted):
#   701 EUR 100 closed 2026-05-04T22:30Z, which is 2026-05-05 00:30 in Stockholm: the rate of
#       2026-05-05 (not 11.5, the UTC day's): 100 x 11.1234565 = 1112.3456500 -> 1112.345650;
#       Alice's -> credited to Facebook ad 4001 under first_form_submission
#   702 no currency (the portal's SEK) 2500.50 closed 2026-05-06 -> 2500.50 x 1 = 2500.500000,
#       Cecilia's -> credited to Google ad 333
#   703 an open deal: no amount, no close date, no associated contact (counts nowhere)

FB_ACCOUNT = "1010"
GOOGLE_CUSTOMER = "1234567890"
PORTAL_ID = 4242

FB_TRACKING_4001 = ("hsa_acc=1010&hsa_cam=2001&hsa_grp=3001&hsa_ad=4001&hsa_src=fb"
                    "&hsa_net=facebook&hsa_ver=3")
FB_TRACKING_4002 = ("hsa_acc=1010&hsa_cam=2001&hsa_grp=3001&hsa_ad=4002&hsa_src=fb"
                    "&hsa_net=facebook&hsa_ver=3")
# HubSpot's Google tracking: ValueTrack parameters in the ad's final URL suffix ...
GOOGLE_SUFFIX = ("hsa_acc=1234567890&hsa_cam={campaignid}&hsa_grp={adgroupid}&hsa_ad={creative}"
                 "&hsa_src={network}&hsa_tgt={targetid}&hsa_kw={keyword}&hsa_mt={matchtype}"
                 "&hsa_net=adwords&hsa_ver=3")
# ... which Google resolves at click time
GOOGLE_CLICK = ("hsa_acc=1234567890&hsa_cam=111&hsa_grp=222&hsa_ad=333&hsa_src=g"
                "&hsa_tgt=kwd-999&hsa_kw=running%20shoes&hsa_mt=e&hsa_net=adwords&hsa_ver=3")

# -- Facebook Marketing API (Graph v21.0) -----------------------------------------------------
FB_ACCOUNT_BODY = {
    "id": "act_1010", "account_id": "1010", "name": "Nordic Shoes (FB)", "currency": "EUR",
    "timezone_name": "Europe/Stockholm", "account_status": 1,
    # Graph writes times with the account's UTC offset
    "created_time": "2025-01-10T09:00:00+0100",
}
FB_CAMPAIGNS = [
    # no start_time: Graph leaves it out when none is set
    {"id": "2001", "account_id": "1010", "name": "Spring", "objective": "OUTCOME_TRAFFIC",
     "status": "ACTIVE", "configured_status": "ACTIVE", "effective_status": "ACTIVE",
     "buying_type": "AUCTION", "created_time": "2026-04-20T10:00:00+0200",
     "updated_time": "2026-04-21T11:00:00+0200"},
]
FB_AD_SETS = [
    # no daily_budget, no optimization_goal
    # (nor configured_status, which some versions leave out)
    {"id": "3001", "account_id": "1010", "campaign_id": "2001", "name": "Sweden 25-44",
     "status": "ACTIVE", "effective_status": "ACTIVE",
     "billing_event": "IMPRESSIONS", "created_time": "2026-04-20T10:05:00+0200",
     "updated_time": "2026-04-20T10:05:00+0200"},
]
FB_ADS = [
    # A video ad: its destination is only the call to action's link; tracking in url_tags.
    {"id": "4001", "account_id": "1010", "campaign_id": "2001", "adset_id": "3001",
     "name": "Spring video", "status": "ACTIVE", "configured_status": "ACTIVE",
     "effective_status": "ACTIVE",
     "creative": {
         "id": "5001", "name": "Spring video creative", "url_tags": FB_TRACKING_4001,
         "object_story_spec": {
             "page_id": "7070",
             "video_data": {
                 "video_id": "8080", "image_url": "https://scontent.example.net/v.jpg",
                 "message": "Spring is here", "title": "Spring",
                 "call_to_action": {"type": "LEARN_MORE",
                                    "value": {"link": "https://shop.example.se/spring"}}}}},
     "created_time": "2026-04-20T10:10:00+0200", "updated_time": "2026-04-20T10:10:00+0200"},
    # A dynamic creative: the destination only in asset_feed_spec.link_urls[0].website_url,
    # its tracking in that link's url_tags; the story spec names only the page.
    {"id": "4002", "account_id": "1010", "campaign_id": "2001", "adset_id": "3001",
     "name": "Spring dynamic", "status": "ACTIVE", "configured_status": "ACTIVE",
     "effective_status": "ACTIVE",
     "creative": {
         "id": "5002", "name": "Spring dynamic creative",
         "object_story_spec": {"page_id": "7070"},
         "asset_feed_spec": {
             "bodies": [{"text": "New season"}], "titles": [{"text": "Spring sale"}],
             "ad_formats": ["SINGLE_IMAGE"], "call_to_action_types": ["SHOP_NOW"],
             "link_urls": [{"website_url": "https://shop.example.se/sale",
                            "display_url": "shop.example.se", "url_tags": FB_TRACKING_4002}]}},
     "created_time": "2026-04-20T10:12:00+0200", "updated_time": "2026-04-20T10:12:00+0200"},
]
_FB_ROW = {"account_id": "1010", "campaign_id": "2001", "adset_id": "3001"}
FB_INSIGHTS = [
    {**_FB_ROW, "ad_id": "4001", "date_start": "2026-05-04", "date_stop": "2026-05-04",
     "impressions": "120", "clicks": "4", "inline_link_clicks": "3", "spend": "1.5",
     "actions": [{"action_type": "link_click", "value": "3"},
                 {"action_type": "post_engagement", "value": "7"}]},
    # no clicks, no inline_link_clicks, no actions
    {**_FB_ROW, "ad_id": "4001", "date_start": "2026-05-05", "date_stop": "2026-05-05",
     "impressions": "80", "spend": "1.00"},
    {**_FB_ROW, "ad_id": "4002", "date_start": "2026-05-05", "date_stop": "2026-05-05",
     "impressions": "40", "clicks": "1", "inline_link_clicks": "1", "spend": "0.99",
     "actions": [{"action_type": "like", "value": "1"}]},
    # no clicks, no inline_link_clicks
    {**_FB_ROW, "ad_id": "4002", "date_start": "2026-05-06", "date_stop": "2026-05-06",
     "impressions": "200", "spend": "10.01",
     "actions": [{"action_type": "lead", "value": "1"}]},
]

# -- Google Ads API (REST, v21) ---------------------------------------------------------------
_CUSTOMER = {"resourceName": "customers/1234567890", "id": "1234567890"}
_CAMPAIGN = {"resourceName": "customers/1234567890/campaigns/111", "id": "111"}
_AD_GROUP = {"resourceName": "customers/1234567890/adGroups/222", "id": "222"}
_AD_GROUP_AD = {"resourceName": "customers/1234567890/adGroupAds/222~333",
                "ad": {"resourceName": "customers/1234567890/ads/333", "id": "333"}}
GOOGLE_ROWS: dict[str, list[dict[str, Any]]] = {
    # no descriptiveName
    "customer": [{"customer": {**_CUSTOMER, "currencyCode": "USD",
                               "timeZone": "America/New_York"}}],
    # no trackingUrlTemplate, no finalUrlSuffix on the campaign
    "campaign": [{"customer": _CUSTOMER,
                  "campaign": {**_CAMPAIGN, "name": "Brand search", "status": "ENABLED",
                               "advertisingChannelType": "SEARCH"}}],
    "ad_group": [{"customer": _CUSTOMER, "campaign": _CAMPAIGN,
                  "adGroup": {**_AD_GROUP, "name": "Running shoes", "status": "ENABLED",
                              "type": "SEARCH_STANDARD"}}],
    # a responsive search ad has no name; the tracking is in its final URL suffix
    "ad_group_ad": [{"customer": _CUSTOMER, "campaign": _CAMPAIGN, "adGroup": _AD_GROUP,
                     "adGroupAd": {"resourceName": _AD_GROUP_AD["resourceName"],
                                   "status": "ENABLED",
                                   "ad": {**_AD_GROUP_AD["ad"], "type": "RESPONSIVE_SEARCH_AD",
                                          "finalUrls": ["https://shop.example.se/"],
                                          "finalUrlSuffix": GOOGLE_SUFFIX}}}],
    # no keywords at all: the keyword queries' responses carry no `results`
    "ad_group_criterion": [],
    "keyword_view": [],
}
_METRIC_ROW = {"customer": _CUSTOMER, "campaign": _CAMPAIGN, "adGroup": _AD_GROUP,
               "adGroupAd": _AD_GROUP_AD}
GOOGLE_METRICS = [
    # int64 as strings; a double (conversions) as a JSON number, 1.0 rendered as 1
    {**_METRIC_ROW, "segments": {"date": "2026-05-04"},
     "metrics": {"impressions": "10", "clicks": "2", "costMicros": "1230000", "conversions": 1,
                 "interactions": "2"}},
    # clicks, conversions and interactions are zero: left out
    {**_METRIC_ROW, "segments": {"date": "2026-05-05"},
     "metrics": {"impressions": "7", "costMicros": "500000"}},
    {**_METRIC_ROW, "segments": {"date": "2026-05-06"},
     "metrics": {"impressions": "3", "clicks": "1", "costMicros": "2000000",
                 "interactions": "1"}},
]

# -- HubSpot ------------------------------------------------------------------------------------
HUBSPOT_ACCOUNT = {
    "portalId": PORTAL_ID, "accountType": "STANDARD", "timeZone": "Europe/Stockholm",
    "companyCurrency": "SEK", "additionalCurrencies": ["EUR", "USD"], "utcOffset": "+02:00",
    "utcOffsetMilliseconds": 7200000, "uiDomain": "app-eu1.hubspot.com",
    "dataHostingLocation": "eu1",
}
HUBSPOT_COMPANY_CURRENCY = {"currencyCode": "SEK", "currencyName": "Swedish Krona",
                            "createdAt": "2025-01-01T00:00:00.000Z",
                            "updatedAt": "2025-01-01T00:00:00.000Z"}
HUBSPOT_RATES = [
    {"id": "9101", "fromCurrencyCode": "EUR", "toCurrencyCode": "SEK", "conversionRate": 11.5,
     "effectiveAt": "2026-04-01T00:00:00Z", "visibleInUI": True,
     "createdAt": "2026-04-01T07:00:00.000Z", "updatedAt": "2026-04-01T07:00:00.000Z"},
    {"id": "9102", "fromCurrencyCode": "USD", "toCurrencyCode": "SEK", "conversionRate": 10.5,
     "effectiveAt": "2026-04-01T00:00:00.000Z", "visibleInUI": True,
     "createdAt": "2026-04-01T07:00:00.000Z", "updatedAt": "2026-04-01T07:00:00.000Z"},
    {"id": "9103", "fromCurrencyCode": "EUR", "toCurrencyCode": "SEK",
     "conversionRate": 11.1234565, "effectiveAt": "2026-05-05T00:00:00.000Z",
     "visibleInUI": True, "createdAt": "2026-05-05T07:00:00.000Z",
     "updatedAt": "2026-05-05T07:00:00.000Z"},
    {"id": "9104", "fromCurrencyCode": "USD", "toCurrencyCode": "SEK",
     "conversionRate": 9.87654321, "effectiveAt": "2026-05-06T00:00:00.000Z",
     "visibleInUI": True, "createdAt": "2026-05-06T07:00:00.000Z",
     "updatedAt": "2026-05-06T07:00:00.000Z"},
]
HUBSPOT_USERS = [
    {"id": "8001", "email": "anna@example.se", "roleIds": ["51"], "primaryTeamId": "61",
     "secondaryTeamIds": [], "superAdmin": False},
    {"id": "8002", "email": "bo@example.se", "roleId": "52", "superAdmin": True},
    {"id": "8003", "email": "cia@example.se", "superAdmin": False},  # no role, no team
]
HUBSPOT_TEAMS = [{"id": "61", "name": "Nordics", "userIds": ["8001"], "secondaryUserIds": []}]


def _contact(contact_id: str, created: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"id": contact_id, "createdAt": created, "updatedAt": "2026-05-06T16:00:00.000Z",
            "archived": False,
            "properties": {"hs_object_id": contact_id, "createdate": created,
                           "lastmodifieddate": "2026-05-06T16:00:00.000Z", **properties}}


HUBSPOT_CONTACTS = [
    _contact("501", "2026-05-04T08:03:00.000Z", {
        "email": "alice@example.com", "firstname": "Alice", "lastname": "Ek",
        "lifecyclestage": "customer", "hs_lifecyclestage_lead_date": "2026-05-04T08:03:00.000Z",
        "hs_lifecyclestage_customer_date": "2026-05-04T22:30:00.000Z",
        "hs_analytics_source": "PAID_SOCIAL"}),
    _contact("502", "2026-05-05T22:31:00.000Z", {
        "email": "bertil@example.com", "firstname": "Bertil", "lastname": None,
        "lifecyclestage": "lead", "hs_lifecyclestage_lead_date": "2026-05-05T22:31:00.000Z",
        "hs_lifecyclestage_customer_date": None, "hs_analytics_source": "PAID_SOCIAL"}),
    _contact("503", "2026-05-04T14:05:00.000Z", {
        "email": "cecilia@example.com", "firstname": "Cecilia", "lastname": "Lund",
        "lifecyclestage": "customer", "hs_lifecyclestage_lead_date": "2026-05-04T14:05:00.000Z",
        "hs_lifecyclestage_customer_date": "2026-05-06T15:00:00.000Z",
        "hs_analytics_source": "PAID_SEARCH"}),
    # most properties absent or null
    _contact("504", "2026-05-05T09:01:00.000Z", {
        "email": None, "firstname": "Dag", "lifecyclestage": "subscriber"}),
]
HUBSPOT_DEALS = [
    {"id": "701", "createdAt": "2026-05-04T12:00:00.000Z",
     "updatedAt": "2026-05-04T22:30:00.000Z", "archived": False,
     "properties": {"hs_object_id": "701", "dealname": "Alice's order", "amount": "100",
                    "deal_currency_code": "EUR", "dealstage": "closedwon",
                    "pipeline": "default", "closedate": "2026-05-04T22:30:00.000Z",
                    "createdate": "2026-05-04T12:00:00.000Z",
                    "hs_lastmodifieddate": "2026-05-04T22:30:00.000Z"}},
    # no deal_currency_code: the deal is in the company currency
    {"id": "702", "createdAt": "2026-05-05T13:00:00.000Z",
     "updatedAt": "2026-05-06T15:00:00.000Z", "archived": False,
     "properties": {"hs_object_id": "702", "dealname": "Cecilia's order", "amount": "2500.50",
                    "dealstage": "closedwon", "pipeline": "default",
                    "closedate": "2026-05-06T15:00:00.000Z",
                    "createdate": "2026-05-05T13:00:00.000Z",
                    "hs_lastmodifieddate": "2026-05-06T15:00:00.000Z"}},
    # an open deal: amount and close date empty
    {"id": "703", "createdAt": "2026-05-06T09:00:00.000Z",
     "updatedAt": "2026-05-06T09:00:00.000Z", "archived": False,
     "properties": {"hs_object_id": "703", "dealname": "Maybe", "amount": None,
                    "dealstage": "appointmentscheduled", "pipeline": "default",
                    "closedate": None, "createdate": "2026-05-06T09:00:00.000Z",
                    "hs_lastmodifieddate": "2026-05-06T09:00:00.000Z"}},
]
# deal id -> associated contact ids (v4 batch read)
HUBSPOT_DEAL_CONTACTS = {"701": [501], "702": [503]}

_SHOP = "https://shop.example.se"
HUBSPOT_PAGE_VIEWS = [
    # occurredAt as ISO 8601
    {"objectType": "CONTACT", "objectId": "501", "eventType": "e_visited_page",
     "occurredAt": "2026-05-04T08:00:00.000Z", "id": "pv-1",
     "properties": {"hs_url": f"{_SHOP}/spring?{FB_TRACKING_4001}&fbclid=IwAR0abc",
                    "hs_referrer": "https://l.facebook.com/", "hs_session_id": "s-501"}},
    {"objectType": "CONTACT", "objectId": "501", "eventType": "e_visited_page",
     "occurredAt": "2026-05-04T08:02:00.000Z", "id": "pv-2",
     "properties": {"hs_url": f"{_SHOP}/contact",
                    "hs_referrer": f"{_SHOP}/spring?{FB_TRACKING_4001}&fbclid=IwAR0abc",
                    "hs_session_id": "s-501"}},
    {"objectType": "CONTACT", "objectId": "503", "eventType": "e_visited_page",
     "occurredAt": "2026-05-04T14:00:00.000Z", "id": "pv-3",
     "properties": {"hs_url": f"{_SHOP}/?{GOOGLE_CLICK}&gclid=Cj0KCQabc",
                    "hs_referrer": "https://www.google.com/", "hs_session_id": "s-503"}},
    # a direct visit: no hs_referrer
    {"objectType": "CONTACT", "objectId": "504", "eventType": "e_visited_page",
     "occurredAt": "2026-05-05T09:00:00.000Z", "id": "pv-4",
     "properties": {"hs_url": f"{_SHOP}/", "hs_session_id": "s-504-a"}},
    {"objectType": "CONTACT", "objectId": "502", "eventType": "e_visited_page",
     "occurredAt": "2026-05-05T22:30:00.000Z", "id": "pv-5",
     "properties": {"hs_url": f"{_SHOP}/sale?{FB_TRACKING_4002}&fbclid=IwAR0def",
                    "hs_referrer": "https://m.facebook.com/", "hs_session_id": "s-502"}},
    # Dag clicks the Google ad a day after converting
    {"objectType": "CONTACT", "objectId": "504", "eventType": "e_visited_page",
     "occurredAt": "2026-05-06T10:00:00.000Z", "id": "pv-6",
     "properties": {"hs_url": f"{_SHOP}/?{GOOGLE_CLICK}&gclid=Cj0KCQdef",
                    "hs_referrer": "https://www.google.com/", "hs_session_id": "s-504-b"}},
]
_FORM = "3f1c9d2e-7b4a-4c1e-9a55-0d6e2f8b1a77"
HUBSPOT_FORM_SUBMISSIONS = [
    # occurredAt as epoch milliseconds
    {"objectType": "CONTACT", "objectId": "501", "eventType": "e_submitted_form",
     "occurredAt": 1777881780000,  # 2026-05-04T08:03:00Z
     "id": "fs-1", "properties": {"hs_form_id": _FORM, "hs_form_title": "Contact us",
                                  "hs_url": f"{_SHOP}/contact", "hs_session_id": "s-501"}},
    {"objectType": "CONTACT", "objectId": "503", "eventType": "e_submitted_form",
     "occurredAt": 1777903500000,  # 2026-05-04T14:05:00Z
     "id": "fs-2", "properties": {"hs_form_id": _FORM, "hs_url": f"{_SHOP}/",
                                  "hs_session_id": "s-503"}},
    {"objectType": "CONTACT", "objectId": "504", "eventType": "e_submitted_form",
     "occurredAt": 1777971660000,  # 2026-05-05T09:01:00Z
     "id": "fs-3", "properties": {"hs_form_id": _FORM, "hs_url": f"{_SHOP}/",
                                  "hs_session_id": "s-504-a"}},
    {"objectType": "CONTACT", "objectId": "502", "eventType": "e_submitted_form",
     "occurredAt": 1778020260000,  # 2026-05-05T22:31:00Z
     "id": "fs-4", "properties": {"hs_form_id": _FORM, "hs_url": f"{_SHOP}/sale",
                                  "hs_session_id": "s-502"}},
]


# -- the server -------------------------------------------------------------------------------
def _instant_ms(value: str) -> int:
    """An ISO 8601 instant (`...Z`) or epoch milliseconds, as epoch milliseconds."""
    from datetime import datetime

    text = str(value)
    if text.isdigit():
        return int(text)
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _page(records: list, after: str | None, size: int) -> tuple[list, str | None]:
    """One page of `size` records from the offset `after`, and the next cursor (None: last)."""
    start = int(after or 0)
    end = start + size
    return records[start:end], (str(end) if end < len(records) else None)


class _Vendors:
    """Facebook, Google Ads and HubSpot from the payloads above, answering a `Loopback` on
    `base_url` (its paging links point there). A request the payloads do not cover, or a bug
    here, is kept in `unexpected` rather than only answered 404 or 500."""

    def __init__(self) -> None:
        self.base_url = ""
        self.unexpected: list[str] = []

    def answer(self, request: Request) -> tuple[int, Any]:
        headers = {name.lower(): value for name, value in request.headers.items()}
        if not headers.get("authorization", "").startswith("Bearer "):
            return 401, {"status": "error", "message": "no bearer token",
                         "category": "INVALID_AUTHENTICATION"}
        try:
            status, answer = self.route(request.method, request.path, request.query,
                                        request.body, headers)
        except Exception as exc:  # a bug here must show, not hang the client
            self.unexpected.append(f"{request.method} {request.path}: {exc!r}")
            return 500, {"error": repr(exc)}
        if status == 404:
            self.unexpected.append(f"{request.method} {request.path} {request.query}")
        return status, answer

    def route(self, method: str, path: str, query: dict, body: Any,
              headers: dict[str, str]) -> tuple[int, Any]:
        if path.startswith("/v21.0/"):
            return self.facebook(method, path, query)
        if path.startswith("/v21/customers/"):
            return self.google(method, path, body, headers)
        return self.hubspot(method, path, query, body)

    # Graph: `limit` + `after` from `paging.cursors`; `paging.next` absent on the last page.
    def facebook(self, method: str, path: str, query: dict) -> tuple[int, Any]:
        if method != "GET":
            return 404, {}
        if path == f"/v21.0/act_{FB_ACCOUNT}":
            return 200, FB_ACCOUNT_BODY
        match = re.fullmatch(rf"/v21\.0/act_{FB_ACCOUNT}/(campaigns|adsets|ads|insights)", path)
        if not match:
            return 404, {"error": {"message": "Unknown path", "type": "OAuthException",
                                   "code": 803}}
        edge = match.group(1)
        if edge == "insights":
            assert query.get("level") == "ad" and query.get("time_increment") == "1", query
            window = json.loads(query["time_range"])
            records = [r for r in FB_INSIGHTS
                       if window["since"] <= r["date_start"] <= window["until"]]
            size = 3  # pages of 3 rows: 4 rows come in 2 pages
        else:
            records = {"campaigns": FB_CAMPAIGNS, "adsets": FB_AD_SETS, "ads": FB_ADS}[edge]
            size = 1
        data, after = _page(records, query.get("after"), size)
        start = int(query.get("after") or 0)
        paging: dict[str, Any] = {"cursors": {"before": f"b{start}",
                                              "after": after or f"{start + len(data)}"}}
        if after is not None:
            paging["next"] = f"{self.base_url}{path}?limit={query.get('limit')}&after={after}"
        return 200, {"data": data, "paging": paging} if data else {"data": []}

    # Google: googleAds:search with GAQL; `nextPageToken` until the last page.
    def google(self, method: str, path: str, body: Any,
               headers: dict[str, str]) -> tuple[int, Any]:
        if method != "POST" or path != f"/v21/customers/{GOOGLE_CUSTOMER}/googleAds:search":
            return 404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}
        assert headers.get("developer-token"), "no developer-token header"
        gaql = body["query"]
        resource = re.search(r"\bFROM\s+(\w+)", gaql).group(1)
        if "segments.date" in gaql:
            since, until = re.search(
                r"segments\.date BETWEEN '([\d-]+)' AND '([\d-]+)'", gaql).groups()
            rows = [r for r in GOOGLE_METRICS if since <= r["segments"]["date"] <= until] \
                if resource == "ad_group_ad" else GOOGLE_ROWS[resource]
            size = 2
        else:
            rows = GOOGLE_ROWS[resource]
            size = 10_000
        token = body.get("pageToken")
        page, after = _page(rows, token and token.removeprefix("tok-"), size)
        answer: dict[str, Any] = {
            "fieldMask": ",".join(re.findall(r"[a-z_]+(?:\.[a-z_]+)+",
                                             gaql.split(" FROM ")[0])),
            "requestId": "hw-req-1", "queryResourceConsumption": "120"}
        if page:  # a query matching no rows has no `results` key
            answer["results"] = page
        if after is not None:
            answer["nextPageToken"] = f"tok-{after}"
        return 200, answer

    # HubSpot: `limit` / `after` with `paging.next.after`.
    def hubspot(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        def paged(records: list, size: int) -> dict[str, Any]:
            page, after = _page(records, query.get("after"), size)
            answer: dict[str, Any] = {"results": page}
            if after is not None:
                answer["paging"] = {"next": {"after": after,
                                             "link": f"{self.base_url}{path}?after={after}"}}
            return answer

        if method == "GET":
            if path == "/account-info/v3/details":
                return 200, HUBSPOT_ACCOUNT
            if path == "/settings/v3/currencies/company-currency":
                return 200, HUBSPOT_COMPANY_CURRENCY
            if path == "/settings/v3/currencies/exchange-rates":
                return 200, paged(HUBSPOT_RATES, 3)
            if path == "/settings/v3/users":
                return 200, paged(HUBSPOT_USERS, 2)
            if path == "/settings/v3/users/teams":
                return 200, {"results": HUBSPOT_TEAMS}
            if path == "/crm/v3/objects/contacts":
                return 200, paged(HUBSPOT_CONTACTS, 3)
            if path == "/crm/v3/objects/deals":
                return 200, paged(HUBSPOT_DEALS, 2)
            if path == "/events/v3/events":
                events = {"e_visited_page": HUBSPOT_PAGE_VIEWS,
                          "e_submitted_form": HUBSPOT_FORM_SUBMISSIONS}[query["eventType"]]
                after, before = (_instant_ms(query["occurredAfter"]),
                                 _instant_ms(query["occurredBefore"]))
                inside = [e for e in events if after < _instant_ms(e["occurredAt"]) < before]
                return 200, paged(inside, 2)
        if method == "POST":
            match = re.fullmatch(r"/crm/v3/objects/(contacts|deals)/search", path)
            if match:  # not used on a first run; every record modified since the filter
                records = HUBSPOT_CONTACTS if match.group(1) == "contacts" else HUBSPOT_DEALS
                return 200, {"total": len(records), "results": records}
            if path == "/crm/v4/associations/deals/contacts/batch/read":
                results, errors = [], []
                for item in body["inputs"]:
                    targets = HUBSPOT_DEAL_CONTACTS.get(item["id"])
                    if targets:
                        results.append({"from": {"id": item["id"]}, "to": [
                            {"toObjectId": t, "associationTypes": [
                                {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]}
                            for t in targets]})
                    else:  # HubSpot answers 207 Multi-Status with an error per such id
                        errors.append({
                            "status": "error", "category": "OBJECT_NOT_FOUND",
                            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                            "message": f"No contacts are associated with deal {item['id']}.",
                            "context": {"fromObjectId": [item["id"]]}})
                answer = {"status": "COMPLETE", "results": results,
                          "startedAt": "2026-05-07T00:00:00.000Z",
                          "completedAt": "2026-05-07T00:00:00.100Z"}
                if errors:
                    answer.update(numErrors=len(errors), errors=errors)
                return (207 if errors else 200), answer
        return 404, {"status": "error", "message": "Not found", "category": "OBJECT_NOT_FOUND"}


# -- the test -----------------------------------------------------------------------------------
def _configure(base_url: str, folder: Path, monkeypatch) -> Path:
    for key in [k for k in os.environ if k.startswith("SOURCES__")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("ADS_ANALYTICS_COMPANY_CURRENCY", raising=False)
    monkeypatch.delenv("ADS_ANALYTICS_PORTAL_TIME_ZONE", raising=False)
    settings = {
        "SOURCES__FACEBOOK_ADS__BASE_URL": base_url,
        "SOURCES__FACEBOOK_ADS__ACCESS_TOKEN": "EAAB-handwritten",
        "SOURCES__FACEBOOK_ADS__ACCOUNT_IDS": '["act_1010"]',
        "SOURCES__FACEBOOK_ADS__START_DATE": "2026-05-04",
        "SOURCES__FACEBOOK_ADS__END_DATE": "2026-05-06",
        "SOURCES__GOOGLE_ADS__BASE_URL": base_url,
        "SOURCES__GOOGLE_ADS__ACCESS_TOKEN": "ya29.handwritten",
        "SOURCES__GOOGLE_ADS__DEVELOPER_TOKEN": "dev-handwritten",
        "SOURCES__GOOGLE_ADS__CUSTOMER_IDS": '["123-456-7890"]',
        "SOURCES__GOOGLE_ADS__START_DATE": "2026-05-04",
        "SOURCES__GOOGLE_ADS__END_DATE": "2026-05-06",
        "SOURCES__HUBSPOT__BASE_URL": base_url,
        "SOURCES__HUBSPOT__ACCESS_TOKEN": "pat-eu1-handwritten",
        "SOURCES__HUBSPOT__START_DATE": "2026-05-03",
        "SOURCES__HUBSPOT__END_DATE": "2026-05-07",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", str(folder / "dagster_home"))
    warehouse = folder / "warehouse.duckdb"
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    return warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow(minutes=1)
def test_handwritten_advertiser_end_to_end(tmp_path, monkeypatch, capsys):
    vendors = _Vendors()
    with Loopback(vendors.answer) as server:
        vendors.base_url = server.base_url
        warehouse = _configure(server.base_url, tmp_path, monkeypatch)
        code = main(["--warehouse", str(warehouse), "run"])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert ("Sources: facebook_ads, google_ads, hubspot connected; linkedin_ads not connected "
            "(no configuration: nothing loaded).") in out
    assert vendors.unexpected == []
    # LinkedIn was never asked anything
    assert not [r for r in server.requests if r.path.startswith("/rest/")]

    # The portal's settings, as the overview labels them and dim_portal records them.
    assert "money in SEK (portal); days in Europe/Stockholm (portal)" in out
    assert _rows(warehouse, """
        select company_currency_code, company_currency_source, time_zone, time_zone_source
        from marts.dim_portal""") == [("SEK", "portal", "Europe/Stockholm", "portal")]

    # Spend per ad-day, native and in SEK (see the table at the top).
    got = _rows(warehouse, """
        select network, ad_id, cast(date_day as varchar), spend, spend_company_currency,
               clicks, impressions, sessions
        from marts.fct_ad_performance_daily order by network, ad_id, date_day""")
    d = Decimal
    assert [(n, a, day, d(str(s)), d(str(c)), k, i, v)
            for n, a, day, s, c, k, i, v in got] == [
        ("facebook", "4001", "2026-05-04", d("1.5"), d("17.250000"), 4, 120, 1),
        ("facebook", "4001", "2026-05-05", d("1.00"), d("11.123457"), 0, 80, 0),
        ("facebook", "4002", "2026-05-05", d("0.99"), d("11.012222"), 1, 40, 0),
        ("facebook", "4002", "2026-05-06", d("10.01"), d("111.345800"), 0, 200, 1),
        ("google", "333", "2026-05-04", d("1.23"), d("12.915000"), 2, 10, 1),
        ("google", "333", "2026-05-05", d("0.5"), d("5.250000"), 0, 7, 0),
        ("google", "333", "2026-05-06", d("2"), d("19.753086"), 1, 3, 1),
    ]

    # Every ad is tracked, whichever home its tracking has; the RSA is named by type and id.
    assert _rows(warehouse, """
        select network, ad_id, ad_name, is_tracked from marts.dim_ads
        order by network, ad_id""") == [
        ("facebook", "4001", "Spring video", True),
        ("facebook", "4002", "Spring dynamic", True),
        ("google", "333", "RESPONSIVE_SEARCH_AD 333", True),
    ]
    # The Google customer without a descriptive name is named by its id.
    assert _rows(warehouse, """
        select network, ad_account_id, ad_account_name, currency_code, time_zone,
               is_time_zone_aligned
        from marts.dim_ad_accounts order by network""") == [
        ("facebook", "1010", "Nordic Shoes (FB)", "EUR", "Europe/Stockholm", True),
        ("google", "1234567890", "1234567890", "USD", "America/New_York", False),
    ]

    # A user's role: the first of roleIds, else roleId, else none.
    assert _rows(warehouse, """
        select user_id, role_id, primary_team_id from staging.stg_hubspot__users
        order by user_id""") == [("8001", "51", "61"), ("8002", "52", None),
                                 ("8003", None, None)]

    # first_form_submission: each contact to the ad that started its first submission's
    # session; Dag (504) converted in a direct session and is credited to no ad.
    assert _rows(warehouse, """
        select contact_id, network, ad_id, credit from marts.fct_contact_attribution
        where attribution_model = 'first_form_submission' order by contact_id""") == [
        ("501", "facebook", "4001", 1.0),
        ("502", "facebook", "4002", 1.0),
        ("503", "google", "333", 1.0),
    ]

    # Closed-won revenue in SEK: 701 closed on 2026-05-05 in Stockholm (22:30 UTC the day
    # before), so 100 EUR x 11.1234565 = 1112.345650; 702 has no currency, so it is SEK at 1:
    # 2500.500000.
    got = _rows(warehouse, """
        select deal_id, network, ad_id, currency_code, amount_company_currency,
               revenue_company_currency
        from marts.fct_deal_attribution
        where attribution_model = 'first_form_submission' order by deal_id""")
    assert [(i, n, a, c, d(str(x)), d(str(r))) for i, n, a, c, x, r in got] == [
        ("701", "facebook", "4001", "EUR", d("1112.345650"), d("1112.345650")),
        ("702", "google", "333", "SEK", d("2500.500000"), d("2500.500000")),
    ]
