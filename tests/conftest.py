"""Shared fixtures: a client over the in-memory fake, and recorded (never slept) backoff."""

from __future__ import annotations

from typing import Any, Iterator, List

import pytest
from _support import FAST_RECONNECT

from agentos_sync import AgentOSClient


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> List[float]:
    """Backoff sleeps in unit tests are recorded, not slept; timings belong in benchmarks/.
    Integration tests keep real sleeps: a real server needs real backoff."""
    recorded: List[float] = []
    if "integration" not in request.node.nodeid.split("::")[0]:
        monkeypatch.setattr("agentos_sync.retry._sleep", recorded.append)
    return recorded


@pytest.fixture
def fake() -> Any:
    from agentos_sync.testing import FakeAgentOS

    return FakeAgentOS()


@pytest.fixture
def client(fake: Any) -> Iterator[AgentOSClient]:
    from agentos_sync.testing import FakeTransport

    with AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=FAST_RECONNECT) as c:
        yield c
