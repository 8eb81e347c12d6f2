"""What an open stream holds while it waits for its next event (issue 27): nothing of the reads
before it. With 1,000 streams open in one process (``benchmarks/run.py --only scale``), each idle
stream held its pending 64 KiB read buffer and its last read twice over after a burst. These
tests read a burst of events over a real loopback socket, then look at what the transport and the
SSE decoder still hold while the reader is blocked on the silent connection."""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
from typing import Any, List

import pytest
from _wire import CHUNKED_HEAD, Conn, WireServer, chunk

from agentos_sync import errors
from agentos_sync.sse import iter_events
from agentos_sync.transports.base import Request
from agentos_sync.transports.requests import RequestsTransport


def _frame(i: int) -> bytes:
    data = (
        '{"event":"RunContent","created_at":1,"run_id":"r","session_id":"s","content":"tok ",'
        f'"model_provider_data":{{"id":"{"0" * 250}"}},"event_index":{i}}}'
    )
    return f"event: RunContent\ndata: {data}\n\n".encode()


BURST = 200  # ~75 KiB of frames, one HTTP chunk each, written at once: more than one read


def _bursting(conn: Conn) -> None:
    conn.read_request()
    conn.send(CHUNKED_HEAD + b"".join(chunk(_frame(i)) for i in range(BURST)))
    conn.hold()


@pytest.mark.timeout(20)
def test_an_idle_stream_holds_none_of_its_past_reads() -> None:
    held: List[int] = []
    raised: List[BaseException] = []
    with WireServer(_bursting) as server, RequestsTransport() as transport:
        response = transport.send(Request("GET", server.url + "/s", stream=True, timeout=(2.0, 10.0)))
        seen = threading.Event()
        count = [0]

        def consume() -> None:
            try:
                for ev in iter_events(response.iter_bytes()):
                    count[0] += 1
                    del ev  # the caller's own last event is the caller's business
                    if count[0] == BURST:
                        seen.set()
            except BaseException as exc:
                raised.append(exc)

        tracemalloc.start()
        try:
            reader = threading.Thread(target=consume, daemon=True)
            reader.start()
            assert seen.wait(10)
            time.sleep(0.3)  # the reader is now blocked waiting for the next byte
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [
                    tracemalloc.Filter(True, "*agentos_sync/transports/*"),
                    tracemalloc.Filter(True, "*agentos_sync/sse.py"),
                ]
            )
            held.append(sum(stat.size for stat in snapshot.statistics("filename")))
        finally:
            tracemalloc.stop()
            response.close()
            reader.join(5)
    # Before: ~64 KiB for the pending read1() (allocated before it blocked in recv), plus the last
    # read in the chunked decoder, the SSE decoder's chunk and its split frames: 150-250 KiB.
    assert held[0] < 16 * 1024, f"an idle stream holds {held[0]} bytes of its past reads"
    # close() from another thread ends the reader's loop quietly: a close never looks like a cut
    # (it did when the socket was shut down before the response was marked closed).
    assert raised == [] and not reader.is_alive()


@pytest.mark.timeout(20)
def test_a_silent_stream_still_times_out_after_a_first_read() -> None:
    def handler(conn: Conn) -> None:
        conn.read_request()
        conn.send(CHUNKED_HEAD + chunk(_frame(0)))
        conn.hold()

    with WireServer(handler) as server, RequestsTransport() as transport:
        response = transport.send(Request("GET", server.url + "/s", stream=True, timeout=(2.0, 0.5)))
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError), response:
            for _ in response.iter_bytes():
                pass
        assert time.monotonic() - started < 5


