"""FakeTransport: the in-memory transport that answers from a FakeAgentOS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import APIConnectionError
from ..transports.base import IteratorResponse, Request, Response, Transport

if TYPE_CHECKING:
    from ._fake import FakeAgentOS

__all__ = ["FakeTransport"]


class FakeTransport(Transport):
    """A :class:`~agentos_sync.transports.Transport` that hands every request to a
    :class:`~agentos_sync.testing.FakeAgentOS`, in memory: no sockets, no threads, no sleeps.

    It keeps the transport contract: ``send()`` returns a response for any status, raises
    ``APIConnectionError(reached_server=False)`` for a refused connection (the request was not
    processed) and ``APIConnectionError(reached_server=True)`` for a cut inside the response
    headers (the request was processed); ``iter_bytes()`` yields the body as the fake produces it
    and raises ``APIConnectionError`` on a cut, ``APITimeoutError`` on a stall. Safe to share
    between threads (the fake's state is behind one lock).

    Example::

        from agentos_sync.testing import FakeAgentOS, FakeTransport
        from agentos_sync.transports import Request

        fake = FakeAgentOS()
        with FakeTransport(fake).send(Request("GET", "http://fake/health")) as response:
            assert response.status_code == 200
    """

    def __init__(self, fake: FakeAgentOS) -> None:
        self.fake = fake
        #: Requests sent with ``fresh_connection=True`` (the fake has no pool: one process answers).
        self.fresh_connections = 0

    def send(self, request: Request) -> Response:
        if request.fresh_connection:
            self.fresh_connections += 1
        exchange = self.fake._exchange(request)
        if exchange.refused:
            raise APIConnectionError(
                "Connection refused by the fake AgentOS server (scripted fault).",
                request=request,
                reached_server=False,
            )
        if exchange.cut_headers:
            exchange.body.close()
            raise APIConnectionError(
                "The connection broke while reading the response headers (scripted fault).",
                request=request,
                reached_server=True,
            )
        body = exchange.body
        return IteratorResponse(exchange.status, exchange.headers, body)

    def __repr__(self) -> str:
        return f"FakeTransport({self.fake!r})"
