"""Pages read straight into Arrow equal the records decoded the exact way, value for value."""

from __future__ import annotations

import datetime as dt

import orjson
import pyarrow as pa
import pytest

from ingestion.common import jsonpage
from ingestion.common.arrow import to_table
from ingestion.common.http import ApiError
from ingestion.common.jsonpage import PageShape, concat_pages, parse_page
from ingestion.facebook_ads import settings as fb_settings
from ingestion.hubspot import settings as hs_settings
from ingestion.hubspot.helpers import event_table, instants
from ingestion.linkedin_ads import settings as li_settings
from ingestion.linkedin_ads.helpers import analytics_table

S = pa.string()
SHAPE = PageShape("data", {
    "id": S, "metrics__spend": S, "metrics__clicks": pa.int64(),
    "actions": pa.list_(pa.struct([("action_type", S), ("value", S)])),
})


def expected(body: bytes, shape: PageShape) -> dict[str, list]:
    """What the exact path gives: decode, `to_table`, every documented column present."""
    records = orjson.loads(body).get(shape.records) or []
    table = to_table(records, known=shape.column_types)
    out = table.to_pydict()
    for name in shape.column_types:
        out.setdefault(name, [None] * table.num_rows)
    return out


def fast_only(monkeypatch) -> None:
    def refuse(body, shape):
        raise AssertionError("the page was decoded the exact way")
    monkeypatch.setattr(jsonpage, "_read_exact", refuse)


BODIES = {
    "documented fields": b'{"data":[{"id":"1","metrics":{"spend":"10.41","clicks":3},'
                         b'"actions":[{"action_type":"lead","value":"1"}]}],'
                         b'"paging":{"cursors":{"after":"MQ"},"next":"https://x/y?after=MQ"}}',
    "fields missing, null parent, empty list": b'{"data":[{"id":"1"},{"id":"2","metrics":null,'
                                               b'"actions":[]},{"id":"3","metrics":{}}]}',
    "new scalar and nested fields": b'{"data":[{"id":"1","quality":"AVERAGE","flag":true,'
                                    b'"n":12,"extra":{"a":"x","b":{"c":5}},"tags":["a","b"]}]}',
    "escapes and unicode": b'{"data":[{"id":"\\u00e9\\"q\\"\\\\","actions":'
                           b'[{"action_type":"caf\xc3\xa9 \\n","value":"1"}]}]}',
    "no records": b'{"data":[]}',
    "null records": b'{"data":null,"summary":{"total":0}}',
    "pretty printed": b'{\n  "data": [\n    {"id": "1", "metrics": {"spend": "2"}}\n  ]\n}\n',
}


@pytest.mark.parametrize("name", list(BODIES))
def test_arrow_reading_equals_exact_decoding(name, monkeypatch):
    body = BODIES[name]
    fast_only(monkeypatch)
    page = parse_page(body, SHAPE)
    assert page.records.to_pydict() == expected(body, SHAPE)
    document = orjson.loads(body)
    assert page.envelope == {k: v for k, v in document.items() if k != "data"}


def test_documented_list_lands_as_the_json_text_orjson_writes(monkeypatch):
    fast_only(monkeypatch)
    page = parse_page(BODIES["documented fields"], SHAPE)
    assert page.records.column("actions").to_pylist() == ['[{"action_type":"lead","value":"1"}]']
    assert page.records.schema.field("actions").type == pa.string()
    assert page.records.schema.field("metrics__clicks").type == pa.int64()


@pytest.mark.parametrize("body, column, value", [
    # Arrow would read these as a timestamp and a double; the exact path keeps them as sent.
    (b'{"data":[{"id":"1","launched":"2025-01-01"}]}', "launched", "2025-01-01"),
    (b'{"data":[{"id":"1","big":12345678901234567890}]}', "big", "12345678901234567890"),
    (b'{"data":[{"id":"1","ratio":0.1}]}', "ratio", 0.1),
    # A documented string sent as a number is kept, as text.
    (b'{"data":[{"id":7}]}', "id", "7"),
    # A field that changes type between records is kept, as text.
    (b'{"data":[{"id":"1","v":1},{"id":"2","v":"x"}]}', "v", "1"),
])
def test_values_arrow_would_change_are_kept_as_delivered(body, column, value):
    page = parse_page(body, SHAPE)
    assert page.records.column(column)[0].as_py() == value
    assert page.records.to_pydict() == expected(body, SHAPE)


@pytest.mark.parametrize("body", [b'{"data":[{"id":"1"}', b"<html>busy</html>", b"[1, 2]",
                                  b'{"data":[]}\n{"data":[]}'])
