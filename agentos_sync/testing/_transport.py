"""A transport for tests over a plain function (``MockTransport``, which ``FakeTransport`` extends),
and the answers such a function builds (``json_response``, ``sse_response``)."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, Iterable, List, Mapping, Optional

from ..transports.base import BytesResponse, Request, Response, Transport

__all__ = ["MockTransport", "json_response", "sse_response"]


class MockTransport(Transport):
    """A `Transport` that answers every request with
    ``handler(request)``, as httpx's ``MockTransport`` does: script any answer (a status, a broken
    body, a raised ``APIConnectionError``) in a few lines. Every request sent is kept in
    ``requests``, in order.

    Example:
        ```python
        from agentos_sync import AgentOSClient
        from agentos_sync.testing import MockTransport, json_response

        transport = MockTransport(lambda request: json_response(200, {"run_id": "r1", "content": "4"}))
        client = AgentOSClient("http://test", transport=transport)
        assert client.agents.run("assistant", "2 + 2?").content == "4"
        assert transport.requests[0].form["message"] == "2 + 2?"
        ```
    """

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        if not callable(handler):
            raise TypeError(f"handler must be a function taking a Request, got {type(handler).__name__}")
        self.handler = handler
        self.requests: List[Request] = []
        self._lock = threading.Lock()

    def send(self, request: Request) -> Response:
        """Record ``request`` and return ``handler(request)`` (which must be a Response)."""
        with self._lock:
            self.requests.append(request)
        response = self.handler(request)
        if not isinstance(response, Response):
            raise TypeError(
                f"the MockTransport handler must return a Response (json_response(...), sse_response(...), "
                f"BytesResponse(...)), got {type(response).__name__}"
            )
        return response

    def __repr__(self) -> str:
        return f"MockTransport({getattr(self.handler, '__qualname__', self.handler)!r})"


def json_response(status: int, body: Any, headers: Optional[Mapping[str, str]] = None) -> Response:
    """A JSON response, for a `MockTransport` handler.

    Example:
        ```python
        MockTransport(lambda request: json_response(404, {"detail": "Agent not found"}))
        ```
    """
    return BytesResponse(status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode())


def sse_response(events: Iterable[Mapping[str, Any]], status: int = 200) -> Response:
    """An event stream of AgentOS events (each a dict with its ``"event"`` type), for a
    `MockTransport` handler.

    Example:
        ```python
        MockTransport(lambda request: sse_response([
            {"event": "RunStarted", "run_id": "r1"},
            {"event": "RunCompleted", "run_id": "r1", "content": "4"},
        ]))
        ```
    """
    frames = [f"event: {ev['event']}\ndata: {json.dumps(dict(ev))}\n\n" for ev in events]
    return BytesResponse(status, {"content-type": "text/event-stream"}, "".join(frames).encode())