@pytest.mark.timeout(20)
def test_what_a_large_chunk_read_left_buffered_is_not_waited_for() -> None:
    """A chunk larger than a read is finished with read(n), which may leave what follows it (here
    the end of the body) in the socket file's buffer: the next read must not wait for the socket."""
    big = b"x" * (300 * 1024)

    def handler(conn: Conn) -> None:
        conn.read_request()
        conn.send(CHUNKED_HEAD + chunk(b"a" * 100))
        time.sleep(0.2)  # the client's next read finds its buffer empty (a poll() before it)
        conn.send(chunk(big) + chunk(b"tail") + b"0\r\n\r\n")
        conn.hold()

    with WireServer(handler) as server, RequestsTransport() as transport:
        response = transport.send(Request("GET", server.url + "/s", stream=True, timeout=(2.0, 6.0)))
        started = time.monotonic()
        with response:
            body: Any = b"".join(response.iter_bytes())
        assert body == b"a" * 100 + big + b"tail"
        assert time.monotonic() - started < 3


def test_the_stream_drops_its_last_read_before_it_waits_for_the_next() -> None:
    # While the transport waits for the next read, the stream's byte counter must not hold the
    # previous one (~15 KiB per idle stream at 1,000 streams after a burst).
    from agentos_sync.streams._connection import _counted

    held: List[bool] = []

    class Body:
        def iter_bytes(self) -> Any:
            yield b"x" * 65536
            held.append("chunk" in sys._getframe(1).f_locals)  # the frame that asked for this read
            yield b"y"

    total = [0]
    assert [len(c) for c in _counted(Body(), total)] == [65536, 1]  # type: ignore[arg-type]
    assert held == [False] and total == [65537]


@pytest.mark.parametrize(("open_bodies", "size"), [(1, 65536), (64, 65536), (128, 32768), (256, 16384), (1000, 16384)])
def test_reads_shrink_when_many_bodies_are_open(monkeypatch: pytest.MonkeyPatch, open_bodies: int, size: int) -> None:
    # One stream reads 64 KiB at a time (its throughput); a thousand share 64 x 64 KiB, down to
    # 16 KiB each (what a burst over all of them leaves in the heap).
    from agentos_sync.transports import _owned

    monkeypatch.setattr(_owned, "_OPEN", [object()] * open_bodies)
    assert _owned._read_size(65536) == size
    assert _owned._read_size(4096) == 4096


@pytest.mark.timeout(20)
def test_a_drained_body_reads_its_socket_and_polls_only_when_nothing_is_likely_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Once the socket file's buffer is empty, reads go to the descriptor: straight away after a
    read that filled its buffer (more is likely waiting; one GIL release instead of three), after a
    poll otherwise (an idle stream must not pay a read that finds nothing)."""
    from agentos_sync.transports import _owned

    ops: List[str] = []
    real_read, real_wait = _owned.os.read, _owned._OwnedFile._wait_readable

    def read(fd: int, size: int) -> bytes:
        try:
            data = real_read(fd, size)
        except BlockingIOError:
            ops.append("empty")
            raise
        ops.append("full" if len(data) == size else "short")
        return data

    def wait(self: Any) -> None:
        ops.append("poll")
        real_wait(self)

    monkeypatch.setattr(_owned.os, "read", read)
    monkeypatch.setattr(_owned._OwnedFile, "_wait_readable", wait)
    parts = [b"%06d" % i * 100 for i in range(500)]  # 600 bytes each, ~300 KB in all

    def handler(conn: Conn) -> None:
        conn.read_request()
        conn.send(CHUNKED_HEAD + chunk(b"first"))
        time.sleep(0.2)  # the reader drains its buffer and waits
        conn.send(b"".join(chunk(p) for p in parts) + b"0\r\n\r\n")
        conn.hold()

    with WireServer(handler) as server, RequestsTransport() as transport:
        response = transport.send(Request("GET", server.url + "/s", stream=True, timeout=(2.0, 6.0)))
        with response:
            body: Any = b"".join(response.iter_bytes())
    assert body == b"first" + b"".join(parts)
    reads = [op for op in ops if op != "poll"]
    assert "full" in reads, ops  # the burst was read from the descriptor, in full reads
    for before, after in zip(ops, ops[1:]):
        if before == "short":
            assert after == "poll", ops
        if before == "full":
            assert after in ("full", "short", "empty"), ops
