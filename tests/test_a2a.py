"""The sync A2A client (``client.a2a``, ``agentos_sync.a2a``) over the fake's A2A interface: the
agent card, blocking and non-blocking sends, typed stream events, get/cancel/wait, and a cut stream
that ends with the task the server stores, showing no event twice."""

from __future__ import annotations

from typing import Any, List

import pytest

from agentos_sync import AgentOSClient, errors
from agentos_sync.a2a import (
    A2AMessage,
    A2AStatusUpdate,
    A2ATask,
    A2AUnknownEvent,
    AgentCard,
    _event,
)

STREAM = "/a2a/agents/assistant/v1/message:stream"


def test_the_agent_card_names_the_agent_and_its_stream_url(client: AgentOSClient) -> None:
    card = client.a2a.agent_card("assistant")
    assert isinstance(card, AgentCard) and card.name == "Assistant"
    assert card.capabilities["streaming"] is True and (card.url or "").endswith(STREAM)
    assert client.a2a.get_agent_card("assistant") == card  # agno's A2AClient name
    with pytest.raises(errors.NotFoundError):
        client.a2a.agent_card("nobody")
    with pytest.raises(ValueError, match="kind must be one of"):
        client.a2a.agent_card("assistant", kind="agents")


def test_a_blocking_send_answers_the_finished_task(fake: Any, client: AgentOSClient) -> None:
    task = client.a2a.send("assistant", "What is 2 + 2?", context_id="ctx-1", user_id="u1")
    assert isinstance(task, A2ATask) and (task.status.state, task.text) == ("completed", "2 + 2 = 4.")
    assert task.context_id == "ctx-1" and fake.runs[task.id].user_id == "u1"
    again = client.a2a.send_message("assistant", "What is 2 + 2?", context_id="ctx-1")
    assert fake.sessions["ctx-1"].run_ids == [task.id, again.id]  # the context is the session


def test_a_non_blocking_send_is_submitted_then_waited_for(client: AgentOSClient) -> None:
    task = client.a2a.send("assistant", "What is 2 + 2?", blocking=False)
    assert task.status.state == "submitted" and task.context_id
    done = client.a2a.wait("assistant", task.id, task.context_id, timeout=5, poll_interval=0.01)
    assert (done.status.state, done.text) == ("completed", "2 + 2 = 4.")
    assert client.a2a.get_task("assistant", task.id, task.context_id or "").is_final


def test_a_stream_yields_typed_events_and_ends_with_the_task(client: AgentOSClient) -> None:
    with client.a2a.stream("assistant", "What is 2 + 2?") as stream:
        evs = list(stream)
    assert isinstance(evs[0], A2AStatusUpdate) and evs[0].status.state == "working"
    text = "".join(e.text for e in evs if isinstance(e, A2AMessage))
    assert text == "2 + 2 = 4."
    final = evs[-1]
    assert isinstance(final, A2ATask) and final.status.state == "completed" and final.text == text
    assert stream.task is final and not stream.recovered
    assert stream.task_id == final.id and stream.context_id == final.context_id


def test_a_cut_stream_ends_with_the_task_the_server_stores(fake: Any, client: AgentOSClient) -> None:
    fake.faults.cut(after_events=3, path=STREAM)
    with client.a2a.stream("assistant", "Tell me a long story", poll_interval=0.01) as stream:
        evs = list(stream)
    final = evs[-1]
    assert isinstance(final, A2ATask) and stream.recovered
    stored = client.a2a.get_task("assistant", final.id, final.context_id or "")
    assert (final.id, final.status.state, final.text) == (stored.id, stored.status.state, stored.text)
    assert final.status.state == "canceled"  # AgentOS cancels a foreground run whose client left
    pieces = [e.text for e in evs if isinstance(e, A2AMessage)]
    assert len(pieces) == 2 and "".join(pieces) == stored.text  # each piece once; nothing replayed
    assert len(evs) == 4


def test_a_stream_cut_before_its_first_event_finds_its_task_by_context(fake: Any, client: AgentOSClient) -> None:
    fake.faults.cut(after_bytes=5, path=STREAM)
    with client.a2a.stream("assistant", "What is 2 + 2?", context_id="ctx-cut", poll_interval=0.01) as stream:
        (only,) = list(stream)
    assert isinstance(only, A2ATask) and only.id == fake.sessions["ctx-cut"].run_ids[0]
    assert only.is_final and stream.recovered


def test_a_cut_workflow_stream_cannot_be_polled_and_says_so(fake: Any, client: AgentOSClient) -> None:
    fake.add_agent("writer")
    fake.add_workflow("pipeline", steps=[("draft", "writer")])
    fake.faults.cut(after_events=2, path="/a2a/workflows/pipeline/v1/message:stream")
    with pytest.raises(errors.StreamInterruptedError, match="no tasks:get for workflows"):
        list(client.a2a.stream("pipeline", "Write", kind="workflow"))


def test_cancel_and_get_task(fake: Any, client: AgentOSClient) -> None:
    task = client.a2a.send("assistant", "[tokens=5] go", blocking=False)
    assert client.a2a.cancel_task("assistant", task.id, task.context_id).status.state == "canceled"
    assert client.a2a.get_task("assistant", task.id, task.context_id or "").status.state == "canceled"
    with pytest.raises(errors.NotFoundError, match="Task not found"):
        client.a2a.get_task("assistant", "no-such-task", task.context_id or "")
    with pytest.raises(ValueError, match="context_id is required"):
        client.a2a.wait("assistant", task.id, None)


def test_an_unknown_event_type_is_kept_not_dropped() -> None:
    ev = _event("Future", b'{"id": "1", "jsonrpc": "2.0", "result": {"kind": "novel", "x": 1}}')
    assert isinstance(ev, A2AUnknownEvent) and ev.name == "Future" and ev.result == {"kind": "novel", "x": 1}
    with pytest.raises(errors.ProtocolError, match="JSON-RPC error"):
        _event("x", b'{"id": "1", "jsonrpc": "2.0", "error": {"code": -32000}}')


def test_a_team_streams_too(fake: Any, client: AgentOSClient) -> None:
    fake.add_agent("writer")
    fake.add_team("duo", members=["assistant", "writer"])
    evs: List[Any] = list(client.a2a.stream("duo", "Plan a trip", kind="team"))
    assert isinstance(evs[-1], A2ATask) and evs[-1].status.state == "completed"


def test_a_stream_cut_inside_its_headers_finds_its_task(fake: Any, client: AgentOSClient) -> None:
    fake.faults.cut_headers(path=STREAM, method="POST")
    with client.a2a.stream("assistant", "What is 2 + 2?", context_id="ctx-head", poll_interval=0.01) as stream:
        (only,) = list(stream)
    assert isinstance(only, A2ATask) and stream.recovered
    assert only.id == fake.sessions["ctx-head"].run_ids[0] and only.is_final
    assert fake.run_count("assistant") == 1  # sent once, never again


def test_a_cut_in_an_ongoing_conversation_finds_this_messages_task(fake: Any, client: AgentOSClient) -> None:
    first = client.a2a.send("assistant", "What is 2 + 2?", context_id="ctx-talk")
    fake.faults.cut(after_bytes=5, path=STREAM)
    with client.a2a.stream("assistant", "And 3 + 3?", context_id="ctx-talk", poll_interval=0.01) as stream:
        (only,) = list(stream)
    assert isinstance(only, A2ATask) and only.id != first.id
    assert only.id == fake.sessions["ctx-talk"].run_ids[1]
