"""Scriptable, deterministic fault injection for the fake AgentOS server."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Union

from ..errors import APIConnectionError, APITimeoutError
from ._body import Frame
from ._sse import meta_frame

__all__ = ["Fault", "FaultPlan", "RawBody"]

RawBody = Union[bytes, str, Iterable[bytes], Callable[[], Iterable[bytes]]]
"""A raw override body: bytes or text, an iterable of chunks (a generator makes a never-ending
body), or a zero-argument callable returning a fresh iterable each time the fault fires."""

_REQUEST_KINDS = frozenset({"refuse", "status", "raw"})
_BODY_KINDS = frozenset({"cut", "stall", "inject", "restart"})
_HEADER_KINDS = frozenset({"cut_headers", "gateway"})


@dataclass(eq=False)
class Fault:
    """One scripted fault. It matches requests whose path contains ``path`` (any path when None)
    and whose method is ``method`` (any when None), and fires on the next ``times`` of them.

    ``fired`` counts the requests it was applied to; ``triggered`` counts the bodies it actually
    broke (a body fault armed on a stream that ended before its trigger point is not triggered).

    Example:
        ```python
        fault = fake.faults.cut(after_events=3, path="/runs")
        ...
        assert fault.fired == 1 and fault.triggered == 1
        ```
    """

    kind: str
    times: int = 1
    path: Optional[str] = None
    method: Optional[str] = None
    after_events: Optional[int] = None
    after_bytes: Optional[int] = None
    status: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: RawBody = b""
    data: bytes = b""
    close: bool = True
    seconds: Optional[float] = None
    fired: int = 0
    triggered: int = 0

    @property
    def remaining(self) -> int:
        """How many more matching requests this fault will fire on."""
        return max(0, self.times - self.fired)

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or self.path in path

    def raw_chunks(self) -> Iterable[bytes]:
        body = self.body
        if isinstance(body, str):
            return [body.encode()]
        if isinstance(body, bytes):
            return [body] if body else []
        if callable(body):
            return body()
        return body


class FaultPlan:
    """The faults scripted on a `FakeAgentOS` (``fake.faults``).

    Every method adds one `Fault` and returns it. Faults are checked in the order they
    were added; at most one fault of each phase applies to a request:

    1. request phase, before the server sees the request: `refuse`, `status`,
       `raw` (the request is not processed);
    2. header phase, after the request was processed: `cut_headers`;
    3. body phase, on ``text/event-stream`` responses only: `cut`, `stall`,
       `error_frame`, `inject`, `restart`.

    ``after_events=N`` counts run-event frames (meta frames such as ``catch_up`` do not count): the
    fault triggers right after the N-th one is written (N=0: before any frame). ``after_bytes=N``
    triggers after exactly N body bytes, possibly mid-frame. Because a run produces events only as
    they are streamed, a stream cut after N events leaves its run with exactly N produced events.

    Example:
        ```python
        fake.faults.cut(after_events=3, path="/agents/assistant/runs", method="POST")
        fake.faults.status(503, path="/resume", times=2)
        fake.faults.status(429, retry_after=1, path="/runs", method="POST")
        fake.faults.raw(body=b"<html>Bad gateway</html>", status=502, content_type="text/html")
        ```
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._faults: List[Fault] = []

    def _add(self, fault: Fault) -> Fault:
        if fault.times < 0:
            raise ValueError("times must be >= 0")
        with self._lock:
            self._faults.append(fault)
        return fault

    @staticmethod
    def _trigger_point(after_events: Optional[int], after_bytes: Optional[int]) -> None:
        if (after_events is None) == (after_bytes is None):
            raise ValueError("give exactly one of after_events or after_bytes")
        if (after_events or 0) < 0 or (after_bytes or 0) < 0:
            raise ValueError("after_events/after_bytes must be >= 0")

    # -- request phase ---------------------------------------------------------------------------
    def refuse(self, *, times: int = 1, path: Optional[str] = None, method: Optional[str] = None) -> Fault:
        """Refuse the connection: in memory ``send()`` raises ``APIConnectionError(reached_server=False)``
        and the request is neither processed nor recorded; over HTTP the socket is closed before any
        response (the request unread).

        Example: ``fake.faults.refuse(method="POST", times=2)``
        """
        return self._add(Fault("refuse", times=times, path=path, method=method))

    def status(
        self,
        status_code: int,
        *,
        detail: Optional[object] = None,
        retry_after: Optional[float] = None,
        headers: Optional[Mapping[str, str]] = None,
        times: int = 1,
        path: Optional[str] = None,
        method: Optional[str] = None,
    ) -> Fault:
        """Answer with ``status_code`` and ``{"detail": detail}`` (default: the status phrase) without
        processing the request, as a proxy or an overloaded server would. ``retry_after`` sets the
        ``Retry-After`` header.

        Example: ``fake.faults.status(503, path="/resume", times=3)``
        """
        hdrs = {"content-type": "application/json"}
        if retry_after is not None:
            hdrs["retry-after"] = f"{retry_after:g}"
        hdrs.update({k.lower(): v for k, v in (headers or {}).items()})
        if detail is None:
            try:
                detail = HTTPStatus(status_code).phrase
            except ValueError:
                detail = "Error"
        body = json.dumps({"detail": detail}, separators=(",", ":")).encode()
        return self._add(
            Fault("status", times=times, path=path, method=method, status=status_code, headers=hdrs, body=body)
        )

    def raw(
        self,
        *,
        body: RawBody = b"",
        status: int = 200,
        content_type: Optional[str] = "text/event-stream; charset=utf-8",
        headers: Optional[Mapping[str, str]] = None,
        times: int = 1,
        path: Optional[str] = None,
        method: Optional[str] = None,
    ) -> Fault:
        """Serve arbitrary bytes instead of processing the request: invalid JSON, an HTML error
        page, invalid UTF-8, a huge frame, or a never-ending body (pass a generator, or a callable
        returning one so each firing gets a fresh body). A raw body is served with no body faults.

        Example: ``fake.faults.raw(body=b"{oops", content_type="application/json", path="/config")``
        """
        hdrs: Dict[str, str] = {}
        if content_type is not None:
            hdrs["content-type"] = content_type
        hdrs.update({k.lower(): v for k, v in (headers or {}).items()})
        return self._add(Fault("raw", times=times, path=path, method=method, status=status, headers=hdrs, body=body))

    # -- header phase ----------------------------------------------------------------------------
    def cut_headers(self, *, times: int = 1, path: Optional[str] = None, method: Optional[str] = None) -> Fault:
        """Process the request (a run is created), then break the connection inside the response
        headers: ``send()`` raises ``APIConnectionError(reached_server=True)``.

        Example: ``fake.faults.cut_headers(path="/agents/assistant/runs", method="POST")``
        """
        return self._add(Fault("cut_headers", times=times, path=path, method=method))

    def gateway(
        self, status: int = 502, *, times: int = 1, path: Optional[str] = None, method: Optional[str] = None
    ) -> Fault:
        """Process the request (a run is created), then answer as a gateway in front of AgentOS
        that lost the answer: nginx's HTML page with ``status`` (502 when its link to AgentOS
        reset, 504 when AgentOS was slower than its read timeout). The server saw the client go,
        as behind a real nginx (a foreground stream's run is cancelled).

        Example: ``fake.faults.gateway(504, path="/agents/assistant/runs", method="POST")``
        """
        if not 500 <= status <= 599:
            raise ValueError(f"a gateway's failure status is a 5xx, got {status}")
        return self._add(Fault("gateway", times=times, path=path, method=method, status=status))

    # -- body phase ------------------------------------------------------------------------------
    def cut(
        self,
        *,
        after_events: Optional[int] = None,
        after_bytes: Optional[int] = None,
        times: int = 1,
        path: Optional[str] = None,
        method: Optional[str] = None,
    ) -> Fault:
        """Break the next ``times`` SSE responses mid-body, as a reset would: ``iter_bytes()``
        raises ``APIConnectionError``; over HTTP the socket closes without the final chunk.

        Example: ``fake.faults.cut(after_events=3, times=2)`` or ``fake.faults.cut(after_bytes=100)``
        """
        self._trigger_point(after_events, after_bytes)
        return self._add(
            Fault("cut", times=times, path=path, method=method, after_events=after_events, after_bytes=after_bytes)
        )

    def stall(
        self,
        *,
        after_events: Optional[int] = None,
        after_bytes: Optional[int] = None,
        seconds: Optional[float] = None,
        times: int = 1,
        path: Optional[str] = None,
        method: Optional[str] = None,
    ) -> Fault:
        """Go silent mid-body. In memory ``iter_bytes()`` raises ``APITimeoutError`` at once (as if
        the read timeout expired; nothing sleeps); over HTTP the server sleeps ``seconds`` (default:
        the ``stall_seconds`` given to ``serve()``) and then closes the connection.

        Example: ``fake.faults.stall(after_events=2)``
        """
        self._trigger_point(after_events, after_bytes)
        return self._add(
            Fault(
                "stall",
                times=times,
                path=path,
                method=method,
                after_events=after_events,
                after_bytes=after_bytes,
                seconds=seconds,
            )
        )

    def error_frame(
        self,
        *,
        after_events: int = 0,
        error: str = "Event stream failed: connection to the event store was lost",
        times: int = 1,
        path: Optional[str] = None,
        method: Optional[str] = None,
    ) -> Fault:
        """Send ``event: error`` / ``{"event": "error", "error": error}`` after N events, then end
        the body cleanly: what AgentOS sends when its event stream fails.

        Example: ``fake.faults.error_frame(after_events=4, error="Event stream failed: redis down")``
        """
        data = meta_frame({"event": "error", "error": error})
        return self._add(
            Fault("inject", times=times, path=path, method=method, after_events=after_events, data=data, close=True)
        )

    def inject(
        self,
        data: Union[bytes, str],
        *,
        after_events: int = 0,
        close: bool = False,
        times: int = 1,
        path: Optional[str] = None,
        method: Optional[str] = None,
    ) -> Fault:
        """Insert raw bytes into an SSE body after N events (a ``: heartbeat\\n\\n`` comment, an
        unknown meta frame, a malformed frame); then go on, or end the body if ``close``.

        Example: ``fake.faults.inject(": heartbeat\\n\\n", after_events=1)``
        """
        raw = data.encode() if isinstance(data, str) else data
        return self._add(
            Fault("inject", times=times, path=path, method=method, after_events=after_events, data=raw, close=close)
        )

    def restart(
        self,
        *,
        after_events: Optional[int] = None,
        after_bytes: Optional[int] = None,
        times: int = 1,
        path: Optional[str] = None,
        method: Optional[str] = None,
    ) -> Fault:
        """Restart the server mid-stream (see ``FakeAgentOS.restart``) and cut this response.

        Example: ``fake.faults.restart(after_events=5, path="/runs")``
        """
        self._trigger_point(after_events, after_bytes)
        return self._add(
            Fault("restart", times=times, path=path, method=method, after_events=after_events, after_bytes=after_bytes)
        )

    # -- inspection ------------------------------------------------------------------------------
    def clear(self) -> None:
        """Drop every scripted fault. Example: ``fake.faults.clear()``"""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> List[Fault]:
        """Faults that will still fire. Example: ``assert fake.faults.pending == []``"""
        with self._lock:
            return [f for f in self._faults if f.remaining > 0]

    def __len__(self) -> int:
        return len(self.pending)

    def _take(self, phase: str, method: str, path: str) -> Optional[Fault]:
        """The first armed fault of ``phase`` ("request", "headers", "body") matching the request,
        marked as fired."""
        kinds = _REQUEST_KINDS if phase == "request" else _BODY_KINDS if phase == "body" else _HEADER_KINDS
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(method, path):
                    fault.fired += 1
                    return fault
        return None


