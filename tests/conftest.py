"""Shared fixtures: a client over the in-memory fake, and recorded (never slept) backoff."""

from __future__ import annotations

import os
from typing import Any, Iterator, List

import pytest
from _support import FAST_RECONNECT, Clock
from hypothesis import settings

# Property tests run 300 examples each here; FUZZ_EXAMPLES=N runs the long local campaign the
# README reports. No deadline: a loaded 2-core CI machine must not turn slowness into failures.
settings.register_profile("agentos_sync", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("agentos_sync")

from agentos_sync import AgentOSClient  # noqa: E402 - after the profile, which must load first


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> List[float]:
    """Backoff sleeps in unit tests are recorded, not slept; timings belong in benchmarks/.
    Integration tests keep real sleeps: a real server needs real backoff."""
    recorded: List[float] = []
    if "integration" not in request.node.nodeid.split("::")[0]:
        monkeypatch.setattr("agentos_sync.retry._sleep", recorded.append)
    return recorded


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A fake clock for the retry module's waits (``retry._now`` and ``retry._sleep``)."""
    clock = Clock()
    monkeypatch.setattr("agentos_sync.retry._now", lambda: clock.now)
    monkeypatch.setattr("agentos_sync.retry._sleep", clock.sleep)
    return clock


@pytest.fixture
def fake() -> Any:
    from agentos_sync.testing import FakeAgentOS

    return FakeAgentOS()


@pytest.fixture
def client(fake: Any) -> Iterator[AgentOSClient]:
    from agentos_sync.testing import FakeTransport

    with AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=FAST_RECONNECT) as c:
        yield c
