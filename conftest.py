"""Runs the Python blocks of README.md and docs/*.md (pytest-markdown-docs) against the embedded fake.

The blocks say ``AgentOSClient("http://localhost:7777")``, AgentOS's default address, where
``agentos-sync serve-fake`` listens too: a reader can run them as written against that command
(or a real AgentOS). Here each block gets a fresh ``agentos-sync serve-fake`` server (the same
fake: agents ``assistant`` and ``writer``, team ``duo``, workflow ``pipeline``) on a free port, and
requests to localhost:7777 are sent to it at the transport, so a block never reaches a real server
and tests running side by side never fight over port 7777.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import pytest

DOCS_URL = "http://localhost:7777"


@pytest.fixture(autouse=True)
def _docs_agentos(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("markdown-docs") is None:
        yield
        return
    from agentos_sync.testing._demo import build_fake
    from agentos_sync.transports.requests import RequestsTransport

    server = build_fake().serve()
    send = RequestsTransport.send

    def send_to_fake(self: RequestsTransport, req: object) -> object:
        url = getattr(req, "url", "")
        if url.startswith(DOCS_URL):
            req = dataclasses.replace(req, url=server.url + url[len(DOCS_URL) :])  # type: ignore[type-var]
        return send(self, req)  # type: ignore[arg-type]

    monkeypatch.setattr(RequestsTransport, "send", send_to_fake)
    try:
        yield
    finally:
        server.close()
