"""The sync A2A client against a real AgentOS's A2A interface (agno 3.1.10, ``--areas``): the
agent card, blocking and non-blocking sends, typed stream events, get/cancel/wait, teams and
workflows; and the cut stream, 30 times at 30 byte offsets through the cutting proxy (one inside
the response headers): each ends with the task as the server stores it, and no event shows twice."""

from __future__ import annotations

import uuid
from typing import Any, Iterator, List

import pytest
from fault_proxy import FaultProxy

from agentos_sync import AgentOSClient, errors
from agentos_sync.a2a import FINAL_STATES, A2AMessage, A2AStatusUpdate, A2ATask, AgentCard

STREAM = r"/v1/message:stream$"


@pytest.fixture()
def client(agentos_areas: Any) -> Iterator[AgentOSClient]:
    with AgentOSClient(agentos_areas.url, timeout=(5, 60)) as c:
        yield c


def test_card_and_sends(client: AgentOSClient) -> None:
    card = client.a2a.agent_card("assistant")
    assert isinstance(card, AgentCard) and card.name == "Assistant" and card.capabilities["streaming"] is True
    assert client.a2a.agent_card("duo", kind="team").name == "Duo"
    with pytest.raises(errors.NotFoundError):
        client.a2a.agent_card("nobody")
    ctx = f"it-a2a-{uuid.uuid4()}"
    task = client.a2a.send("assistant", "What is 2 + 2?", context_id=ctx)
    assert (task.status.state, task.text, task.context_id) == ("completed", "2 + 2 = 4.", ctx)
    stored = client.agents.get_run("assistant", task.id, ctx)  # the task is the run
    assert stored.content == "2 + 2 = 4."
    submitted = client.a2a.send("assistant", "[tokens=20 delay=0.01] go", blocking=False)
    assert submitted.status.state == "submitted"
    done = client.a2a.wait("assistant", submitted.id, submitted.context_id, timeout=30, poll_interval=0.1)
    assert done.status.state == "completed" and done.text.startswith("tok0 tok1 ")


def test_a_stream_yields_typed_events(client: AgentOSClient) -> None:
    with client.a2a.stream("assistant", "What is 2 + 2?") as stream:
        evs = list(stream)
    assert isinstance(evs[0], A2AStatusUpdate) and evs[0].status.state == "working"
    assert "".join(e.text for e in evs if isinstance(e, A2AMessage)) == "2 + 2 = 4."
    assert isinstance(evs[-1], A2ATask) and evs[-1].status.state == "completed" and not stream.recovered
    team = list(client.a2a.stream("duo", "Plan a trip", kind="team"))
    assert isinstance(team[-1], A2ATask) and team[-1].status.state == "completed"
    flow = list(client.a2a.stream("pipeline", "Write a haiku", kind="workflow"))
    assert isinstance(flow[-1], A2ATask) and flow[-1].status.state == "completed"


def test_cancel_a_running_task(client: AgentOSClient) -> None:
    task = client.a2a.send("assistant", "[tokens=400 delay=0.02] go", blocking=False)
    assert client.a2a.cancel_task("assistant", task.id, task.context_id).status.state == "canceled"
    final = client.a2a.wait("assistant", task.id, task.context_id, timeout=30, poll_interval=0.1)
    assert final.status.state == "canceled"
    with pytest.raises(errors.NotFoundError, match="Task not found"):
        client.a2a.get_task("assistant", "no-such-task", task.context_id or "")


def test_thirty_cut_streams_end_with_the_stored_task_and_no_event_twice(agentos_areas: Any) -> None:
    proxy = FaultProxy(agentos_areas.port)
    outcomes: List[str] = []
    try:
        with AgentOSClient(proxy.url, timeout=(5, 60)) as via_proxy, AgentOSClient(agentos_areas.url) as direct:
            for n in range(30):
                # inside the response headers (~150 bytes), inside the first event, then on to near
                # the end of the stream (~14 KB)
                offset = 100 if n == 0 else 200 + 400 * (n - 1)
                proxy.cut_after_bytes(offset, path=STREAM)
                with via_proxy.a2a.stream("assistant", "[tokens=40 delay=0.01] go", poll_interval=0.05) as stream:
                    evs = list(stream)
                final = evs[-1]
                assert isinstance(final, A2ATask) and final.is_final and final.status.state in FINAL_STATES
                stored = direct.a2a.get_task("assistant", final.id, final.context_id or "")
                assert (final.id, final.context_id, final.status.state, final.text) == (
                    stored.id,
                    stored.context_id,
                    stored.status.state,
                    stored.text,
                ), f"cut at {offset}: the stream's last task is not the stored one"
                pieces = [e.text for e in evs if isinstance(e, A2AMessage)]
                assert pieces == [f"tok{i} " for i in range(len(pieces))], f"cut at {offset}: {pieces}"
                assert sum(isinstance(e, A2ATask) for e in evs) == 1
                outcomes.append(f"{offset}:{final.status.state}:{'recovered' if stream.recovered else 'whole'}")
        assert proxy.cuts >= 25, f"the proxy cut only {proxy.cuts} of 30 streams: {outcomes}"
        print(f"30/30 cut A2A streams ended with the stored task: {outcomes}")
    finally:
        proxy.close()
    assert len(outcomes) == 30
