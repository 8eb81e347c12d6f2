"""RunStream over the fake: every reconnect rule of DESIGN.md, as a scenario."""

from __future__ import annotations

import copy
import gc
import pickle
import threading
import warnings
from typing import Any, List

import pytest
from _support import Clock

from agentos_sync import AgentOSClient, ReconnectPolicy, errors, events
from agentos_sync.testing import FakeAgentOS, FakeTransport

LONG = " ".join(f"tok{i}" for i in range(30))


def content_of(evs: List[events.RunEvent]) -> str:
    return "".join(str(e.content) for e in evs if isinstance(e, events.RunContentEvent))


def completed(evs: List[events.RunEvent]) -> events.RunEvent:
    return next(e for e in evs if isinstance(e, events.RunCompletedEvent))


def assert_exactly_once(evs: List[events.RunEvent]) -> None:
    indices = [e.event_index for e in evs]
    assert all(i is not None for i in indices)
    assert indices == sorted(set(indices)), indices  # type: ignore[type-var]
    assert content_of(evs) == completed(evs).content


@pytest.fixture
def long_fake(fake: FakeAgentOS) -> FakeAgentOS:
    fake.add_agent("assistant", name="Assistant", reply=LONG)
    return fake


def test_foreground_stream_has_no_indices(client: AgentOSClient) -> None:
    evs = list(client.run_agent_stream("assistant", "What is 2 + 2?"))
    assert next(e.event for e in evs) == "RunStarted" and evs[-1].event == "RunCompleted"
    assert all(e.event_index is None for e in evs)
    assert content_of(evs) == "2 + 2 = 4."


def test_background_stream_uninterrupted(client: AgentOSClient, fake: FakeAgentOS) -> None:
    with client.run_agent_stream("assistant", "What is 2 + 2?", background=True) as stream:
        evs = list(stream)
    assert_exactly_once(evs)
    assert stream.reconnects == 0 and stream.last_event_index == evs[-1].event_index
    assert stream.run_id == evs[0].run_id and stream.session_id
    assert fake.run_count("assistant") == 1
    assert stream.closed


