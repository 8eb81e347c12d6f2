"""The public client against a real AgentOS (agno 3.1.10): discovery, runs, streams, background
runs, cancel, run errors and auth. Every outcome is exact: texts, event order, indices, and the
runs the server holds afterwards."""

from __future__ import annotations

import pytest
from _helpers import (
    assert_exactly_once,
    assert_strictly_increasing,
    indices,
    new_session,
    server_events,
    text_of,
    tokens,
)

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.models import RunAccepted, RunOutput

TWO_PLUS_TWO = "What is 2 + 2?"


# -- discovery ----------------------------------------------------------------------------------


def test_discovery(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        config = client.get_config()
        assert config.os_id == "agentos-sync-it"
        assert [a.id for a in config.agents] == ["assistant", "confirmer"]
        assert [t.id for t in config.teams] == ["duo"]
        assert [w.id for w in config.workflows] == ["pipeline"]

        agents = client.list_agents()
        assert [(a.id, a.name) for a in agents] == [("assistant", "Assistant"), ("confirmer", "Confirmer")]
        assistant = client.get_agent("assistant")
        assert assistant.id == "assistant" and assistant.name == "Assistant"
        assert assistant.db_id == "agentos-sync-it-db"
        assert assistant.model is not None and assistant.model.model == "gpt-fake"

        with pytest.raises(errors.NotFoundError) as caught:
            client.get_agent("nope")
        assert caught.value.status_code == 404 and caught.value.detail == "Agent not found"

        assert client.health()["status"] == "ok"


# -- runs ---------------------------------------------------------------------------------------


def test_run_agent(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        session_id = new_session()
        out = client.run_agent("assistant", TWO_PLUS_TWO, session_id=session_id)
        assert isinstance(out, RunOutput)
        assert out.content == "2 + 2 = 4." and out.status == "COMPLETED"
        assert out.agent_id == "assistant" and out.session_id == session_id and out.run_id
        assert out.metrics is not None and out.metrics.total_tokens is not None and out.metrics.total_tokens > 0
        assert out.metrics.output_tokens == 5
        assert out.metrics.total_tokens == (out.metrics.input_tokens or 0) + 5
        stored = client.get_agent_run("assistant", out.run_id, session_id)
        assert (stored.run_id, stored.status, stored.content) == (out.run_id, "COMPLETED", "2 + 2 = 4.")
        assert [r.run_id for r in client.list_agent_runs("assistant", session_id)] == [out.run_id]


def test_foreground_stream(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        stream = client.run_agent_stream("assistant", TWO_PLUS_TWO)
        with stream:
            evs = list(stream)
        assert isinstance(evs[0], events.RunStartedEvent)
        assert isinstance(evs[-1], events.RunCompletedEvent)
        assert [e.event_index for e in evs] == [None] * len(evs)  # a foreground stream is not resumable
        assert text_of(evs) == evs[-1].content == "2 + 2 = 4."
        assert {e.run_id for e in evs} == {stream.run_id} and stream.session_id
        assert stream.last_event_index is None and stream.reconnects == 0
        assert stream.terminal_event is evs[-1]
        # the server holds that one run
        assert [r.run_id for r in client.list_agent_runs("assistant", stream.session_id)] == [stream.run_id]

        out = client.run_agent_stream("assistant", TWO_PLUS_TWO).get_final_output()
        assert (out.status, out.content, out.agent_id) == ("COMPLETED", "2 + 2 = 4.", "assistant")
        assert out.metrics is not None and out.metrics.total_tokens and out.metrics.total_tokens > 0


def test_background_stream(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        stream = client.run_agent_stream("assistant", "[tokens=20 delay=0]", background=True)
        with stream:
            evs = list(stream)
        idx = indices(evs)
        assert idx[0] == 0
        assert_strictly_increasing(idx)
        assert stream.last_event_index == idx[-1] and stream.reconnects == 0
        assert isinstance(evs[0], events.RunStartedEvent) and isinstance(evs[-1], events.RunCompletedEvent)
        assert text_of(evs) == evs[-1].content == tokens(20)
        assert {e.run_id for e in evs} == {stream.run_id}
        assert_exactly_once(evs, server_events(client, "agent", "assistant", stream.run_id, stream.session_id))
        assert [r.run_id for r in client.list_agent_runs("assistant", stream.session_id)] == [stream.run_id]

        again = client.run_agent_stream("assistant", TWO_PLUS_TWO, background=True)
        out = again.get_final_output()
        assert (out.status, out.content, out.run_id) == ("COMPLETED", "2 + 2 = 4.", again.run_id)


def test_background_run_then_poll(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        acc = client.run_agent("assistant", "[tokens=10 delay=0.02]", background=True)
        assert isinstance(acc, RunAccepted)
        assert acc.status == "PENDING" and acc.run_id and acc.session_id
        now = client.get_agent_run("assistant", acc.run_id, acc.session_id)
        assert now.run_id == acc.run_id and now.status in ("PENDING", "RUNNING", "COMPLETED")
        done = client.wait_for_agent_run("assistant", acc.run_id, acc.session_id, timeout=30, poll_interval=0.05)
        assert (done.run_id, done.status, done.content) == (acc.run_id, "COMPLETED", tokens(10))
        runs = client.list_agent_runs("assistant", acc.session_id)
        assert [(r.run_id, r.status) for r in runs] == [(acc.run_id, "COMPLETED")]
        assert [r.run_id for r in client.list_agent_runs("assistant", acc.session_id, status="COMPLETED")] == [
            acc.run_id
        ]


def test_cancel_running_run(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        stream = client.run_agent_stream("assistant", "[tokens=200 delay=0.02]", background=True)
        before: list = []
        after: list = []
        cancelled = False
        with stream:
            for ev in stream:
                (after if cancelled else before).append(ev)
                if not cancelled and isinstance(ev, events.RunContentEvent) and (ev.event_index or 0) >= 5:
                    client.cancel_agent_run("assistant", stream.run_id)
                    cancelled = True
        names = [e.event for e in after]
        assert names[-2:] == ["RunCancelled", "RunCompleted"], names
        assert set(names[:-2]) <= {"RunContent"}, names
        assert isinstance(after[-2], events.RunCancelledEvent) and isinstance(after[-1], events.RunCompletedEvent)
        assert after[-1].run_id == after[-2].run_id == stream.run_id
        assert_strictly_increasing(indices(before + after))
        # the partial content: what the run had produced when the cancel landed, far from 200 tokens
        partial = after[-1].content
        assert after[-2].content == partial and partial and tokens(200).startswith(partial)
        assert len(partial) < len(tokens(200))

        out = stream.get_final_output()
        assert (out.status, out.content, out.run_id) == ("CANCELLED", partial, stream.run_id)
        assert client.get_agent_run("assistant", stream.run_id, stream.session_id).status == "CANCELLED"
        assert len(client.list_agent_runs("assistant", stream.session_id)) == 1


def test_run_error(agentos):  # type: ignore[no-untyped-def]
    """``[llm_error=500]``: the model provider fails; the server reports it as a RunError event on
    a 200 stream, and as a 200 RunOutput with status ERROR on a plain run."""
    with AgentOSClient(agentos.url) as client:
        stream = client.run_agent_stream("assistant", "boom [llm_error=500]", background=True)
        with pytest.raises(errors.RunFailedError) as caught:
            stream.get_final_output()
        failed = caught.value
        assert isinstance(failed.event, events.RunErrorEvent)
        assert failed.event.content == "fake error 500" and failed.event.run_id == stream.run_id
        assert failed.output is not None and failed.output.status == "ERROR"
        assert "fake error 500" in str(failed)
        assert stream.terminal_event is failed.event
        assert client.get_agent_run("assistant", stream.run_id, stream.session_id).status == "ERROR"

        evs = list(client.run_agent_stream("assistant", "boom [llm_error=500]"))
        assert [e.event for e in evs] == ["RunStarted", "ModelRequestStarted", "RunError"]
        assert evs[-1].content == "fake error 500"

        out = client.run_agent("assistant", "boom [llm_error=500]")
        assert (out.status, out.content) == ("ERROR", "fake error 500")


# -- auth ---------------------------------------------------------------------------------------


def test_auth(agentos_secure):  # type: ignore[no-untyped-def]
    url, key = agentos_secure.url, agentos_secure.api_key
    with AgentOSClient(url) as anonymous:
        with pytest.raises(errors.AuthenticationError) as caught:
            anonymous.list_agents()
        assert caught.value.status_code == 401 and caught.value.detail == "Authorization header required"
        with pytest.raises(errors.AuthenticationError):
            anonymous.run_agent_stream("assistant", TWO_PLUS_TWO, background=True)
        assert anonymous.health()["status"] == "ok"  # /health is open

    with AgentOSClient(url, api_key="wrong-key-0000") as wrong:
        with pytest.raises(errors.AuthenticationError) as caught:
            wrong.get_agent("assistant")
        assert caught.value.status_code == 401
        assert "wrong-key-0000" not in str(caught.value) and "wrong-key-0000" not in repr(wrong)

    with AgentOSClient(url, api_key=key) as client:
        assert [a.id for a in client.list_agents()] == ["assistant", "confirmer"]
        assert client.run_agent("assistant", TWO_PLUS_TWO).content == "2 + 2 = 4."
        stream = client.run_agent_stream("assistant", "[tokens=10 delay=0]", background=True)
        with stream:
            evs = list(stream)
        assert text_of(evs) == evs[-1].content == tokens(10)
        assert_strictly_increasing(indices(evs))
        resumed = list(client.resume_run_stream("assistant", stream.run_id, 3, stream.session_id))
        assert isinstance(resumed[0], events.ReplayEvent) and resumed[0].status == "COMPLETED"
        assert indices(resumed) == indices(evs)[4:]
        assert key not in repr(client)

    with AgentOSClient(url) as anonymous, pytest.raises(errors.AuthenticationError):
        anonymous.resume_run_stream("assistant", stream.run_id, 3, stream.session_id)
