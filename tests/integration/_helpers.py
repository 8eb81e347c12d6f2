"""Helpers shared by the client-level integration tests (``test_*_real.py``): plain functions, no
fixtures (the fixtures live in conftest.py).

Conventions: a "delivered" list is what a ``RunStream`` yielded; "the server's events" are what a
clean ``/resume`` from the start replays, read with a client that talks to the server directly (no
proxy), so comparing the two proves every event arrived exactly once, in order.
"""

from __future__ import annotations

import socket
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type
from urllib.parse import urlencode

from agentos_sync import AgentOSClient, ReconnectPolicy, events

#: Reconnect fast: the proxy's cuts are instantaneous, so backoff would only be dead time.
FAST = ReconnectPolicy(max_attempts=20, initial_backoff=0.01, max_backoff=0.1, deadline=30.0)
#: Outages of a few seconds (refused connections, a server restart): many short attempts, bounded.
SHORT = ReconnectPolicy(max_attempts=200, initial_backoff=0.05, max_backoff=0.5, deadline=30.0)

#: A response's status line and headers take ~163 bytes on this server (uvicorn: date, server,
#: content-type, vary, transfer-encoding): a cut at or below this offset is inside the headers.
IN_HEADERS = 150

#: Path regexes for FaultProxy rules (the proxy matches the path only, without the query string:
#: ``CREATE`` therefore also matches the GET that lists a session's runs).
CREATE = r"^/agents/assistant/runs$"
CREATE_OR_RESUME = r"^/agents/assistant/runs(/[^/]+/resume)?$"

Delivered = List[events.RunEvent]


def tokens(n: int) -> str:
    """The text of the fake LLM's ``[tokens=n]`` reply."""
    return "".join(f"tok{i} " for i in range(n))


def new_session(prefix: str = "it") -> str:
    return f"{prefix}-{uuid.uuid4()}"


def run_events(evs: Sequence[events.RunEvent]) -> Delivered:
    """The run's own events, without the stream meta frames (catch_up, replay, subscribed)."""
    return [e for e in evs if not isinstance(e, events.StreamMetaEvent)]


def indices(evs: Sequence[events.RunEvent]) -> List[int]:
    out = []
    for e in run_events(evs):
        assert e.event_index is not None, f"{e.event} has no event_index"
        out.append(e.event_index)
    return out


def assert_strictly_increasing(idx: Sequence[int]) -> None:
    bad = [(a, b) for a, b in zip(idx, idx[1:]) if b <= a]
    assert not bad, f"event_index not strictly increasing (re-delivered or reordered): {bad[:5]} in {list(idx)}"


def text_of(evs: Sequence[events.RunEvent], cls: Type[events.RunEvent] = events.RunContentEvent) -> str:
    return "".join(str(e.content or "") for e in evs if isinstance(e, cls))


def signature(evs: Sequence[events.RunEvent]) -> List[Tuple[Optional[int], str]]:
    """(event_index, event type) of each run event: what "the same events" means."""
    return [(e.event_index, e.event) for e in run_events(evs)]


def server_events(
    client: AgentOSClient,
    kind: str,
    component: str,
    run_id: str,
    session_id: Optional[str],
    status: str = "COMPLETED",
) -> Delivered:
    """Every event the server holds for a finished run: a clean /resume from the start, which
    must answer ``replay`` with ``status``."""
    resume: Callable[..., Any] = {
        "agent": client.resume_run_stream,
        "team": client.resume_team_run_stream,
        "workflow": client.resume_workflow_run_stream,
    }[kind]
    with resume(component, run_id, last_event_index=None, session_id=session_id) as stream:
        evs = list(stream)
    assert isinstance(evs[0], events.ReplayEvent) and (evs[0].status or "").upper() == status, evs[:1]
    return run_events(evs)


def assert_exactly_once(delivered: Sequence[events.RunEvent], server: Sequence[events.RunEvent]) -> None:
    """The stream delivered exactly the server's events: none lost, none twice, same order."""
    got, want = signature(delivered), signature(server)
    assert got == want, f"delivered != server's events\n delivered: {got}\n server:    {want}"


def read_then_close(stream: Any, n: int) -> List[events.RunEvent]:
    """Read ``n`` events of a stream, then close it (the connection drops; the run goes on)."""
    got: List[events.RunEvent] = []
    for ev in stream:
        got.append(ev)
        if len(got) == n:
            break
    stream.close()
    return got


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.02) -> Any:
    """Poll until ``predicate()`` is truthy; returns its last value (falsy at timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def raw_response(port: int, path: str, form: Dict[str, Any], timeout: float = 30.0) -> bytes:
    """POST a form over a raw keep-alive socket and return the response's exact bytes (status line,
    headers, chunk framing) up to the last chunk: the bytes a FaultProxy rule counts."""
    body = urlencode(form).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    raw = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + body)
        while not raw.endswith(b"\r\n0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            raw += chunk
    return raw


def offset_after_frame(raw: bytes, event_name: str, nth: int = 1) -> int:
    """The byte offset just past the ``nth`` ``event: <event_name>`` SSE frame in ``raw`` (and the
    CRLF that ends its HTTP chunk): a cut there delivers that frame whole, and nothing after it."""
    pos = -1
    for _ in range(nth):
        pos = raw.index(f"event: {event_name}\n".encode(), pos + 1)
    end = raw.index(b"\n\n", pos) + 2
    if raw[end : end + 2] == b"\r\n":
        end += 2
    return end
