"""Helpers shared by the unit tests (imported as ``_support``)."""

from __future__ import annotations

from typing import Callable, List, Tuple

from agentos_sync import AgentOSClient, ReconnectPolicy
from agentos_sync.transports.base import Request, Response, Transport


class HandlerTransport(Transport):
    """Answers each request with ``handler(request)``; records what was sent."""

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self.requests: List[Request] = []

    def send(self, request: Request) -> Response:
        self.requests.append(request)
        return self.handler(request)


#: Reconnects without real waiting: unit tests must not sleep.
FAST_RECONNECT = ReconnectPolicy(max_attempts=5, initial_backoff=0.0, max_backoff=0.0, deadline=30.0)


def handler_client(handler: Callable[[Request], Response], **kwargs: object) -> Tuple[AgentOSClient, HandlerTransport]:
    transport = HandlerTransport(handler)
    kwargs.setdefault("reconnect", FAST_RECONNECT)
    return AgentOSClient("http://test.local", transport=transport, **kwargs), transport  # type: ignore[arg-type]