def apply_body_fault(frames: Iterator[Frame], fault: Fault, restart: Callable[[], None]) -> Iterator[Frame]:
    """Wrap an SSE body so that ``fault`` breaks it at its trigger point. Never pulls a frame past
    the trigger point, so lazily produced runs stop exactly where the client was cut."""

    def trigger() -> Iterator[Frame]:
        fault.triggered += 1
        if fault.kind == "inject":
            yield Frame(fault.data)
            if not fault.close:
                yield from frames
            return
        if fault.kind == "restart":
            restart()
            raise APIConnectionError("Connection reset: the fake server restarted (scripted fault).")
        if fault.kind == "stall":
            raise APITimeoutError("Read timed out: the fake server stalled (scripted fault).")
        raise APIConnectionError("Connection reset by peer (scripted fault).")

    if fault.after_bytes is not None:
        limit = fault.after_bytes
        sent = 0
        if limit <= 0:
            yield from trigger()
            return
        for frame in frames:
            if sent + len(frame.data) >= limit:
                part = frame.data[: limit - sent]
                yield Frame(part, frame.is_event and len(part) == len(frame.data))
                yield from trigger()
                return
            sent += len(frame.data)
            yield frame
        return

    wanted = fault.after_events or 0
    if wanted <= 0:
        yield from trigger()
        return
    seen = 0
    for frame in frames:
        yield frame
        if frame.is_event:
            seen += 1
            if seen >= wanted:
                yield from trigger()
                return
