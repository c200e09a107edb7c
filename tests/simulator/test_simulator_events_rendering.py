"""HubSpot's event and object pages rendered column by column are the bytes the
record-by-record rendering gives (first, middle and last pages; ISO and epoch occurredAt)."""

from __future__ import annotations

from urllib.parse import parse_qs

import numpy as np
import orjson
import pytest

from simulator.apis import simulator_server
from simulator.hubspot import FORM_SUBMISSION_EVENT, PAGE_VIEW_EVENT
from simulator.jsonrows import rows_json
from simulator.protocol import Request


def events_request(query: str) -> Request:
    return Request(method="GET", path="/events/v3/events", query=parse_qs(query),
                   raw_query=query, headers={}, body=b"", base_url="http://127.0.0.1:1")


@pytest.mark.parametrize("event_type", [PAGE_VIEW_EVENT, FORM_SUBMISSION_EVENT])
@pytest.mark.parametrize("occurred_at_format", ["iso", "epoch_ms"])
def test_event_pages_rendered_by_column_are_the_records_bytes(world_s, event_type,
                                                               occurred_at_format):
    api = next(a for a in simulator_server(world_s).apis if a.name == "hubspot")
    api.occurred_at_format = occurred_at_format
    events = api._page_views if event_type == PAGE_VIEW_EVENT else api._form_submissions
    total = len(events.occurred_ms)
    assert total > 300
    for start in sorted({0, total // 2, total - 300}):
        query = f"objectType=contact&eventType={event_type}&limit=1000&after={start}"
        rendered = api._events(events_request(query)).encode()
        stop = min(total, start + 1_000)
        expected = {"results": api._render_events(events, start, stop)}
        if stop < total:
            expected["paging"] = api._next(events_request(query), stop)
        assert rendered == orjson.dumps(expected)
        assert isinstance(api._events(events_request(query)).body, bytes)


def test_new_field_event_pages_are_still_rendered_record_by_record(world_s):
    server = simulator_server(world_s)
    api = next(a for a in server.apis if a.name == "hubspot")
    query = f"objectType=contact&eventType={PAGE_VIEW_EVENT}&limit=50"
    server.faults.add(kind="new_field", api="hubspot", times=None)
    page = orjson.loads(api._events(events_request(query)).encode())
    assert all("objectWriteTraceId" in record for record in page["results"])


@pytest.mark.parametrize("object_type", ["contacts", "deals"])
def test_object_list_pages_rendered_by_column_are_the_records_bytes(world_s, object_type):
    api = next(a for a in simulator_server(world_s).apis if a.name == "hubspot")
    objects = api._objects(object_type)
    total = len(objects.ids)
    wanted = api._wanted(object_type, [",".join([*objects.properties, *objects.datetime_ms])])
    for start in sorted({0, total // 2, total - 40}):
        rendered = objects.render_json(start, min(total, start + 100), wanted)
        records = objects.render(np.arange(start, min(total, start + 100)), wanted, None)
        assert rendered is not None
        assert b"[" + rendered + b"]" == orjson.dumps(records)


def test_null_values_render_as_null_when_asked():
    columns = [(("id",), ["1", "2"]), (("properties", "amount"), ["3.5", None]),
               (("properties", "n"), [None, 4]), (("archived",), [False, True])]
    assert rows_json(columns) is None
    assert orjson.loads(b"[" + rows_json(columns, nulls=True) + b"]") == [
        {"id": "1", "properties": {"amount": "3.5", "n": None}, "archived": False},
        {"id": "2", "properties": {"amount": None, "n": 4}, "archived": True}]
