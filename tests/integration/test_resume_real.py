"""Resuming run streams against a real AgentOS: a live run, a finished run, an unknown run, a
resumed stream that is itself cut, another replica, and a server restart mid-run."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

import pytest
from _helpers import (
    FAST,
    SHORT,
    assert_exactly_once,
    assert_strictly_increasing,
    indices,
    new_session,
    read_then_close,
    run_events,
    server_events,
    text_of,
    tokens,
    wait_until,
)

from agentos_sync import AgentOSClient, ReconnectPolicy, errors, events


def test_resume_live_run(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        first = read_then_close(client.run_agent_stream("assistant", "[tokens=60 delay=0.02]", background=True), 5)
        stream = client.resume_run_stream("assistant", first[0].run_id, first[-1].event_index, first[0].session_id)
        with stream:
            rest = list(stream)
        # the meta frames come first: catch_up (when events were missed) then subscribed
        positions = [i for i, e in enumerate(rest) if isinstance(e, events.StreamMetaEvent)]
        if isinstance(rest[0], events.CatchUpEvent):
            # catch_up, the missed events, subscribed, then the live events
            assert positions == [0, (rest[0].missed_events or 0) + 1], positions
            assert isinstance(rest[positions[1]], events.SubscribedEvent)
        else:
            assert positions == [0] and isinstance(rest[0], events.SubscribedEvent), rest[:2]
        assert indices(rest)[0] == first[-1].event_index + 1
        assert_strictly_increasing(indices(first + rest))
        assert isinstance(rest[-1], events.RunCompletedEvent) and rest[-1].run_id == first[0].run_id
        assert text_of(first + rest) == rest[-1].content == tokens(60)
        assert stream.reconnects == 0 and stream.last_event_index == rest[-1].event_index
        assert_exactly_once(
            first + rest, server_events(client, "agent", "assistant", first[0].run_id, first[0].session_id)
        )


def test_resume_finished_run(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        stream = client.run_agent_stream("assistant", "[tokens=10 delay=0]", background=True)
        evs = list(stream)
        run_id, session_id = stream.run_id, stream.session_id
        replayed = list(client.resume_run_stream("assistant", run_id, 5, session_id))
        meta = replayed[0]
        assert isinstance(meta, events.ReplayEvent)
        assert meta.status == "COMPLETED" and meta.last_event_index_requested == 5
        assert meta.total_buffered == len(evs) and meta.total_events == len(evs) - 6
        assert [type(e) for e in replayed[1:]] == [type(e) for e in evs[6:]]
        assert indices(replayed) == indices(evs)[6:]
        assert replayed[-1].content == tokens(10)

        everything = client.resume_run_stream("assistant", run_id, session_id=session_id)
        out = everything.get_final_output()
        assert (out.status, out.content, out.run_id) == ("COMPLETED", tokens(10), run_id)


def test_resume_unknown_run(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url, reconnect=FAST) as client:
        stream = client.resume_run_stream("assistant", "no-such-run", 3, new_session())
        with pytest.raises(errors.RunNotFoundError) as caught:
            list(stream)
        assert caught.value.run_id == "no-such-run" and caught.value.last_event_index == 3
        assert "not found" in str(caught.value)
        assert stream.reconnects == 0  # not retried


def test_resumed_stream_is_resumed_again_when_cut(agentos, proxy):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as direct, AgentOSClient(proxy.url, reconnect=FAST) as client:
        first = read_then_close(direct.run_agent_stream("assistant", "[tokens=60 delay=0.01]", background=True), 5)
        run_id, session_id = first[0].run_id, first[0].session_id
        proxy.cut_after_bytes(1500, times=2, path="/resume$")
        seen_by_hook: List[events.StreamMetaEvent] = []
        stream = client.resume_run_stream(
            "assistant", run_id, first[-1].event_index, session_id, on_reconnect=seen_by_hook.append
        )
        with stream:
            rest = list(stream)
        assert proxy.cuts == 2 and stream.reconnects == 2
        # the caller sees the meta frames of the connection it asked for; those of the client's
        # own reconnects go to on_reconnect
        metas = [type(e) for e in rest if isinstance(e, events.StreamMetaEvent)]
        assert type(rest[0]) is metas[0]
        assert metas in ([events.CatchUpEvent, events.SubscribedEvent], [events.CatchUpEvent], [events.SubscribedEvent])
        assert seen_by_hook and all(isinstance(m, events.StreamMetaEvent) for m in seen_by_hook)
        assert indices(rest)[0] == first[-1].event_index + 1
        assert_strictly_increasing(indices(first + rest))
        assert text_of(first + rest) == rest[-1].content == tokens(60)
        assert_exactly_once(first + rest, server_events(direct, "agent", "assistant", run_id, session_id))


def test_cross_replica_resume(replicas):  # type: ignore[no-untyped-def]
    with AgentOSClient(replicas.a.url) as on_a, AgentOSClient(replicas.b.url) as on_b:
        first = read_then_close(on_a.run_agent_stream("assistant", "[tokens=60 delay=0.02]", background=True), 5)
        run_id, session_id = first[0].run_id, first[0].session_id
        stream = on_b.resume_run_stream("assistant", run_id, first[-1].event_index, session_id)
        with stream:
            rest = list(stream)
        assert isinstance(rest[0], (events.CatchUpEvent, events.SubscribedEvent))
        assert indices(rest)[0] == first[-1].event_index + 1
        assert_strictly_increasing(indices(first + rest))
        assert isinstance(rest[-1], events.RunCompletedEvent) and rest[-1].run_id == run_id
        assert text_of(first + rest) == rest[-1].content == tokens(60)
        # both replicas see the one run, finished, and replay the same events
        assert [(r.run_id, r.status) for r in on_b.list_agent_runs("assistant", session_id)] == [(run_id, "COMPLETED")]
        assert_exactly_once(first + rest, server_events(on_b, "agent", "assistant", run_id, session_id))
        assert_exactly_once(first + rest, server_events(on_a, "agent", "assistant", run_id, session_id))


def test_server_restart_mid_run_ends_with_run_lost(agentos, proxy):  # type: ignore[no-untyped-def]
    """kill -9 mid-run: the run dies with the process and the restarted server's database says it
    is still RUNNING, with no events, forever. The client must give up with RunLostError within a
    bounded time (here through the proxy, which resets connections while the server is down)."""
    with AgentOSClient(proxy.url, reconnect=SHORT) as client:
        stream = client.run_agent_stream("assistant", "[tokens=300 delay=0.02]", background=True)
        got: List[events.RunEvent] = []
        outcome: Dict[str, Any] = {}

        def consume() -> None:
            try:
                for ev in stream:
                    got.append(ev)
            except Exception as exc:
                outcome["error"] = exc
            outcome["ended_at"] = time.monotonic()

        reader = threading.Thread(target=consume, name="restart-reader", daemon=True)
        reader.start()
        assert wait_until(lambda: len(got) >= 10, timeout=30), "the run did not start streaming"
        agentos.restart()
        restarted_at = time.monotonic()
        reader.join(timeout=60)
        assert not reader.is_alive(), "the stream hung after the server restarted"
        error = outcome.get("error")
        assert isinstance(error, errors.RunLostError), repr(error)
        assert outcome["ended_at"] - restarted_at < 30
        assert error.run_id == stream.run_id and error.session_id == stream.session_id
        assert error.last_event_index == got[-1].event_index == stream.last_event_index
        assert_strictly_increasing(indices(got))
        assert not any(isinstance(e, events.RunCompletedEvent) for e in got)
        # what the client reports is what the server says: RUNNING, and nothing runs it
        with AgentOSClient(agentos.url) as direct:
            assert direct.get_agent_run("assistant", stream.run_id, stream.session_id).status == "RUNNING"


def test_server_restart_after_completion_replays_from_db(agentos):  # type: ignore[no-untyped-def]
    """A run that finished before the restart is resumed from the database: a replay without
    RunContent (agno does not store it by default). That is a loss, never a normal end: the
    stream raises RunIncompleteError naming the missing range, with the stored output, whose
    content is the whole text (docs/deployments.md)."""
    few = ReconnectPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05, deadline=30.0)
    with AgentOSClient(agentos.url, reconnect=SHORT) as client:
        first = read_then_close(client.run_agent_stream("assistant", "[tokens=10 delay=0]", background=True), 3)
        run_id, session_id = first[0].run_id, first[0].session_id
        done = client.wait_for_agent_run("assistant", run_id, session_id, timeout=30, poll_interval=0.05)
        assert done.status == "COMPLETED"
        agentos.restart()
        stream = client.resume_run_stream("assistant", run_id, first[-1].event_index, session_id, reconnect=few)
        rest: List[events.RunEvent] = []
        with stream, pytest.raises(errors.RunIncompleteError) as info:
            for ev in stream:
                rest.append(ev)
        assert isinstance(rest[0], events.ReplayEvent) and rest[0].status == "COMPLETED"
        assert not run_events(rest)  # nothing past the gap is delivered
        assert info.value.missing and info.value.missing[0][0] == first[-1].event_index + 1
        assert info.value.output is not None and info.value.output.content == tokens(10)
        assert info.value.output.status == "COMPLETED"
        assert len(client.list_agent_runs("assistant", session_id)) == 1
