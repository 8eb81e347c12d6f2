"""RunCursor: a stream's position as a value, and client.resume re-attaching from it."""

from __future__ import annotations

import json
import string
from typing import Any, Dict, List

import pytest
from _support import FAST_RECONNECT
from hypothesis import given
from hypothesis import strategies as st

from agentos_sync import AgentOSClient, RunCursor, errors, events
from agentos_sync.testing import FakeAgentOS, FakeTransport

LONG = " ".join(f"tok{i}" for i in range(20))


def new_client(fake: FakeAgentOS) -> AgentOSClient:
    return AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=FAST_RECONNECT)


def content_of(evs: List[events.RunEvent]) -> str:
    return "".join(str(e.content) for e in evs if isinstance(e, events.RunContentEvent))


cursors = st.builds(
    RunCursor,
    kind=st.sampled_from(["agent", "team", "workflow"]),
    entity_id=st.text(min_size=1, max_size=40),
    run_id=st.text(min_size=1, max_size=40),
    session_id=st.none() | st.text(min_size=1, max_size=40),
    last_event_index=st.none() | st.integers(min_value=0, max_value=2**62),
)


@given(cursors)
def test_a_cursor_round_trips_through_its_string_and_its_json(cursor: RunCursor) -> None:
    text = cursor.to_string()
    assert RunCursor.from_string(text) == cursor
    assert str(cursor) == text
    assert set(text) <= set(string.ascii_letters + string.digits + "-_.")  # safe in URLs and headers
    assert RunCursor.from_json(json.loads(json.dumps(cursor.to_json()))) == cursor


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": "robot"}, "kind"),
        ({"entity_id": ""}, "entity_id"),
        ({"run_id": None}, "run_id"),
        ({"session_id": ""}, "session_id"),
        ({"last_event_index": -1}, "last_event_index"),
        ({"last_event_index": True}, "last_event_index"),
        ({"last_event_index": "4"}, "last_event_index"),
    ],
)
def test_a_cursor_refuses_bad_fields_naming_them(fields: Dict[str, Any], problem: str) -> None:
    base: Dict[str, Any] = {"kind": "agent", "entity_id": "a", "run_id": "r", "session_id": "s", "last_event_index": 3}
    with pytest.raises(ValueError, match=problem):
        RunCursor(**{**base, **fields})
    with pytest.raises(ValueError, match=problem):
        RunCursor.from_json({**base, **fields})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "must start with"),
        ("4", "must start with"),
        ("rc1.!!!!", "corrupt"),
        ("rc1." + "A" * 3000, "at most"),
        ("rc1.bnVsbA", "5 fields"),  # base64 of "null"
        ("rc1.WyJ4IiwiYSIsInIiLG51bGwsbnVsbF0", "unknown kind"),  # ["x","a","r",null,null]
        ("rc1.WyJhIiwiYSIsIiIsbnVsbCxudWxsXQ", "run_id"),  # ["a","a","",null,null]
    ],
)
def test_a_bad_cursor_string_is_a_value_error_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        RunCursor.from_string(text)


def test_cursor_json_with_unknown_or_missing_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fields: colour"):
        RunCursor.from_json({"kind": "agent", "entity_id": "a", "run_id": "r", "colour": "red"})
    with pytest.raises(ValueError, match="lacks run_id"):
        RunCursor.from_json({"kind": "agent", "entity_id": "a"})
    with pytest.raises(ValueError, match="object"):
        RunCursor.from_json(["agent"])  # type: ignore[arg-type]


def test_stream_cursor_follows_the_last_delivered_event(fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG)
    client = new_client(fake)
    stream = client.run_agent_stream("assistant", "go", background=True, session_id="s1")
    with pytest.raises(errors.StreamError, match="first event"):
        stream.cursor  # noqa: B018 - the property raises
    for ev in stream:
        cursor = stream.cursor
        assert (cursor.kind, cursor.entity_id, cursor.run_id, cursor.session_id) == (
            "agent",
            "assistant",
            ev.run_id,
            "s1",
        )
        assert cursor.last_event_index == ev.event_index


def test_a_foreground_stream_has_no_cursor(client: AgentOSClient) -> None:
    stream = client.run_agent_stream("assistant", "hi")
    next(stream)
    with pytest.raises(errors.StreamError, match="foreground"):
        stream.cursor  # noqa: B018 - the property raises
    stream.close()


