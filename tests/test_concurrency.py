"""run_many and StreamWorker: many runs on a bounded pool, a stream read on a worker thread, and one
client shared by 32 streaming threads over real loopback HTTP."""

from __future__ import annotations

import functools
import gc
import json
import os
import queue
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import pytest
from _support import FAST_RECONNECT, established_sockets, handler_client, pool_state

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.concurrency import RunRequest, RunResult, StreamWorker, run_many, stream_in_thread
from agentos_sync.streams import RunStream
from agentos_sync.testing import FakeAgentOS, FakeTransport
from agentos_sync.transports.base import IteratorResponse, Request, Response, Transport

WAIT = 10.0  # the longest any test waits for something that should take milliseconds


# -- a stream whose silences the test controls --------------------------------------------------


def _event(name: str, index: int, run_id: str = "run-1", **fields: Any) -> bytes:
    data = {"event": name, "created_at": 1, "run_id": run_id, "session_id": "sess-1", "agent_id": "a", **fields}
    data["event_index"] = index
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class Gate:
    """Body chunks with pauses: ``hold()`` marks a point where the body goes silent until
    ``release()``; closing the response wakes a read blocked there, as closing a socket would.
    Waits are bounded: a test that forgets to release fails, it does not hang."""

    def __init__(self) -> None:
        self._held: List[threading.Event] = []
        self.closed = threading.Event()

    def hold(self) -> threading.Event:
        ev = threading.Event()
        self._held.append(ev)
        return ev

    def close(self) -> None:
        self.closed.set()
        for ev in self._held:
            ev.set()


class GatedBody:
    def __init__(self, parts: List[Union[bytes, threading.Event, Exception]], gate: Gate) -> None:
        self._parts = iter(parts)
        self._gate = gate

    def __iter__(self) -> GatedBody:
        return self

    def __next__(self) -> bytes:
        while True:
            if self._gate.closed.is_set():
                raise StopIteration
            part = next(self._parts)
            if isinstance(part, threading.Event):
                if not part.wait(WAIT):
                    raise AssertionError("gate never released")
            elif isinstance(part, Exception):
                raise part
            else:
                return part

    def close(self) -> None:
        self._gate.close()


def gated_client(parts: List[Union[bytes, threading.Event, Exception]], gate: Gate) -> AgentOSClient:
    def handler(request: Request) -> Response:
        return IteratorResponse(200, {"content-type": "text/event-stream"}, GatedBody(parts, gate))

    client, _ = handler_client(handler)
    return client


def content_run(n: int, run_id: str = "run-1") -> List[bytes]:
    parts = [_event("RunStarted", 0, run_id)]
    parts += [_event("RunContent", i, run_id, content=f"w{i} ") for i in range(1, n + 1)]
    parts.append(_event("RunCompleted", n + 1, run_id, content="done"))
    return parts


# -- run_many -------------------------------------------------------------------------------------


def test_run_many_returns_results_in_input_order_with_errors_captured(fake: FakeAgentOS, client: AgentOSClient) -> None:
    fake.add_agent("writer", reply=lambda m: f"written: {m}")
    fake.add_agent("broken", error="the model exploded")
    fake.add_agent("second").add_team("duo", members=["writer", "second"])
    requests = [
        ("assistant", "What is 2 + 2?"),
        RunRequest(id="missing", message="hello"),
        ("writer", "one", {"user_id": "u1"}),
        RunRequest(id="broken", message="boom"),
        RunRequest(kind="team", id="duo", message="together"),
        ("writer", "two"),
    ]
    results = run_many(client, requests, max_workers=4)

    assert [r.index for r in results] == list(range(6))
    assert [r.request.id for r in results] == ["assistant", "missing", "writer", "broken", "duo", "writer"]
    assert [r.ok for r in results] == [True, False, True, False, True, True]
    assert results[0].unwrap().content == "2 + 2 = 4."
    assert isinstance(results[1].error, errors.NotFoundError)
    assert results[2].output is not None and results[2].output.content == "written: one"
    assert results[2].output.user_id == "u1"
    failed = results[3].error
    assert isinstance(failed, errors.RunFailedError) and "the model exploded" in str(failed)
    assert failed.output is not None and failed.output.status == "ERROR"
    assert results[4].output is not None and results[4].output.team_id == "duo"
    assert results[5].unwrap().content == "written: two"
    with pytest.raises(errors.NotFoundError):
        results[1].unwrap()
    assert all(r.elapsed >= 0 for r in results)


