"""The relays with cursor ids: each SSE frame's id is the run's cursor at that event, so the
browser's Last-Event-ID lets any process (any gunicorn worker) resume the run, keeping no state."""

from __future__ import annotations

import json
from typing import Any, List, Tuple

import flask
import pytest
from _support import FAST_RECONNECT

from agentos_sync import AgentOSClient, RunCursor
from agentos_sync.contrib import flask as flask_helpers
from agentos_sync.contrib._relay import SSERelay, encode_frame, parse_last_event_cursor
from agentos_sync.sse import iter_frames
from agentos_sync.testing import FakeAgentOS, FakeTransport

LONG = " ".join(f"w{i}" for i in range(15))


def frames(relay: SSERelay) -> List[Tuple[str, Any, Any]]:
    return [(f.event, json.loads(f.data), f.id) for f in iter_frames(relay)]


def new_client(fake: FakeAgentOS) -> AgentOSClient:
    return AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=FAST_RECONNECT)


def test_cursor_ids_name_the_run_at_each_event_and_resume_in_another_client(fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG)
    stream = new_client(fake).run_agent_stream("assistant", "go", background=True)
    relay = SSERelay(stream, cursor_ids=True, keepalive=None)
    first: List[Tuple[str, Any, Any]] = []
    for frame in frames(relay):
        first.append(frame)
        if len(first) == 6:
            break
    relay.close()  # the browser went away after 6 frames
    cursors = [RunCursor.from_string(fid) for _, _, fid in first]
    assert [c.last_event_index for c in cursors] == [data["event_index"] for _, data, _ in first]
    assert {c.run_id for c in cursors} == {stream.run_id} and {c.entity_id for c in cursors} == {"assistant"}

    # The browser reconnects to another worker with its Last-Event-ID.
    cursor = parse_last_event_cursor(first[-1][2])
    assert cursor is not None
    rest = frames(SSERelay(new_client(fake).resume(cursor), cursor_ids=True, keepalive=None))
    run_frames = [f for f in first + rest if f[0] != "end"]
    assert [d["event_index"] for _, d, _ in run_frames] == list(range(len(run_frames)))
    text = "".join(d.get("content", "") for e, d, _ in run_frames if e == "RunContent")
    assert text == LONG and rest[-1][0] == "end" and rest[-1][1]["terminal"] == "RunCompleted"
    assert fake.run_count("assistant") == 1


def test_a_missing_stale_or_forged_cursor_header_is_none_never_an_error() -> None:
    good = RunCursor("agent", "a", "r", "s", 3)
    values = [None, "", "7", "rc1.!!", "rc1." + "x" * 5000, good.to_string()]
    assert [parse_last_event_cursor(v) for v in values] == [None, None, None, None, None, good]


def test_a_string_frame_id_cannot_forge_another_field() -> None:
    assert encode_frame("RunContent", {}, "rc1.ab\nevent: x") == b"id: rc1.abevent: x\nevent: RunContent\ndata: {}\n\n"


def test_django_and_flask_read_the_cursor_from_the_header_or_the_query() -> None:
    from django.conf import settings
    from django.test import RequestFactory

    from agentos_sync.contrib.django import last_event_cursor

    if not settings.configured:  # run alone; with the Django tests, their settings are in place
        settings.configure()

    cursor = RunCursor("team", "duo", "r1", None, 9)
    factory = RequestFactory()
    assert last_event_cursor(factory.get("/s", HTTP_LAST_EVENT_ID=cursor.to_string())) == cursor
    assert last_event_cursor(factory.get("/s", {"cursor": cursor.to_string()})) == cursor
    assert last_event_cursor(factory.get("/s", HTTP_LAST_EVENT_ID="12")) is None
    app = flask.Flask("t")
    with app.test_request_context("/s", headers={"Last-Event-ID": cursor.to_string()}):
        assert flask_helpers.last_event_cursor() == cursor
    with app.test_request_context("/s", query_string={"cursor": cursor.to_string()}):
        assert flask_helpers.last_event_cursor() == cursor


@pytest.mark.parametrize("framework", ["django", "flask"])
def test_stream_response_passes_cursor_ids_to_the_relay(fake: FakeAgentOS, framework: str) -> None:
    fake.add_agent("assistant", reply=LONG)
    stream = new_client(fake).run_agent_stream("assistant", "go", background=True)
    if framework == "django":
        from agentos_sync.contrib.django import stream_response

        body = b"".join(stream_response(stream, cursor_ids=True, keepalive=None).streaming_content)
    else:
        with flask.Flask("t").test_request_context("/"):
            response = flask_helpers.stream_response(stream, cursor_ids=True, keepalive=None)
            body = b"".join(response.response)  # type: ignore[arg-type]
    ids = [f.id for f in iter_frames([body]) if f.event != "end"]
    assert ids and all(RunCursor.from_string(i).run_id == stream.run_id for i in ids)