@pytest.mark.parametrize("taken_after", [1, 5, 12])
def test_resume_from_a_cursor_in_another_client_yields_exactly_what_follows(
    fake: FakeAgentOS, taken_after: int
) -> None:
    fake.add_agent("assistant", reply=LONG)
    first = new_client(fake)
    stream = first.run_agent_stream("assistant", "go", background=True)
    seen = [next(stream) for _ in range(taken_after)]
    saved = stream.cursor.to_string()
    stream.close()  # the process that streamed it "dies" here

    rest = list(new_client(fake).resume(saved))
    assert [e.event_index for e in seen + rest] == list(range(len(seen) + len(rest)))
    assert not any(isinstance(e, events.StreamMetaEvent) for e in rest)
    assert content_of(seen + rest) == LONG
    assert sum(isinstance(e, events.RunCompletedEvent) for e in rest) == 1
    assert fake.run_count("assistant") == 1


def test_resume_can_show_the_servers_meta_events(fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG)
    client = new_client(fake)
    stream = client.run_agent_stream("assistant", "go", background=True)
    next(stream)
    evs = list(client.resume(stream.cursor, include_meta=True))
    assert isinstance(evs[0], events.StreamMetaEvent)


def test_resume_of_a_finished_run_from_its_last_event_ends_at_once_with_its_output(fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG)
    client = new_client(fake)
    stream = client.run_agent_stream("assistant", "go", background=True)
    list(stream)
    again = client.resume(stream.cursor)
    assert list(again) == []
    assert again.get_final_output().content == LONG


def test_resume_of_teams_and_workflows_uses_their_kind(fake: FakeAgentOS) -> None:
    fake.add_agent("writer", reply=LONG).add_team("duo", members=["writer"]).add_workflow(
        "flow", steps=[("draft", "writer")]
    )
    client = new_client(fake)
    for open_stream in (
        lambda: client.run_team_stream("duo", "go", background=True),
        lambda: client.run_workflow_stream("flow", "go", background=True),
    ):
        stream = open_stream()
        head = [next(stream) for _ in range(2)]
        cursor = stream.cursor
        stream.close()
        rest = list(client.resume(cursor))
        assert cursor.kind in ("team", "workflow")
        indices = [e.event_index for e in head + rest]
        assert indices == sorted(set(indices))  # type: ignore[type-var]
        assert rest[-1].event in events.TERMINAL_EVENTS[cursor.kind]


def test_a_resumed_stream_survives_a_cut_and_keeps_its_cursor(fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG)
    client = new_client(fake)
    stream = client.run_agent_stream("assistant", "go", background=True)
    head = [next(stream) for _ in range(3)]
    cursor = stream.cursor
    stream.close()
    fake.faults.cut(after_events=4, path="/resume", method="POST")
    resumed = client.resume(cursor)
    rest = list(resumed)
    assert resumed.reconnects == 1
    assert content_of(head + rest) == LONG
    assert resumed.cursor.last_event_index == rest[-1].event_index


def test_resume_refuses_what_is_not_a_cursor(client: AgentOSClient) -> None:
    with pytest.raises(TypeError, match="RunCursor"):
        client.resume({"run_id": "r"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must start with"):
        client.resume("not a cursor")


def test_both_resumes_give_the_same_events_and_differ_only_in_the_meta_default(fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG)
    client = new_client(fake)
    stream = client.agents.stream("assistant", "go", background=True)
    [next(stream) for _ in range(3)]
    cursor = stream.cursor
    stream.close()

    def kinds(evs: List[events.RunEvent]) -> List[Any]:
        return [(type(e).__name__, e.event_index) for e in evs]

    by_ids = list(client.agents.resume("assistant", cursor.run_id, cursor.last_event_index, cursor.session_id))
    by_ids_plain = list(
        client.agents.resume("assistant", cursor.run_id, cursor.last_event_index, cursor.session_id, include_meta=False)
    )
    by_cursor = list(client.resume(cursor))
    by_cursor_meta = list(client.resume(cursor, include_meta=True))
    assert isinstance(by_ids[0], events.StreamMetaEvent) and isinstance(by_cursor_meta[0], events.StreamMetaEvent)
    # The run ended during the first resume, so the later ones get a replay, not a subscription:
    # the meta events' types differ by when they are asked, the run's events do not.
    run_events = [k for k in kinds(by_ids) if k[1] is not None]
    assert run_events == [k for k in kinds(by_cursor_meta) if k[1] is not None]
    assert kinds(by_ids_plain) == kinds(by_cursor) == run_events
    assert not any(isinstance(e, events.StreamMetaEvent) for e in by_cursor + by_ids_plain)