def test_a_body_that_is_not_one_json_object_is_a_value_error(body):
    # ApiClient treats ValueError from a parser as a malformed page and asks again.
    with pytest.raises(ValueError):
        parse_page(body, SHAPE)


def test_facebook_insights_pages_take_the_arrow_path(monkeypatch):
    fast_only(monkeypatch)
    body = orjson.dumps({"data": [
        {"account_id": "1", "campaign_id": "2", "adset_id": "3", "ad_id": "4",
         "impressions": "835", "clicks": "9", "inline_link_clicks": "7", "spend": "10.41",
         "actions": [{"action_type": "link_click", "value": "7"}],
         "date_start": "2025-01-01", "date_stop": "2025-01-01"}],
        "paging": {"cursors": {"before": "MA", "after": "MA"}}})
    page = parse_page(body, fb_settings.INSIGHTS_PAGE)
    row = page.records.to_pylist()[0]
    assert row["spend"] == "10.41" and row["date_start"] == "2025-01-01"
    assert row["actions"] == '[{"action_type":"link_click","value":"7"}]'


def test_concat_pages_joins_pages_and_unifies_columns():
    pages = [pa.table({"a": ["1", "2"]}), pa.table({"a": ["3"], "b": pa.nulls(1)}),
             pa.table({"a": ["4"], "b": ["x"]}), pa.table({"a": pa.array([], S)})]
    tables = list(concat_pages(pages, max_rows=3))
    assert [t.num_rows for t in tables] == [3, 1]
    assert tables[0].column("b").to_pylist() == [None, None, None]
    # Columns that cannot be unified (text in one page, numbers in the next) stay apart.
    clash = list(concat_pages([pa.table({"v": ["x"]}), pa.table({"v": [1]})], max_rows=10))
    assert [t.column("v").to_pylist() for t in clash] == [["x"], [1]]


def test_linkedin_analytics_keys_come_from_pivot_values_and_date_range(monkeypatch):
    fast_only(monkeypatch)
    body = orjson.dumps({"paging": {"start": 0, "count": 10, "links": []}, "elements": [
        {"impressions": 287, "clicks": 0, "costInLocalCurrency": "2.52",
         "dateRange": {"start": {"year": 2025, "month": 1, "day": 5},
                       "end": {"year": 2025, "month": 1, "day": 5}},
         "pivotValues": ["urn:li:sponsoredCreative:1000293008"]}]})
    table = analytics_table(parse_page(body, li_settings.ANALYTICS_PAGE).records, "507")
    row = table.to_pylist()[0]
    assert (row["account_id"], row["creative_urn"], row["date"]) == (
        "507", "urn:li:sponsoredCreative:1000293008", "2025-01-05")
    assert row["pivotValues"] == '["urn:li:sponsoredCreative:1000293008"]'
    assert row["costInLocalCurrency"] == "2.52"


def test_linkedin_element_without_its_keys_is_an_error_naming_the_account():
    body = orjson.dumps({"elements": [{"impressions": 1, "pivotValues": []}]})
    records = parse_page(body, li_settings.ANALYTICS_PAGE).records
    with pytest.raises(ApiError, match="account 507.*lack pivotValues or dateRange"):
        analytics_table(records, "507")


def test_hubspot_events_lift_properties_and_parse_both_instant_forms():
    body = orjson.dumps({"results": [
        {"objectType": "CONTACT", "objectId": "11", "eventType": "e_visited_page",
         "occurredAt": "2025-01-01T00:00:03.250Z", "id": "1",
         "properties": {"hs_url": "https://a.example/x", "hs_session_id": "9"}},
        {"objectType": "CONTACT", "objectId": "12", "eventType": "e_visited_page",
         "occurredAt": 1735689603000, "id": "2", "properties": {"hs_url": "https://b"}}],
        "paging": {"next": {"after": "2"}}})
    page = parse_page(body, hs_settings.PAGE_VIEW_PAGE)
    assert page.envelope == {"paging": {"next": {"after": "2"}}}
    rows = event_table(page.records).to_pylist()
    assert rows[0]["hs_url"] == "https://a.example/x" and rows[0]["hs_session_id"] == "9"
    assert rows[1]["hs_referrer"] is None
    assert [r["occurred_at_utc"] for r in rows] == [
        dt.datetime(2025, 1, 1, 0, 0, 3, 250000, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, 0, 0, 3, tzinfo=dt.UTC)]
    assert not any(name.startswith("properties__") for name in rows[0])


def test_instants_match_parse_instant_for_a_zone_offset():
    values = pa.chunked_array([["2025-03-01T10:00:00.000+02:00", None]])
    assert instants(values).to_pylist() == [
        dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC), None]
