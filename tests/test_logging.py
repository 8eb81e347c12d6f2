"""Logging under the ``agentos_sync`` logger: each HTTP exchange at INFO (its headers, redacted, at
DEBUG), each reconnect at WARNING with run_id and last_event_index, and never the API key."""

from __future__ import annotations

import logging

import pytest
from _support import FAST_RECONNECT

from agentos_sync import AgentOSClient, errors
from agentos_sync.concurrency import run_many
from agentos_sync.contrib._relay import SSERelay
from agentos_sync.testing import FakeAgentOS

KEY = "sk-log-secret-91c4e2"


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("agentos_sync") and r.levelno == level]


def _assert_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "nothing was logged"
    # A handler prints the logger's name already: a message that starts with it prints it twice.
    assert not [r.getMessage() for r in caplog.records if r.getMessage().startswith("agentos_sync")]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        assert KEY not in formatter.format(record)  # message, args and any traceback
        assert KEY not in repr(record.args)


def test_requests_log_at_info_and_a_reconnect_at_warning_with_run_id_and_index(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeAgentOS(security_key=KEY)
    fake.faults.cut(after_events=3, path="/agents/assistant/runs", method="POST")
    client = AgentOSClient("http://fake.local", api_key=KEY, transport=fake.transport(), reconnect=FAST_RECONNECT)
    caplog.set_level(logging.DEBUG, logger="agentos_sync")

    with client.run_agent_stream("assistant", "What is 2 + 2?", background=True) as stream:
        list(stream)

    info = _messages(caplog, logging.INFO)
    assert any(m.startswith("HTTP POST /agents/assistant/runs 200 ") for m in info)
    assert any("/resume 200 " in m for m in info)
    assert any("request headers" in m and "<redacted>" in m for m in _messages(caplog, logging.DEBUG))
    (warning,) = [m for m in _messages(caplog, logging.WARNING) if "cut" in m]
    assert stream.run_id is not None and stream.run_id in warning
    assert "event_index 2" in warning  # the last index delivered before the cut
    assert stream.reconnects == 1
    _assert_no_secret(caplog)


def test_failures_never_show_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="agentos_sync")
    fake = FakeAgentOS(security_key="the-right-key")
    client = AgentOSClient("http://fake.local", api_key=KEY, transport=fake.transport(), reconnect=FAST_RECONNECT)
    with pytest.raises(errors.AuthenticationError) as info:
        client.run_agent("assistant", "hi")
    assert KEY not in str(info.value) and KEY not in repr(info.value.request)
    assert KEY not in repr(client)

    (result,) = run_many(client, [("assistant", "hi")])
    assert isinstance(result.error, errors.AuthenticationError)
    assert KEY not in repr(result)
    _assert_no_secret(caplog)


def test_a_failed_relay_logs_a_warning_with_the_run_and_no_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="agentos_sync")
    fake = FakeAgentOS(security_key=KEY)
    fake.faults.cut(after_events=2, path="/agents/assistant/runs", method="POST")
    client = AgentOSClient("http://fake.local", api_key=KEY, transport=fake.transport(), reconnect=FAST_RECONNECT)
    stream = client.run_agent_stream("assistant", "What is 2 + 2?")  # foreground: the cut is final
    body = b"".join(SSERelay(stream, keepalive=None))
    assert b'"error":"StreamInterruptedError"' in body
    (warning,) = [m for m in _messages(caplog, logging.WARNING) if "relay" in m]
    assert stream.run_id is not None and stream.run_id in warning and "StreamInterruptedError" in warning
    _assert_no_secret(caplog)