@pytest.mark.parametrize("after", [0, 1, 5, 12, 31])
def test_cut_mid_body_is_resumed_exactly_once(client: AgentOSClient, long_fake: FakeAgentOS, after: int) -> None:
    long_fake.faults.cut(after_events=after, path="/agents/assistant/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True)
    evs = list(stream)
    assert_exactly_once(evs)
    assert stream.reconnects == 1
    assert long_fake.run_count("assistant") == 1


@pytest.mark.parametrize("after_bytes", [1, 100, 777, 2500])
def test_cut_inside_a_frame(client: AgentOSClient, long_fake: FakeAgentOS, after_bytes: int) -> None:
    long_fake.faults.cut(after_bytes=after_bytes, path="/runs", method="POST")
    evs = list(client.run_agent_stream("assistant", "go", background=True))
    assert_exactly_once(evs)


def test_many_cuts_on_resume_too(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    long_fake.faults.cut(after_events=3, path="/runs", method="POST")
    long_fake.faults.cut(after_events=2, times=6, path="/resume")
    stream = client.run_agent_stream("assistant", "go", background=True)
    evs = list(stream)
    assert_exactly_once(evs)
    assert stream.reconnects == 7


def test_stall_is_a_cut(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    long_fake.faults.stall(after_events=4, path="/runs", method="POST")
    evs = list(client.run_agent_stream("assistant", "go", background=True))
    assert_exactly_once(evs)


def test_error_frame_saying_stream_failed_is_a_cut(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    long_fake.faults.error_frame(after_events=6, path="/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True)
    assert_exactly_once(list(stream))
    assert stream.reconnects == 1


def test_clean_close_before_terminal_is_a_cut(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    long_fake.faults.inject(b"", after_events=5, close=True, path="/runs", method="POST")
    assert_exactly_once(list(client.run_agent_stream("assistant", "go", background=True)))


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_5xx_and_429_on_resume_are_retried(client: AgentOSClient, long_fake: FakeAgentOS, status: int) -> None:
    long_fake.faults.cut(after_events=4, path="/runs", method="POST")
    long_fake.faults.status(status, times=3, path="/resume")
    stream = client.run_agent_stream("assistant", "go", background=True)
    assert_exactly_once(list(stream))
    assert len(long_fake.requests_to("/resume")) == 4


def test_refused_resume_is_retried(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    long_fake.faults.cut(after_events=4, path="/runs", method="POST")
    long_fake.faults.refuse(times=2, path="/resume")
    assert_exactly_once(list(client.run_agent_stream("assistant", "go", background=True)))


@pytest.mark.parametrize(
    ("status", "exc"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (422, errors.UnprocessableEntityError),
    ],
)
def test_client_errors_on_resume_are_not_retried(
    client: AgentOSClient, long_fake: FakeAgentOS, status: int, exc: type
) -> None:
    long_fake.faults.cut(after_events=4, path="/runs", method="POST")
    long_fake.faults.status(status, times=5, path="/resume")
    stream = client.run_agent_stream("assistant", "go", background=True)
    got: List[events.RunEvent] = []
    with pytest.raises(exc):
        for ev in stream:
            got.append(ev)
    assert len(got) == 4
    assert len(long_fake.requests_to("/resume")) == 1


def test_exhausted_policy_raises_with_resume_coordinates(fake: FakeAgentOS, sleeps: List[float]) -> None:
    fake.add_agent("assistant", reply=LONG)
    policy = ReconnectPolicy(max_attempts=3, initial_backoff=0.1, max_backoff=1.0, deadline=60)
    client = AgentOSClient("http://fake", transport=FakeTransport(fake), reconnect=policy)
    fake.faults.cut(after_events=4, path="/runs", method="POST")
    fake.faults.status(503, times=10, path="/resume")
    stream = client.run_agent_stream("assistant", "go", background=True)
    with pytest.raises(errors.ReconnectExhaustedError) as info:
        list(stream)
    exc = info.value
    assert exc.run_id == stream.run_id and exc.session_id == stream.session_id
    assert exc.last_event_index == 3 and exc.attempts == 3
    assert len(fake.requests_to("/resume")) == 3
    # Jittered exponential backoff, one before each resume, each within its cap.
    assert len(sleeps) == 3 and all(0 <= s <= cap for s, cap in zip(sleeps, [0.1, 0.2, 0.4]))
    # ... and the caller can pick up where it stopped.
    fake.faults.clear()
    rest = [
        e
        for e in client.resume_run_stream("assistant", exc.run_id or "", exc.last_event_index, exc.session_id)
        if not isinstance(e, events.StreamMetaEvent)
    ]
    assert rest[0].event_index == 4 and rest[-1].event == "RunCompleted"


def test_budget_resets_after_progress(fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG)
    policy = ReconnectPolicy(max_attempts=1, initial_backoff=0.0, max_backoff=0.0, deadline=60)
    client = AgentOSClient("http://fake", transport=FakeTransport(fake), reconnect=policy)
    fake.faults.cut(after_events=2, path="/runs", method="POST")
    fake.faults.cut(after_events=2, times=5, path="/resume")
    stream = client.run_agent_stream("assistant", "go", background=True)
    assert_exactly_once(list(stream))
    assert stream.reconnects == 6


def test_disabled_policy_raises_on_first_cut(fake: FakeAgentOS) -> None:
    client = AgentOSClient("http://fake", transport=FakeTransport(fake), reconnect=ReconnectPolicy.disabled())
    fake.faults.cut(after_events=2, path="/runs", method="POST")
    with pytest.raises(errors.ReconnectExhaustedError):
        list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))
    assert not fake.requests_to("/resume")


def test_gaps_in_indices_are_tolerated(fake: FakeAgentOS, client: AgentOSClient) -> None:
    fake.add_agent("assistant", reply=LONG, index_step=3)
    fake.faults.cut(after_events=5, path="/runs", method="POST")
    evs = list(client.run_agent_stream("assistant", "go", background=True))
    assert_exactly_once(evs)
    assert [e.event_index for e in evs][:3] == [0, 3, 6]


def test_foreground_cut_raises_interrupted_and_never_reruns(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    long_fake.faults.cut(after_events=4, path="/runs", method="POST")
    got: List[events.RunEvent] = []
    with pytest.raises(errors.StreamInterruptedError) as info:
        for ev in client.run_agent_stream("assistant", "go"):
            got.append(ev)
    assert info.value.events_received == 4 == len(got)
    assert info.value.run_id == got[0].run_id
    assert long_fake.run_count("assistant") == 1 and not long_fake.requests_to("/resume")


def test_foreground_cut_in_headers_raises_interrupted(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.cut_headers(path="/runs", method="POST")
    with pytest.raises(errors.StreamInterruptedError):
        client.run_agent_stream("assistant", "go")
    assert fake.run_count("assistant") == 1


def test_cut_in_headers_finds_the_run_and_does_not_start_it_twice(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    long_fake.faults.cut_headers(path="/agents/assistant/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True)
    evs = list(stream)
    assert_exactly_once(evs)
    assert evs[0].event == "RunStarted" and evs[0].event_index == 0
    assert long_fake.run_count("assistant") == 1
    assert stream.run_id == evs[0].run_id


def test_cut_before_first_event_with_callers_session(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    client.run_agent("assistant", "earlier run", session_id="my-session")
    long_fake.faults.cut(after_events=0, path="/agents/assistant/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True, session_id="my-session")
    evs = list(stream)
    assert_exactly_once(evs)
    assert long_fake.run_count("assistant") == 2
    assert content_of(evs) == LONG


def test_create_that_never_reached_server_is_sent_again(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.refuse(times=2, path="/agents/assistant/runs", method="POST")
    evs = list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))
    assert_exactly_once(evs)
    assert fake.run_count("assistant") == 1


def test_create_sends_session_and_idempotency_key(client: AgentOSClient, fake: FakeAgentOS) -> None:
    list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))
    (request,) = fake.requests_to("/agents/assistant/runs", method="POST")
    assert request.form is not None and request.form["session_id"] and request.form["background"] == "true"
    assert request.form["stream"] == "true"
    assert request.headers["Idempotency-Key"]


def test_on_reconnect_receives_meta_and_meta_is_hidden(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    seen: List[events.StreamMetaEvent] = []
    long_fake.faults.cut(after_events=5, path="/runs", method="POST")
    long_fake.faults.cut(after_events=0, path="/resume")  # the first resume dies at once
    run_ids: List[Any] = []

    def on_reconnect(meta: events.StreamMetaEvent) -> None:
        seen.append(meta)
        run_ids.append(meta.run_id)

    stream = client.run_agent_stream("assistant", "go", background=True, on_reconnect=on_reconnect)
    evs = list(stream)
    assert not any(isinstance(e, events.StreamMetaEvent) for e in evs)
    assert_exactly_once(evs)
    kinds = {type(m) for m in seen}
    assert kinds <= {events.CatchUpEvent, events.SubscribedEvent, events.ReplayEvent} and seen


def test_server_restart_mid_run_with_stored_events_ends_or_raises_never_redelivers(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    long_fake.faults.restart(after_events=6, path="/runs", method="POST")
    got: List[events.RunEvent] = []
    with pytest.raises(errors.RunLostError) as info:
        for ev in client.run_agent_stream("assistant", "go", background=True):
            got.append(ev)
    # The run died with the server: what was stored was delivered once, nothing more.
    assert [e.event_index for e in got] == list(range(6))
    assert "restarted" in str(info.value) and info.value.run_id == got[0].run_id
    # Both causes of a RUNNING replay without events are named, with the fix for the second.
    assert "multi-worker" in str(info.value) and "QueueConfig(redis=" in str(info.value)
    assert info.value.last_event_index == 5
    # Stale until the policy is spent (another worker may hold the run): after the first stale
    # answer every attempt is hedged over policy.hedge fresh connections.
    policy = client.reconnect
    assert len(long_fake.requests_to("/resume")) == 1 + (policy.max_attempts - 1) * policy.hedge


def test_server_restart_after_completion_replays_from_db(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(3)]
    stream.close()
    run_id, session_id = first[0].run_id or "", first[0].session_id
    long_fake.finish_run(run_id)
    long_fake.restart()
    resumed = list(client.resume_run_stream("assistant", run_id, last_event_index=2, session_id=session_id))
    assert isinstance(resumed[0], events.ReplayEvent)
    rest = resumed[1:]
    assert_exactly_once(first + rest)


def test_restart_without_stored_events_raises_incomplete_with_the_stored_output(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    # A replay of a finished run with total_events 0 (a restarted server whose agent stores no
    # events): the events after index 2 are gone, so the loop must not end as if complete.
    fake.add_agent("assistant", reply=LONG, store_events=False)
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(3)]
    stream.close()
    run_id = first[0].run_id or ""
    fake.finish_run(run_id)
    fake.restart()
    resumed = client.resume_run_stream("assistant", run_id, last_event_index=2, session_id=first[0].session_id)
    got: List[events.RunEvent] = []
    with pytest.raises(errors.RunIncompleteError) as info:
        for ev in resumed:
            got.append(ev)
    assert [type(e) for e in got] == [events.ReplayEvent] and resumed.terminal_event is None
    assert info.value.missing == [(3, None)] and info.value.last_event_index == 2
    assert info.value.output is not None and info.value.output.content == LONG
    assert "QueueConfig(redis=" in str(info.value)


def test_resume_live_run_catch_up_then_subscribed(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(5)]
    stream.close()
    run_id = first[0].run_id or ""
    long_fake.advance_run(run_id, 4)
    evs = list(client.resume_run_stream("assistant", run_id, last_event_index=4, session_id=first[0].session_id))
    assert isinstance(evs[0], events.CatchUpEvent) and evs[0].missed_events == 4
    metas = [i for i, e in enumerate(evs) if isinstance(e, events.SubscribedEvent)]
    assert metas == [5]
    rest = [e for e in evs if not isinstance(e, events.StreamMetaEvent)]
    assert_exactly_once(first + rest)


def test_resume_finished_run_replays(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(5)]
    stream.close()
    long_fake.finish_run(first[0].run_id or "")
    resumed = client.resume_run_stream("assistant", first[0].run_id or "", 4, first[0].session_id)
    evs = list(resumed)
    assert isinstance(evs[0], events.ReplayEvent) and evs[0].status == "COMPLETED"
    assert_exactly_once(first + evs[1:])
    assert resumed.get_final_output().content == LONG


def test_resume_from_start_with_none(client: AgentOSClient, fake: FakeAgentOS) -> None:
    acc = list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))
    evs = [
        e
        for e in client.resume_run_stream("assistant", acc[0].run_id or "", None, acc[0].session_id)
        if not isinstance(e, events.StreamMetaEvent)
    ]
    assert [e.event_index for e in evs] == [e.event_index for e in acc]


def test_resume_unknown_run_raises_run_not_found(client: AgentOSClient) -> None:
    with pytest.raises(errors.RunNotFoundError, match="unknown-run"):
        list(client.resume_run_stream("assistant", "unknown-run", last_event_index=3))


def test_resumed_stream_auto_resumes_when_it_drops(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(3)]
    stream.close()
    long_fake.faults.cut(after_events=4, path="/resume")
    resumed = client.resume_run_stream("assistant", first[0].run_id or "", 2, first[0].session_id)
    evs = list(resumed)
    rest = [e for e in evs if not isinstance(e, events.StreamMetaEvent)]
    assert_exactly_once(first + rest)
    assert resumed.reconnects == 1
    # Only the first connection's meta frames reach the caller.
    assert sum(isinstance(e, events.StreamMetaEvent) for e in evs) <= 2


def test_cancelled_run_delivers_cancel_then_completed(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(5)]
    client.cancel_agent_run("assistant", first[0].run_id or "")
    rest = list(stream)
    names = [e.event for e in rest]
    assert names[-2:] == ["RunCancelled", "RunCompleted"]
    out = stream.get_final_output()
    assert out.status == "CANCELLED"
    assert out.content == content_of(first + rest)


def test_get_final_output(client: AgentOSClient) -> None:
    out = client.run_agent_stream("assistant", "What is 2 + 2?", background=True).get_final_output()
    assert out.status == "COMPLETED" and out.content == "2 + 2 = 4." and out.metrics and out.metrics.total_tokens


def test_get_final_output_raises_after_run_error(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", reply=LONG, error="model exploded", error_after=3)
    stream = client.run_agent_stream("assistant", "go", background=True)
    with pytest.raises(errors.RunFailedError, match="model exploded") as info:
        stream.get_final_output()
    assert isinstance(info.value.event, events.RunErrorEvent)


def test_workflow_nested_run_completed_is_not_the_end(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_workflow("pipeline", steps=[("draft", "assistant"), ("review", "assistant")])
    fake.faults.cut(after_events=9, path="/workflows/pipeline/runs", method="POST")
    stream = client.run_workflow_stream("pipeline", "What is 2 + 2?", background=True)
    evs = list(stream)
    names = [e.event for e in evs]
    assert names[0] == "WorkflowStarted" and names[-1] == "WorkflowCompleted"
    assert names.count("RunCompleted") == 2
    indices = [e.event_index for e in evs]
    assert indices == sorted(set(indices))  # type: ignore[type-var]
    assert stream.get_final_output().status == "COMPLETED"


def test_team_stream_resumes(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_team("duo", members=["assistant"])
    fake.faults.cut(after_events=3, path="/teams/duo/runs", method="POST")
    stream = client.run_team_stream("duo", "What is 2 + 2?", background=True)
    evs = list(stream)
    assert evs[-1].event == "TeamRunCompleted" and stream.reconnects == 1
    indices = [e.event_index for e in evs]
    assert indices == sorted(set(indices))  # type: ignore[type-var]


def test_unknown_event_type_is_delivered_not_dropped(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.inject(
        b'event: BrandNewThing\ndata: {"event":"BrandNewThing","run_id":"x","novel":{"a":1}}\n\n',
        after_events=2,
        path="/runs",
        method="POST",
    )
    evs = list(client.run_agent_stream("assistant", "What is 2 + 2?"))
    unknown = [e for e in evs if isinstance(e, events.UnknownEvent)]
    assert len(unknown) == 1 and unknown[0].event == "BrandNewThing"
    assert unknown[0].model_extra == {"novel": {"a": 1}}


def test_unknown_fields_are_kept(client: AgentOSClient) -> None:
    evs = list(client.run_agent_stream("assistant", "What is 2 + 2?"))
    content = next(e for e in evs if isinstance(e, events.RunContentEvent))
    assert content.model_extra and "model_provider_data" in content.model_extra
    assert content.agent_name == "Assistant"  # type: ignore[attr-defined]


def test_heartbeat_comments_are_ignored(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.inject(b": heartbeat\n\n", after_events=2, path="/runs", method="POST")
    evs = list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))
    assert_exactly_once(evs)


def test_invalid_json_frame_is_protocol_error(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.inject(b"event: RunContent\ndata: {not json\n\n", after_events=2, path="/runs", method="POST")
    with pytest.raises(errors.ProtocolError, match="RunContent"):
        list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))


def test_stats_count_every_event_delivered_when_a_stream_stops_mid_connection(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    for n, _ in enumerate(stream, 1):
        if n == 12:
            break
    stream.close()
    assert stream.stats.events == 12
    long_fake.faults.inject(b"event: RunContent\ndata: {not json\n\n", after_events=9, path="/runs", method="POST")
    failing = client.run_agent_stream("assistant", "go", background=True)
    delivered: List[events.RunEvent] = []
    with pytest.raises(errors.ProtocolError):
        for ev in failing:
            delivered.append(ev)
    assert len(delivered) == 9 and failing.stats.events == 9


def test_non_int_event_index_is_protocol_error(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.inject(
        b'event: RunContent\ndata: {"event":"RunContent","event_index":"seven"}\n\n',
        after_events=2,
        path="/runs",
        method="POST",
    )
    with pytest.raises(errors.ProtocolError, match="event_index"):
        list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))


def test_backwards_event_index_is_dropped_as_duplicate(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.faults.inject(
        b'event: RunContent\ndata: {"event":"RunContent","event_index":0,"content":"dup"}\n\n',
        after_events=4,
        path="/runs",
        method="POST",
    )
    evs = list(client.run_agent_stream("assistant", "What is 2 + 2?", background=True))
    assert_exactly_once(evs)


def test_close_is_idempotent_and_iterating_closed_stream_raises(client: AgentOSClient) -> None:
    stream = client.run_agent_stream("assistant", "What is 2 + 2?", background=True)
    next(stream)
    stream.close()
    stream.close()
    with pytest.raises(errors.StreamError, match="closed"):
        next(stream)


def test_exhausted_stream_just_stops(client: AgentOSClient) -> None:
    stream = client.run_agent_stream("assistant", "What is 2 + 2?")
    list(stream)
    assert list(stream) == []


def test_two_threads_iterating_one_stream_is_refused(fake: FakeAgentOS) -> None:
    gate = threading.Event()
    release = threading.Event()

    def reply(message: str) -> str:
        return "a b c"

    fake.add_agent("assistant", reply=reply)
    client = AgentOSClient("http://fake", transport=FakeTransport(fake))
    stream = client.run_agent_stream("assistant", "x", background=True)
    original = stream._gen

    def slow_gen():  # type: ignore[no-untyped-def]
        for ev in original:
            gate.set()
            release.wait(5)
            yield ev

    stream._gen = slow_gen()
    stream._next = stream._gen.__next__
    worker = threading.Thread(target=lambda: next(stream))
    worker.start()
    assert gate.wait(5)
    with pytest.raises(RuntimeError, match="another thread"):
        next(stream)
    release.set()
    worker.join(5)
    stream.close()


def test_replay_closed_before_it_delivered_what_it_announced_is_a_cut(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(3)]
    run_id, session_id = first[0].run_id or "", first[0].session_id or ""
    long_fake.finish_run(run_id)
    long_fake.faults.cut(after_events=2, path="/resume")
    # A cut on a replay whose status is COMPLETED must not end the stream: 3 + 2 events are not all.
    stream.close()
    resumed = client.resume_run_stream("assistant", run_id, 2, session_id)
    evs = [e for e in resumed if not isinstance(e, events.StreamMetaEvent)]
    assert_exactly_once(first + evs)
    assert resumed.reconnects == 1


def test_replay_that_ends_cleanly_but_short_is_resumed(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(3)]
    stream.close()
    run_id, session_id = first[0].run_id or "", first[0].session_id
    long_fake.finish_run(run_id)
    # An HTTP-aware proxy closing the body cleanly at a frame boundary: a complete-looking short replay.
    long_fake.faults.inject(b"", after_events=4, close=True, path="/resume")
    resumed = client.resume_run_stream("assistant", run_id, 2, session_id)
    evs = [e for e in resumed if not isinstance(e, events.StreamMetaEvent)]
    assert_exactly_once(first + evs)
    assert resumed.reconnects == 1


# -- deployments (issue 12): stale answers, database replays, identity, lifecycle --------------


def _sse(name: str, data: Any) -> bytes:
    import json

    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _db_replay(run_id: str, session_id: str, status: str, evs: List[Any]) -> bytes:
    """A database replay as agno's PATH 3 frames it: a ``replay`` meta WITHOUT ``total_buffered``."""
    meta = {"event": "replay", "run_id": run_id, "status": status, "total_events": len(evs)}
    body = _sse("replay", meta)
    for name, index, extra in evs:
        body += _sse(name, {"event": name, "run_id": run_id, "session_id": session_id, "event_index": index, **extra})
    return body


def _cut_after_three(client: AgentOSClient, fake: FakeAgentOS) -> Any:
    fake.faults.cut(after_events=3, path="/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(3)]
    run_id, session_id = first[0].run_id or "", first[0].session_id or ""
    fake.finish_run(run_id)
    return stream, first, run_id, session_id


def test_database_replay_with_a_gap_is_stale_and_resumed_on_a_fresh_connection(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    stream, first, run_id, session_id = _cut_after_three(client, long_fake)
    # Another worker answers from the database, which lacks the RunContent events (4-31 here).
    gap = _db_replay(run_id, session_id, "COMPLETED", [("RunCompleted", 40, {"content": LONG})])
    long_fake.faults.raw(body=gap, path="/resume")
    evs = first + list(stream)
    assert_exactly_once(evs)
    assert stream.terminal_event is not None and stream.reconnects == 1
    # The resume after the stale answer went out on new connections, hedged (another worker may
    # answer); the fake answers both from its buffer, one is kept, nothing is delivered twice.
    transport = client._http.transport  # type: ignore[attr-defined]
    assert isinstance(transport, FakeTransport) and transport.fresh_connections == client.reconnect.hedge


def test_database_replay_gap_on_every_attempt_raises_incomplete_with_stored_output(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    stream, first, run_id, session_id = _cut_after_three(client, long_fake)
    gap = _db_replay(
        run_id, session_id, "COMPLETED", [("MemoryUpdateStarted", 9, {}), ("RunCompleted", 10, {"content": LONG})]
    )
    long_fake.faults.raw(body=gap, path="/resume", times=100)
    got = list(first)
    with pytest.raises(errors.RunIncompleteError) as info:
        for ev in stream:
            got.append(ev)
    assert [e.event_index for e in got] == [0, 1, 2]  # nothing past the gap, never a silent end
    assert info.value.missing == [(3, 8)] and info.value.last_event_index == 2
    assert info.value.output is not None and info.value.output.content == LONG
    assert "3-8" in str(info.value) and "QueueConfig(redis=" in str(info.value)
    policy = client.reconnect
    assert len(long_fake.requests_to("/resume")) == 1 + (policy.max_attempts - 1) * policy.hedge


def test_renumbered_terminal_event_of_a_database_replay_is_delivered_once(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    # wire/multiworker_db_replay_renumbered.sse: the stored RunCompleted comes numbered by its
    # position (6), below the floor; it is the run's end and must not be dropped as a duplicate.
    fake.add_agent("assistant", reply="a b")
    fake.faults.cut(after_events=4, path="/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True)
    first = [next(stream) for _ in range(4)]
    content = content_of(first)
    run_id, session_id = first[0].run_id or "", first[0].session_id or ""
    last = first[-1].event_index or 0
    fake.faults.raw(
        body=_db_replay(run_id, session_id, "COMPLETED", [("RunCompleted", 1, {"content": content})]), path="/resume"
    )
    rest = list(stream)
    assert [e.event for e in rest] == ["RunCompleted"] and rest[0].event_index == last + 1
    assert stream.terminal_event is rest[0]


def test_renumbered_terminal_whose_content_does_not_add_up_is_not_trusted(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    stream, _, run_id, session_id = _cut_after_three(client, long_fake)
    body = _db_replay(run_id, session_id, "COMPLETED", [("RunCompleted", 1, {"content": LONG})])
    long_fake.faults.raw(body=body, path="/resume", times=100)
    with pytest.raises(errors.RunIncompleteError) as info:
        list(stream)
    assert info.value.missing == [(3, None)] and info.value.output is not None


def test_header_block_cut_inside_content_type_is_a_cut(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    # http.client takes a head that ends at EOF as whole: "content-type: text/event-" arrives.
    long_fake.faults.raw(body=b"", content_type="text/event-", path="/runs", method="POST")
    with pytest.raises(errors.StreamInterruptedError):
        list(client.run_agent_stream("assistant", "go"))
    long_fake.faults.raw(body=b"", content_type="text/event-", path="/resume")
    long_fake.faults.cut(after_events=2, path="/runs", method="POST")
    assert_exactly_once(list(client.run_agent_stream("assistant", "go", background=True)))


def test_cut_create_in_a_reused_session_finds_its_own_run_by_its_tag(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    session = "chat-1"
    earlier = client.run_agent_stream("assistant", "go", background=True, session_id=session).get_final_output()
    long_fake.faults.cut_headers(path="/agents/assistant/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True, session_id=session, metadata={"user": "u1"})
    evs = list(stream)
    assert_exactly_once(evs)
    assert stream.run_id != earlier.run_id and evs[0].event_index == 0
    runs = client.list_agent_runs("assistant", session)
    assert len(runs) == 2  # the create was not sent again
    mine = next(r for r in runs if r.run_id == stream.run_id)
    metadata = (mine.model_extra or {})["metadata"]
    assert metadata["user"] == "u1" and "agentos_sync_create" in metadata  # the user's metadata is kept


def test_continue_stream_starts_at_its_own_leg_after_a_cut(client: AgentOSClient, fake: FakeAgentOS) -> None:
    # The paused leg is a foreground stream: the server numbers the continue leg from 0 again, so
    # the paused leg's indices are no floor; the stream starts at RunContinued instead.
    fake.add_agent("confirmer", confirm_tool="act")
    paused = list(client.run_agent_stream("confirmer", "clean up", session_id="s-hitl"))
    last = paused[-1]
    assert isinstance(last, events.RunPausedEvent) and last.tools
    fake.faults.cut_headers(path="/continue")
    tools = [last.tools[0].model_copy(update={"confirmed": True})]
    evs = list(
        client.continue_agent_run_stream("confirmer", last.run_id or "", tools, session_id="s-hitl", background=True)
    )
    assert evs[0].event == "RunContinued" and evs[-1].event == "RunCompleted", [e.event for e in evs]
    assert not any(isinstance(e, events.RunPausedEvent) for e in evs)


def test_abandoned_stream_closes_its_connection_without_the_cycle_collector(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    import gc

    gc.disable()
    try:

        def view() -> str:
            for ev in client.run_agent_stream("assistant", "go", background=True):
                if isinstance(ev, events.RunContentEvent):
                    return str(ev.content)
            return ""

        for _ in range(20):
            assert view()
        import weakref

        stream = client.run_agent_stream("assistant", "go", background=True)
        next(stream)
        ref = weakref.ref(stream)
        del stream
        assert ref() is None  # no stream <-> generator cycle keeps it alive
    finally:
        gc.enable()


def test_a_for_loop_left_early_leaves_the_stream_to_iterate_on(client: AgentOSClient, long_fake: FakeAgentOS) -> None:
    # A for loop drives the event generator through streams._drive; leaving it must not close
    # the stream (only dropping the stream does).
    stream = client.run_agent_stream("assistant", "go", background=True)
    head = []
    for ev in stream:
        head.append(ev)
        if len(head) == 4:
            break
    first = next(iter(stream))
    rest = list(stream)
    evs = [*head, first, *rest]
    assert_exactly_once(evs)
    assert stream.closed and rest[-1].event == "RunCompleted"


def test_a_for_loop_over_a_temporary_stream_keeps_it_open_and_an_abandoned_one_closes(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    import gc
    import weakref

    closed: List[bool] = []
    gc.disable()
    try:
        evs = list(client.run_agent_stream("assistant", "go", background=True))  # nothing else holds it
        assert_exactly_once(evs)
        stream = client.run_agent_stream("assistant", "go", background=True)
        response = stream._connection.response
        assert response is not None
        original = response.close
        response.close = lambda: (closed.append(True), original())[1]  # type: ignore[method-assign]
        ref = weakref.ref(stream)
        loop = iter(stream)
        del stream
        assert next(loop).event == "RunStarted" and ref() is not None  # the loop holds the stream
        del loop
        assert ref() is None and closed  # dropped with the loop: closed at once, no collector
    finally:
        gc.enable()


def test_close_during_the_reconnect_backoff_ends_cleanly_and_opens_nothing(
    client: AgentOSClient, long_fake: FakeAgentOS, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentos_sync import retry

    long_fake.faults.cut(after_events=3, path="/runs", method="POST")
    stream = client.run_agent_stream("assistant", "go", background=True)
    got = [next(stream) for _ in range(3)]
    # close() from "another thread" while the stream sleeps before its resume.
    monkeypatch.setattr(retry, "_sleep", lambda seconds: stream.close())
    got += list(stream)
    assert len(got) == 3 and stream.closed
    assert long_fake.requests_to("/resume") == []


def test_retry_after_of_a_resume_answer_is_honoured(fake: FakeAgentOS, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentos_sync import retry

    fake.add_agent("assistant", reply=LONG)
    slept: List[float] = []
    monkeypatch.setattr(retry, "_sleep", slept.append)
    policy = ReconnectPolicy(max_attempts=5, initial_backoff=0.01, max_backoff=0.02, deadline=60)
    with AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=policy) as client:
        fake.faults.cut(after_events=3, path="/runs", method="POST")
        fake.faults.status(503, retry_after=7, path="/resume")
        assert_exactly_once(list(client.run_agent_stream("assistant", "go", background=True)))
    assert slept[0] <= 0.02 and slept[1] == 7.0  # backoff after the cut, then the server's Retry-After


def test_reconnect_waits_never_pass_the_stream_deadline(fake: FakeAgentOS, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentos_sync import retry

    fake.add_agent("assistant", reply=LONG)
    slept: List[float] = []
    monkeypatch.setattr(retry, "_sleep", slept.append)
    with AgentOSClient("http://fake.local", transport=FakeTransport(fake)) as client:
        fake.faults.cut(after_events=3, path="/runs", method="POST")
        fake.faults.status(503, retry_after=50, path="/resume")
        # The server asks for 50 s, the stream has 30: the wait is not slept (retry's one deadline
        # rule); the outage ends now with the server's answer, not 30 s later with the same one.
        with pytest.raises(errors.ReconnectExhaustedError, match="503"):
            list(client.run_agent_stream("assistant", "go", background=True, deadline=30))
    assert all(s <= 30 for s in slept) and 50 not in slept


def test_database_terminal_event_right_after_the_floor_is_still_checked(
    client: AgentOSClient, long_fake: FakeAgentOS
) -> None:
    # A positional index can land exactly on floor + 1 (floor 2, stored position 3) while the
    # RunContent events between are missing: the index proves nothing, the content does.
    stream, _, run_id, session_id = _cut_after_three(client, long_fake)
    body = _db_replay(run_id, session_id, "COMPLETED", [("RunCompleted", 3, {"content": LONG})])
    long_fake.faults.raw(body=body, path="/resume", times=100)
    with pytest.raises(errors.RunIncompleteError) as info:
        list(stream)
    assert info.value.missing == [(3, None)] and info.value.output is not None
    assert info.value.output.content == LONG


def test_cut_team_create_in_a_reused_session_finds_its_own_run_by_run_id(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    # Team runs list no metadata; the create names its run (run_id form field) instead.
    fake.add_team("duo", reply=LONG)
    session = "team-chat"
    earlier = client.run_team_stream("duo", "go", background=True, session_id=session).get_final_output()
    fake.faults.cut_headers(path="/teams/duo/runs", method="POST")
    stream = client.run_team_stream("duo", "go", background=True, session_id=session)
    evs = list(stream)
    assert stream.run_id != earlier.run_id and evs[0].event_index == 0
    assert all(e.run_id == stream.run_id for e in evs if e.event.startswith("TeamRun"))
    assert len(client.list_team_runs("duo", session)) == 2  # the create was not sent again


def test_reconnect_policy_hands_out_attempts_waits_and_exhaustion() -> None:
    from agentos_sync.retry import ReconnectGaveUp

    waits: List[float] = []
    calls: List[int] = []
    policy = ReconnectPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.01, deadline=60)

    def attempt() -> str:
        calls.append(1)
        raise ConnectionError("still down")

    with pytest.raises(ReconnectGaveUp) as info:
        policy.reconnect(attempt, cause=ConnectionError("cut"), retry_on=lambda e: True, sleep=waits.append)
    assert len(calls) == 3 and info.value.attempts == 3 and len(waits) == 3  # a wait before each resume
    assert all(0 <= w <= 0.01 for w in waits)
    assert (
        policy.reconnect(lambda: "ok", cause=ConnectionError("cut"), retry_on=lambda e: True, sleep=waits.append)
        == "ok"
    )
    with pytest.raises(KeyError):  # an error the caller does not retry is raised as is
        policy.reconnect(
            lambda: {}["x"],
            cause=ConnectionError("cut"),
            retry_on=lambda e: isinstance(e, ConnectionError),
            sleep=waits.append,
        )


@pytest.mark.parametrize("hedge", [0, 9, True, 1.5])
def test_reconnect_policy_rejects_a_bad_hedge(hedge: Any) -> None:
    with pytest.raises(ValueError, match="hedge"):
        ReconnectPolicy(hedge=hedge)


# -- issue 27: the client's streams share a resume pace ---------------------------------------------


def test_the_pace_lets_a_burst_through_then_schedules_the_rest(clock: Clock) -> None:
    # One resume per 100 s after a burst of 2, on the test's clock (a sleep advances it).
    policy = ReconnectPolicy(max_resume_rate=0.01, resume_burst=2)
    for _ in range(2):
        policy.admit()
    assert clock.sleeps == []
    policy.admit()
    policy.admit(2)  # a hedged resume takes a turn per request
    assert [round(s) for s in clock.sleeps] == [100, 200]
    # The one deadline rule: a turn that would come past the caller's deadline is not waited
    # for, nor booked; the next caller's turn is the one it would have had.
    assert policy.admit(deadline_at=clock.now + 5.0) is False
    assert len(clock.sleeps) == 2
    assert policy.admit(deadline_at=clock.now + 500.0) is True
    assert [round(s) for s in clock.sleeps[2:]] == [100]
    assert ReconnectPolicy(max_resume_rate=None).admit(1000, deadline_at=clock.now) is True
    assert len(clock.sleeps) == 3


def test_the_pace_holds_when_waiters_wake_late(monkeypatch: pytest.MonkeyPatch) -> None:
    # A busy process wakes its sleepers late, several at once: each is let go only if the bound
    # still holds when it wakes, so the late pair goes one turn apart, not together.
    now = [0.0]
    lock = threading.Lock()
    slept: List[float] = []
    both_asleep = threading.Barrier(2)

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(seconds)
            first_two = len(slept) <= 2
        if first_two:
            both_asleep.wait(timeout=10)
            with lock:
                now[0] = max(now[0], 100.0)  # both wake at 100 s, long after their turns
        else:
            with lock:
                now[0] += seconds

    monkeypatch.setattr("agentos_sync.retry._now", lambda: now[0])
    monkeypatch.setattr("agentos_sync.retry._sleep", sleep)
    policy = ReconnectPolicy(max_resume_rate=1.0, resume_burst=1)
    policy.admit()  # the burst
    waiters = [threading.Thread(target=policy.admit) for _ in range(2)]
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join(timeout=10)
    assert sorted(slept) == [1.0, 1.0, 2.0], slept  # the turns booked (1, 2), then one held back 1 s


def test_a_herd_of_streams_in_one_client_resumes_at_the_pace(long_fake: FakeAgentOS, clock: Clock) -> None:
    policy = ReconnectPolicy(initial_backoff=0.0, max_backoff=0.0, max_resume_rate=0.01, resume_burst=2)
    # Six open streams, each create's connection cut after its first event: six resumes at once.
    long_fake.faults.cut(after_events=1, times=6, path="/agents/assistant/runs", method="POST")
    with AgentOSClient("http://fake.local", transport=FakeTransport(long_fake), reconnect=policy) as client:
        streams = [client.agents.stream("assistant", "go", background=True) for _ in range(6)]
        got = [list(stream) for stream in streams]
    for evs in got:
        assert_exactly_once(evs)
    # Two resumes went at once, the other four waited their turns, one per 100 s (the test's
    # clock; the zero backoffs are recorded as 0).
    assert [round(s) for s in clock.sleeps if s > 0] == [100, 100, 100, 100]


@pytest.mark.parametrize(
    "kwargs", [{"max_resume_rate": 0}, {"max_resume_rate": float("inf")}, {"max_resume_rate": "5"}, {"resume_burst": 0}]
)
def test_reconnect_policy_rejects_a_bad_pace(kwargs: Any) -> None:
    with pytest.raises(ValueError, match="resume"):
        ReconnectPolicy(**kwargs)


def test_a_policy_copy_or_unpickled_policy_is_equal_and_paces_on_its_own(clock: Clock) -> None:
    policy = ReconnectPolicy(max_resume_rate=0.01, resume_burst=1)
    policy.admit()
    for other in (pickle.loads(pickle.dumps(policy)), copy.copy(policy), copy.deepcopy(policy)):
        assert other == policy and hash(other) == hash(policy)
        other.admit()  # its own bucket: the burst is there again
    assert clock.sleeps == []


# -- issue 25: a stream left open outside `with` -----------------------------------------------------
def test_a_stream_abandoned_open_after_break_is_closed_and_warns() -> None:
    fake = FakeAgentOS()
    client = AgentOSClient("http://fake", transport=fake.transport())
    stream = client.agents.stream("assistant", "Tell me a long story", background=True)
    for _ in stream:
        break
    response = stream._connection.response
    assert response is not None and not stream.closed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del stream
        gc.collect()
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(unclosed) == 1 and "use `with ... as stream:`" in str(unclosed[0].message)
    assert fake.runs[fake.last_run.run_id].status == "RUNNING"  # closed, not cancelled: a background run goes on


def test_a_stream_read_to_its_end_or_closed_by_with_does_not_warn() -> None:
    client = AgentOSClient("http://fake", transport=FakeAgentOS().transport())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in client.agents.stream("assistant", "Hi"):
            pass
        with client.agents.stream("assistant", "Hi", background=True) as stream:
            for _ in stream:
                break
        del stream
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_pace_turn_past_the_stream_deadline_ends_the_outage_at_once(fake: FakeAgentOS, sleeps: List[float]) -> None:
    # One resume per 100 s and the burst spent: the stream's turn would come after its 30 s
    # deadline, so it is not waited for (the one deadline rule); the outage ends now with the cut.
    fake.add_agent("assistant", reply=LONG)
    policy = ReconnectPolicy(initial_backoff=0.0, max_backoff=0.0, max_resume_rate=0.01, resume_burst=1)
    assert policy.admit()
    with AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=policy) as client:
        fake.faults.cut(after_events=3, path="/runs", method="POST")
        stream = client.run_agent_stream("assistant", "go", background=True, deadline=30)
        got: List[Any] = []
        with pytest.raises(errors.ReconnectExhaustedError) as info:
            for ev in stream:
                got.append(ev)
    assert len(got) == 3 and info.value.attempts == 0 and info.value.last_event_index == 2
    assert fake.requests_to("/resume") == [] and all(s < 30 for s in sleeps), sleeps
