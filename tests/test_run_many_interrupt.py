"""Ctrl-C in run_many: it returns at once, closes the streams its threads read, starts nothing
more, and leaves no thread that would hold the process at exit.

The transport's streams block until closed, like a silent run on a real socket; the interrupt is
sent to the main thread once every started run is reading, as a real SIGINT, and as a SIGINT the
interpreter records without waking the thread (``_thread.interrupt_main``: what CPython's
lost-wakeup race leaves, see agentos_sync/_waits.py). The bound is the test's timeout: a run_many
that waited for its runs, or slept through the Ctrl-C, would hang here until it.
"""

from __future__ import annotations

import _thread
import signal
import threading
from typing import Iterator, List

import pytest

from agentos_sync import AgentOSClient
from agentos_sync.concurrency import run_many
from agentos_sync.transports.base import BytesResponse, IteratorResponse, Request, Response, Transport

SSE = {"content-type": "text/event-stream"}
STARTED = b'event: RunStarted\ndata: {"event":"RunStarted","run_id":"r","session_id":"s","event_index":0}\n\n'


class BlockingStreams(Transport):
    """Every run starts, sends RunStarted, then goes silent until its response is closed."""

    def __init__(self, expected_readers: int) -> None:
        self.sent: List[Request] = []
        self.closed: List[threading.Event] = []
        self.all_reading = threading.Barrier(expected_readers + 1)
        self._lock = threading.Lock()

    def send(self, request: Request) -> Response:
        closed = threading.Event()
        with self._lock:
            self.sent.append(request)
            self.closed.append(closed)

        def body() -> Iterator[bytes]:
            yield STARTED
            self.all_reading.wait()
            closed.wait()  # a recv() that only a close ends

        return IteratorResponse(200, SSE, body(), on_close=closed.set)


def interrupt_when(barrier: threading.Barrier, how: str = "signal") -> None:
    main = threading.main_thread().ident
    assert main is not None

    def fire() -> None:
        barrier.wait()
        if how == "signal":
            signal.pthread_kill(main, signal.SIGINT)
        else:
            _thread.interrupt_main()

    threading.Thread(target=fire, daemon=True).start()


@pytest.mark.timeout(10)
@pytest.mark.parametrize("how", ["signal", "recorded"])
def test_ctrl_c_closes_the_streams_being_read_and_starts_nothing_more(how: str) -> None:
    transport = BlockingStreams(expected_readers=3)
    client = AgentOSClient("http://fake.local", transport=transport, max_retries=0)
    before = set(threading.enumerate())
    interrupt_when(transport.all_reading, how)
    with pytest.raises(KeyboardInterrupt):
        run_many(client, [("assistant", f"q{i}") for i in range(10)], max_workers=3, resumable=True)
    # Closed before run_many raised: not one stream is left reading.
    assert len(transport.closed) == 3 and all(closed.is_set() for closed in transport.closed)
    assert len(transport.sent) == 3  # the seven runs not started are never sent
    for thread in set(threading.enumerate()) - before:
        if thread.name.startswith("agentos_sync-run_many"):
            thread.join()  # they end once their stream is closed; the timeout bounds this too


def test_run_many_threads_never_hold_the_process_at_exit() -> None:
    names: List[str] = []

    class Recording(Transport):
        def send(self, request: Request) -> Response:
            thread = threading.current_thread()
            assert thread.daemon, "a non-daemon worker is joined at exit: Ctrl-C would wait for its run"
            names.append(thread.name)
            body = b'{"run_id":"r","status":"COMPLETED","content":"ok"}'
            return IteratorResponse(200, {"content-type": "application/json"}, [body])

    client = AgentOSClient("http://fake.local", transport=Recording())
    results = run_many(client, [("assistant", "a"), ("assistant", "b")], max_workers=2)
    assert [r.unwrap().content for r in results] == ["ok", "ok"]
    assert len(names) == 2 and all(n.startswith("agentos_sync-run_many") for n in names)


def test_an_on_result_error_also_closes_the_streams_still_read() -> None:
    transport = BlockingStreams(expected_readers=2)

    class Failing(Transport):
        """Two runs stream forever; the third fails with 404 once both are reading."""

        def send(self, request: Request) -> Response:
            if "/agents/missing/" in request.url:
                transport.all_reading.wait()
                return BytesResponse(404, {"content-type": "application/json"}, b'{"detail": "no such agent"}')
            return transport.send(request)

    class Boom(Exception):
        pass

    def on_result(result: object) -> None:
        raise Boom()

    client = AgentOSClient("http://fake.local", transport=Failing(), max_retries=0)
    requests = [("assistant", "a"), ("assistant", "b"), ("missing", "c")]
    with pytest.raises(Boom):
        run_many(client, requests, max_workers=3, resumable=True, on_result=on_result)
    assert len(transport.closed) == 2 and all(closed.is_set() for closed in transport.closed)