def test_run_many_runs_concurrently_but_never_more_than_max_workers(fake: FakeAgentOS) -> None:
    inflight = [0, 0]  # now, max
    lock = threading.Lock()
    barrier = threading.Barrier(3, timeout=WAIT)  # passes only if 3 runs are in flight at once

    class Counting(Transport):
        def __init__(self) -> None:
            self.inner = FakeTransport(fake)

        def send(self, request: Request) -> Response:
            with lock:
                inflight[0] += 1
                inflight[1] = max(inflight[1], inflight[0])
            try:
                barrier.wait()
                return self.inner.send(request)
            finally:
                with lock:
                    inflight[0] -= 1

    client = AgentOSClient("http://fake.local", transport=Counting())
    results = run_many(client, [("assistant", f"q{i}") for i in range(9)], max_workers=3)
    assert all(r.ok for r in results), [r.error for r in results]
    assert [r.unwrap().content for r in results] == [f"You said: q{i}" for i in range(9)]
    assert inflight[1] == 3


def test_run_many_validates_every_request_before_starting_any(fake: FakeAgentOS, client: AgentOSClient) -> None:
    with pytest.raises(TypeError, match="#1"):
        run_many(client, [("assistant", "ok"), "not a request"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="kind"):
        run_many(client, [RunRequest(kind="robot", id="x", message="hi")])
    with pytest.raises(ValueError, match="background"):
        run_many(client, [("assistant", "hi", {"background": True})])
    with pytest.raises(ValueError, match="max_workers"):
        run_many(client, [("assistant", "hi")], max_workers=0)
    with pytest.raises(TypeError, match="single"):
        run_many(client, RunRequest(id="assistant", message="hi"))  # type: ignore[arg-type]
    assert fake.requests == []
    assert run_many(client, []) == []


def test_run_many_on_a_closed_client_raises_at_once(fake: FakeAgentOS) -> None:
    client = AgentOSClient("http://fake.local", transport=FakeTransport(fake))
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        run_many(client, [("assistant", "hi")])


def test_run_many_resumable_survives_a_cut_without_rerunning(fake: FakeAgentOS, client: AgentOSClient) -> None:
    fake.faults.cut(after_events=2, path="/agents/assistant/runs", method="POST")
    results = run_many(client, [("assistant", "What is 2 + 2?")], resumable=True)
    assert results[0].unwrap().content == "2 + 2 = 4."
    assert fake.run_count("assistant") == 1
    assert len(fake.requests_to("/resume")) == 1


def test_run_many_on_result_sees_each_result_in_the_calling_thread(client: AgentOSClient) -> None:
    seen: List[Tuple[int, str]] = []
    results = run_many(
        client,
        [("assistant", "a"), ("missing", "b"), ("assistant", "c")],
        on_result=lambda r: seen.append((r.index, threading.current_thread().name)),
    )
    assert sorted(i for i, _ in seen) == [0, 1, 2]
    assert {name for _, name in seen} == {threading.current_thread().name}
    assert [r.ok for r in results] == [True, False, True]


def test_run_many_on_result_error_stops_the_wait(client: AgentOSClient) -> None:
    def explode(result: RunResult) -> None:
        raise KeyError("caller bug")

    with pytest.raises(KeyError):
        run_many(client, [("assistant", "a"), ("assistant", "b")], on_result=explode)


# -- StreamWorker: consuming ----------------------------------------------------------------------


def test_worker_get_returns_events_in_order_then_none() -> None:
    gate = Gate()
    client = gated_client(content_run(3), gate)
    stream = client.run_agent_stream("a", "hi")
    worker = StreamWorker(stream)
    got = []
    while True:
        ev = worker.get(timeout=WAIT)
        if ev is None:
            break
        got.append(ev)
    assert [e.event for e in got] == ["RunStarted", "RunContent", "RunContent", "RunContent", "RunCompleted"]
    assert [e.event_index for e in got] == [0, 1, 2, 3, 4]
    assert worker.get(timeout=0) is None  # and on every later call
    assert worker.join(WAIT) and worker.done and worker.error is None
    assert stream.closed and gate.closed.is_set()


def test_worker_get_times_out_while_the_run_is_silent_then_continues() -> None:
    gate = Gate()
    silence = gate.hold()
    parts: List[Any] = [_event("RunStarted", 0), silence, *content_run(1)[1:]]
    worker = stream_in_thread(gated_client(parts, gate).run_agent_stream("a", "hi"))
    assert isinstance(worker.get(timeout=WAIT), events.RunStartedEvent)
    with pytest.raises(queue.Empty):
        worker.get(timeout=0.05)
    with pytest.raises(TimeoutError, match="still open"):
        next(worker.events(timeout=0.05))
    silence.set()
    assert [e.event for e in worker.events(timeout=WAIT)] == ["RunContent", "RunCompleted"]


def test_worker_for_loop_sees_every_event_through_a_small_queue() -> None:
    gate = Gate()
    worker = StreamWorker(gated_client(content_run(200), gate).run_agent_stream("a", "hi"), maxsize=2)
    indexes = [ev.event_index for ev in worker]
    assert indexes == list(range(202))


def test_worker_reraises_the_stream_error_after_the_events_before_it() -> None:
    gate = Gate()
    parts: List[Any] = [
        _event("RunStarted", 0),
        _event("RunContent", 1, content="x"),
        errors.APIConnectionError("reset"),
    ]
    seen_errors: List[BaseException] = []
    done = threading.Event()
    worker = StreamWorker(
        gated_client(parts, gate).run_agent_stream("a", "hi"),  # foreground: a cut is not resumed
        on_error=seen_errors.append,
        on_done=done.set,
    )
    assert worker.get(timeout=WAIT) is not None
    assert worker.get(timeout=WAIT) is not None
    with pytest.raises(errors.StreamInterruptedError):
        worker.get(timeout=WAIT)
    with pytest.raises(errors.StreamInterruptedError):
        worker.get(timeout=0)  # the end, again
    assert done.is_set() and len(seen_errors) == 1 and seen_errors[0] is worker.error
    assert isinstance(worker.error, errors.StreamInterruptedError)


def test_worker_callbacks_get_the_events_and_the_end() -> None:
    gate = Gate()
    got: List[str] = []
    threads: List[str] = []
    done = threading.Event()

    def on_event(ev: events.RunEvent) -> None:
        got.append(ev.event)
        threads.append(threading.current_thread().name)

    worker = StreamWorker(
        gated_client(content_run(2), gate).run_agent_stream("a", "hi"), on_event=on_event, on_done=done.set
    )
    assert worker.join(WAIT)
    assert done.is_set()
    assert got == ["RunStarted", "RunContent", "RunContent", "RunCompleted"]
    assert threading.current_thread().name not in threads
    assert worker.get(timeout=WAIT) is None  # events went to the callback, the queue has the end


def test_worker_on_event_error_ends_the_stream_and_reaches_the_consumer() -> None:
    gate = Gate()

    def on_event(ev: events.RunEvent) -> None:
        raise ValueError("handler bug")

    worker = StreamWorker(gated_client(content_run(5), gate).run_agent_stream("a", "hi"), on_event=on_event)
    with pytest.raises(ValueError, match="handler bug"):
        worker.get(timeout=WAIT)
    assert worker.stream.closed


# -- StreamWorker: cancel, close, GC ---------------------------------------------------------------


def test_cancel_closes_a_silent_stream_and_stops_the_thread() -> None:
    gate = Gate()
    silence = gate.hold()
    parts: List[Any] = [_event("RunStarted", 0), silence, *content_run(3)[1:]]
    stream = gated_client(parts, gate).run_agent_stream("a", "hi", background=True)
    worker = StreamWorker(stream)
    assert worker.get(timeout=WAIT) is not None
    waiter: List[Optional[events.RunEvent]] = []
    blocked = threading.Thread(target=lambda: waiter.append(worker.get(timeout=WAIT)))
    blocked.start()
    worker.cancel()
    blocked.join(WAIT)
    assert waiter == [None]  # a consumer blocked in get() wakes with the end
    assert stream.closed and gate.closed.is_set()
    silence.set()  # the body would go on; nobody reads it
    assert worker.join(WAIT) and worker.cancelled and worker.error is None
    assert worker.get() is None
    worker.cancel()  # idempotent


def test_leaving_the_with_block_cancels() -> None:
    gate = Gate()
    silence = gate.hold()
    stream = gated_client([_event("RunStarted", 0), silence], gate).run_agent_stream("a", "hi")
    with StreamWorker(stream) as worker:
        assert worker.get(timeout=WAIT) is not None
    assert worker.cancelled and stream.closed
    silence.set()
    assert worker.join(WAIT)


def test_a_dropped_worker_is_collected_and_closes_its_stream() -> None:
    gate = Gate()
    stream = gated_client(content_run(50), gate).run_agent_stream("a", "hi")
    worker = StreamWorker(stream, maxsize=1)  # the thread blocks on the full queue
    assert worker.get(timeout=WAIT) is not None
    thread = worker._thread
    del worker
    gc.collect()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert stream.closed


def test_cancel_wakes_a_read_blocked_on_a_socket() -> None:
    """cancel() from another thread must not wait for the server's next byte."""
    fake = FakeAgentOS()
    with fake.serve(event_delay=2.0) as server, AgentOSClient(server.url, reconnect=FAST_RECONNECT) as client:
        stream = client.run_agent_stream("assistant", "hello there", background=True)
        worker = StreamWorker(stream)
        assert worker.get(timeout=WAIT) is not None  # then the server is silent for 2 s
        start = time.monotonic()
        worker.cancel()
        assert worker.join(WAIT)
        elapsed = time.monotonic() - start
    # The server stays silent for 2 s: a prompt cancel proves close() woke the blocked read.
    assert elapsed < 1.0, f"cancel took {elapsed:.1f} s"


# -- bad use ----------------------------------------------------------------------------------------


async def _async_handler(ev: events.RunEvent) -> None:  # pragma: no cover - never awaited
    pass


class _AsyncCallable:
    async def __call__(self, ev: events.RunEvent) -> None:  # pragma: no cover - never awaited
        pass


@pytest.mark.parametrize(
    "callback",
    [_async_handler, functools.partial(_async_handler), _AsyncCallable()],
    ids=["async def", "partial", "async __call__"],
)
def test_async_callables_are_refused(client: AgentOSClient, callback: Callable[..., Any]) -> None:
    stream = client.run_agent_stream("assistant", "hi")
    with pytest.raises(TypeError, match="synchronous"):
        StreamWorker(stream, on_event=callback)
    with pytest.raises(TypeError, match="synchronous"):
        StreamWorker(stream, on_done=callback)
    with pytest.raises(TypeError, match="synchronous"):
        run_many(client, [("assistant", "hi")], on_result=callback)
    stream.close()


def test_a_callback_returning_a_coroutine_is_an_error_not_a_silent_drop(client: AgentOSClient) -> None:
    worker = StreamWorker(client.run_agent_stream("assistant", "hi"), on_event=lambda ev: _async_handler(ev))
    with pytest.raises(TypeError, match="awaitable"):
        worker.get(timeout=WAIT)


def test_a_coroutine_object_is_refused(client: AgentOSClient) -> None:
    coro = _async_handler(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="awaitable"):
        StreamWorker(client.run_agent_stream("assistant", "hi"), on_event=coro)  # type: ignore[arg-type]


def test_a_closed_stream_is_refused(client: AgentOSClient) -> None:
    stream = client.run_agent_stream("assistant", "hi")
    stream.close()
    with pytest.raises(errors.StreamError, match="closed"):
        StreamWorker(stream)


def test_iterating_the_stream_while_a_worker_reads_it_raises() -> None:
    gate = Gate()
    silence = gate.hold()
    stream = gated_client([_event("RunStarted", 0), silence], gate).run_agent_stream("a", "hi")
    with StreamWorker(stream) as worker:
        assert worker.get(timeout=WAIT) is not None
        with pytest.raises(RuntimeError, match="one consumer"):
            next(stream)
        with pytest.raises(RuntimeError, match="one consumer"):
            for _ in stream:  # a for loop, too (it does not go through __next__ otherwise)
                pass
    silence.set()


def test_iterating_a_closed_stream_raises_a_clear_error(client: AgentOSClient) -> None:
    stream = client.run_agent_stream("assistant", "hi", background=True)
    next(stream)
    stream.close()
    with pytest.raises(errors.StreamError, match="closed"):
        next(stream)


def test_a_closed_client_raises_a_clear_error(fake: FakeAgentOS) -> None:
    client = AgentOSClient("http://fake.local", transport=FakeTransport(fake))
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.run_agent_stream("assistant", "hi")


# -- 32 threads, one client, real sockets ------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="counts sockets through /proc")
def test_32_threads_share_one_client_over_http_without_mixing_or_leaking(monkeypatch: pytest.MonkeyPatch) -> None:
    threads_n = 32
    # socketserver's listen backlog is 5: a burst of 32 connects would be reset (the streams then
    # resume, which is another test); this one measures sharing and pooling.
    monkeypatch.setattr("agentos_sync.testing._server._HTTPServer.request_queue_size", 128)
    fake = FakeAgentOS()
    with fake.serve() as server:
        client = AgentOSClient(server.url, pool_maxsize=threads_n)
        barrier = threading.Barrier(threads_n, timeout=WAIT)
        results: Dict[int, Tuple[RunStream, List[events.RunEvent]]] = {}
        failures: List[BaseException] = []

        def worker(i: int) -> None:
            try:
                barrier.wait()
                with client.run_agent_stream("assistant", f"thread {i} " + "word " * (i % 7), background=True) as s:
                    results[i] = (s, list(s))
            except BaseException as exc:
                failures.append(exc)

        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(30)
        assert not failures, failures
        assert len(results) == threads_n

        run_ids = set()
        for i, (stream, evs) in results.items():
            assert stream.run_id is not None and stream.closed
            run_ids.add(stream.run_id)
            assert {ev.run_id for ev in evs} == {stream.run_id}, f"thread {i} saw another run's events"
            assert {ev.session_id for ev in evs} == {stream.session_id}
            indexes = [ev.event_index for ev in evs]
            assert indexes == sorted(set(indexes))
            text = "".join(ev.content for ev in evs if isinstance(ev, events.RunContentEvent))
            assert text.strip() == f"You said: thread {i} {'word ' * (i % 7)}".strip()
            assert evs[-1].event == "RunCompleted"
        assert len(run_ids) == threads_n

        sockets = established_sockets(server.port)
        state = pool_state(client)
        print(f"\n32 threads: {state['made']} connections made, {state['idle']} idle in the pool, {sockets} open")
        assert sockets <= threads_n
        assert sockets == state["idle"]  # every open socket is back in the pool, none held by a stream
        client.close()
        deadline = time.monotonic() + WAIT
        while established_sockets(server.port) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert established_sockets(server.port) == 0
