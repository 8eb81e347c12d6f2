"""Configure and observe (issue 23): the environment, typo-safe constructor keywords,
``with_options``, one log line per exchange, ``X-Request-ID``, ``stream.stats``, hooks and
``with_raw_response``. OpenTelemetry is in test_otel.py."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import Any, List

import pytest
from _support import FAST_RECONNECT, handler_client

from agentos_sync import AgentOSClient, HookRequest, HookResponse, RawResponse, StreamStats, errors
from agentos_sync.testing import FakeAgentOS
from agentos_sync.transports.base import BytesResponse, Request, Response, Transport

KEY = "sk-observe-secret-5d1f"
TENANT = "tenant-secret-77aa"


def _json(status: int, body: str = "{}") -> BytesResponse:
    return BytesResponse(status, {"content-type": "application/json"}, body)


def _lines(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> List[str]:
    return [r.getMessage() for r in caplog.records if r.name == "agentos_sync" and r.levelno == level]


# -- 1. configuration ----------------------------------------------------------------------------


def test_the_environment_gives_base_url_and_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeAgentOS(security_key=KEY)
    monkeypatch.setenv("AGENTOS_URL", "http://from-env.local:8123/")
    monkeypatch.setenv("AGENTOS_API_KEY", KEY)
    client = AgentOSClient(transport=fake.transport())
    assert client.base_url == "http://from-env.local:8123"
    assert client.agents.run("assistant", "What is 2 + 2?").content
    assert fake.requests[-1].headers["Authorization"] == f"Bearer {KEY}"


def test_explicit_arguments_win_and_an_empty_variable_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTOS_URL", "http://from-env.local")
    monkeypatch.setenv("AGENTOS_API_KEY", "env-key")
    client, transport = handler_client(lambda r: _json(200), api_key="arg-key")
    assert client.base_url == "http://test.local"
    client.health()
    assert transport.requests[-1].headers["Authorization"] == "Bearer arg-key"
    monkeypatch.setenv("AGENTOS_URL", "  ")
    monkeypatch.setenv("AGENTOS_API_KEY", "")
    bare = AgentOSClient(transport=transport)
    assert bare.base_url == "http://localhost:7777"
    bare.health()
    assert "Authorization" not in transport.requests[-1].headers


def test_a_constructor_typo_says_did_you_mean() -> None:
    with pytest.raises(
        TypeError, match=r"AgentOSClient\(\) got an unexpected keyword argument 'apikey'; did you mean 'api_key'"
    ):
        AgentOSClient(apikey="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="did you mean 'max_retries'"):
        AgentOSClient(max_retry=3)  # type: ignore[call-arg]


class _CountingTransport(Transport):
    def __init__(self) -> None:
        self.closes = 0
        self.sent: List[Request] = []

    def send(self, request: Request) -> Response:
        self.sent.append(request)
        return _json(200, '{"status": "ok"}')

    def close(self) -> None:
        self.closes += 1


def test_with_options_shares_the_pool_and_it_is_closed_once() -> None:
    transport = _CountingTransport()
    client = AgentOSClient("http://test.local", transport=transport, headers={"X-App": "a"}, max_retries=2)
    patient = client.with_options(timeout=600, max_retries=5, headers={"X-Team": "t"})
    assert patient.transport is client.transport
    assert patient.timeout == (600.0, 600.0) and client.timeout == (10.0, 300.0)
    assert patient.retry.max_retries == 5 and client.retry.max_retries == 2 and patient._http.retry is patient.retry
    patient.health()
    assert transport.sent[-1].headers["X-App"] == "a" and transport.sent[-1].headers["X-Team"] == "t"
    patient.close()
    assert patient.closed and not client.closed and transport.closes == 0
    client.health()  # the pool is the parent's: still open
    other = client.with_options(max_retries=0)
    client.close()
    client.close()
    assert transport.closes == 1 and other.closed
    with pytest.raises(RuntimeError, match="closed"):
        other.health()


def test_with_options_refuses_unknown_and_pool_settings() -> None:
    client, _ = handler_client(lambda r: _json(200))
    with pytest.raises(TypeError, match="did you mean 'max_retries'"):
        client.with_options(max_retires=1)
    with pytest.raises(TypeError, match="pool's own settings are shared"):
        client.with_options(verify=False)


# -- 2. logs, request ids, stats ------------------------------------------------------------------


def test_one_info_line_per_exchange_with_status_ms_attempt_and_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = iter([_json(503, '{"detail": "busy"}'), _json(200, '{"status": "ok"}')])
    client, transport = handler_client(lambda r: next(answers), api_key=KEY)
    caplog.set_level(logging.INFO, logger="agentos_sync")
    client.health()
    first, second = _lines(caplog)
    ids = [r.headers["X-Request-ID"] for r in transport.requests]
    assert ids[0] == ids[1] and len(ids[0]) == 32  # one call, one id, two attempts
    assert first.startswith("HTTP GET /health 503 ") and " ms (attempt 1, request_id=" + ids[0] in first
    assert second.startswith("HTTP GET /health 200 ") and "(attempt 2, " in second
    assert KEY not in caplog.text


def test_each_call_has_its_own_request_id_and_a_callers_own_wins() -> None:
    client, transport = handler_client(lambda r: _json(200, "[]"))
    client.health()
    client.health()
    client.agents.list(extra_headers={"x-request-id": "mine-1"})
    first, second, third = (r.headers for r in transport.requests)
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert third["x-request-id"] == "mine-1" and "X-Request-ID" not in third
    fixed, fixed_transport = handler_client(lambda r: _json(200), headers={"X-Request-ID": "app-wide"})
    fixed.health()
    assert fixed_transport.requests[-1].headers["X-Request-ID"] == "app-wide"


def test_every_status_error_shows_its_request_id(client: AgentOSClient) -> None:
    with pytest.raises(errors.NotFoundError) as info:
        client.agents.get("nobody", extra_headers={"X-Request-ID": "req-404"})
    assert info.value.request_id == "req-404"
    assert str(info.value).endswith("[request_id=req-404]")
    assert info.value.message.startswith("GET /agents/nobody returned 404")


def test_a_connection_error_shows_its_request_id() -> None:
    def refuse(request: Request) -> Response:
        raise errors.APIConnectionError("refused", request=request, reached_server=False)

    client, transport = handler_client(refuse, max_retries=0)
    with pytest.raises(errors.APIConnectionError) as info:
        client.health()
    assert info.value.request_id == transport.requests[0].headers["X-Request-ID"]
    assert info.value.request_id in str(info.value)


def test_a_stream_cut_three_times_logs_three_reconnects_and_its_stats(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeAgentOS(security_key=KEY)
    fake.faults.cut(after_events=2, times=3)  # the create, then the first two resumes
    client = AgentOSClient("http://fake.local", api_key=KEY, transport=fake.transport(), reconnect=FAST_RECONNECT)
    caplog.set_level(logging.INFO, logger="agentos_sync")
    stream = client.agents.stream("assistant", "Tell me a long story about a lighthouse keeper", background=True)
    delivered = list(stream)
    reconnects = [m for m in _lines(caplog, logging.WARNING) if " cut (" in m]
    assert len(reconnects) == 3
    for n, line in enumerate(reconnects, 1):
        assert f"reconnect {n} resumes after event_index " in line and stream.run_id in line
    stats = stream.stats
    assert isinstance(stats, StreamStats)
    assert (stats.cuts, stats.resumes, stats.events) == (3, 3, len(delivered))
    assert stats.bytes > 0 and stats.time_to_first_event is not None and stats.elapsed >= stats.time_to_first_event
    exchanges = [m for m in _lines(caplog) if m.startswith("HTTP POST ")]
    assert len(exchanges) == 4 and sum("/resume 200 " in m for m in exchanges) == 3
    (summary,) = [m for m in _lines(caplog) if m.startswith("stream of run")]
    assert f"{len(delivered)} events" in summary and "3 cuts, 3 resumes" in summary and "first event after" in summary
    assert KEY not in caplog.text


def test_stats_of_a_stream_closed_early_stop_at_its_close(client: AgentOSClient) -> None:
    stream = client.agents.stream("assistant", "Tell me a story", background=True)
    next(stream)
    stream.close()
    stats = stream.stats
    assert stats.events == 1 and stats.resumes == 0 and stats.elapsed == stream.stats.elapsed


def test_no_line_is_logged_when_logging_is_off(caplog: pytest.LogCaptureFixture, client: AgentOSClient) -> None:
    caplog.set_level(logging.WARNING, logger="agentos_sync")
    client.agents.stream("assistant", "Hi", background=True).get_final_output()
    assert not _lines(caplog)


def test_a_secret_header_is_never_logged_nor_shown(caplog: pytest.LogCaptureFixture) -> None:
    client, transport = handler_client(
        lambda r: _json(403, '{"detail": "no"}'),
        api_key=KEY,
        headers={"X-Tenant-Token": TENANT},
        secret_headers=["X-Tenant-Token"],
        max_retries=0,
    )
    caplog.set_level(logging.DEBUG, logger="agentos_sync")
    with pytest.raises(errors.PermissionDeniedError) as info:
        client.health()
    assert transport.requests[0].headers["X-Tenant-Token"] == TENANT  # sent, just never shown
    shown = caplog.text + str(info.value) + repr(info.value.request)
    assert "<redacted>" in caplog.text
    assert TENANT not in shown and KEY not in shown


def test_agentos_log_turns_the_lines_on_without_code() -> None:
    code = (
        "from agentos_sync import AgentOSClient\n"
        "from agentos_sync.testing import FakeAgentOS\n"
        "c = AgentOSClient('http://fake.local', api_key='"
        + KEY
        + "', transport=FakeAgentOS(security_key='"
        + KEY
        + "').transport())\n"
        "c.agents.stream('assistant', 'Hi', background=True).get_final_output()\n"
    )
    env = {**os.environ, "AGENTOS_LOG": "info"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    lines = out.stderr.splitlines()
    assert any("agentos_sync INFO] HTTP POST /agents/assistant/runs 200 " in line for line in lines), out.stderr
    assert any("stream of run" in line and "ended: " in line for line in lines), out.stderr
    assert KEY not in out.stderr
    quiet = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "AGENTOS_LOG": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert quiet.stderr == ""


# -- 3. hooks and raw responses --------------------------------------------------------------------


def test_hooks_see_every_exchange_including_retries_and_resumes() -> None:
    fake = FakeAgentOS(security_key=KEY)
    fake.faults.cut(after_events=2, times=2)
    fake.faults.status(503, times=1, path="/health")
    seen: List[Any] = []

    def on_request(request: HookRequest) -> None:
        assert request.headers["Authorization"] == "<redacted>" and KEY not in repr(request.headers)
        assert request.secret("authorization") == f"Bearer {KEY}"  # only when asked
        seen.append(("request", request.method, request.path, request.attempt, request.request_id))

    def on_response(response: HookResponse) -> None:
        seen.append(("response", response.status_code, response.request.path, response.elapsed >= 0))

    client = AgentOSClient(
        "http://fake.local",
        api_key=KEY,
        transport=fake.transport(),
        reconnect=FAST_RECONNECT,
        event_hooks={"request": [on_request], "response": [on_response]},
    )
    client.health()
    assert [s[:4] for s in seen] == [
        ("request", "GET", "/health", 1),
        ("response", 503, "/health", True),
        ("request", "GET", "/health", 2),
        ("response", 200, "/health", True),
    ]
    seen.clear()
    stream = client.agents.stream("assistant", "Tell me a story", background=True)
    list(stream)
    requests = [s for s in seen if s[0] == "request"]
    responses = [s for s in seen if s[0] == "response"]
    assert [r[2].endswith("/resume") for r in requests] == [False, True, True]
    assert len(responses) == 3 and all(r[1] == 200 for r in responses)
    assert len({r[4] for r in requests}) == 3  # each exchange its own request id


def test_a_request_hook_can_add_a_header() -> None:
    def tag(request: HookRequest) -> None:
        request.headers["X-Signed"] = f"{request.method} {request.path}"

    client, transport = handler_client(lambda r: _json(200), api_key=KEY, event_hooks={"request": [tag]})
    client.health()
    sent = transport.requests[-1].headers
    assert sent["X-Signed"] == "GET /health" and sent["Authorization"] == f"Bearer {KEY}"


def test_event_hooks_are_checked() -> None:
    with pytest.raises(ValueError, match="'request' and 'response'"):
        AgentOSClient(event_hooks={"requests": []})
    with pytest.raises(TypeError, match="list of functions"):
        AgentOSClient(event_hooks={"request": print})  # type: ignore[dict-item]

    async def hook(request: HookRequest) -> None: ...

    with pytest.raises(TypeError, match="async"):
        AgentOSClient(event_hooks={"request": [hook]})


def test_with_raw_response_gives_status_headers_elapsed_and_retries(fake: FakeAgentOS) -> None:
    client = AgentOSClient("http://fake.local", transport=fake.transport(), reconnect=FAST_RECONNECT)
    raw = client.with_raw_response.agents.get("assistant")
    assert isinstance(raw, RawResponse) and raw.status_code == 200 and raw.retries_taken == 0
    assert raw.parse().id == "assistant"
    config = client.with_raw_response.get_config()
    assert config.headers["content-type"].startswith("application/json") and config.elapsed >= 0
    assert config.request_id == fake.requests[-1].headers["X-Request-ID"]
    stream = client.with_raw_response.agents.stream("assistant", "Hi", background=True)
    assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
    assert stream.parse().get_final_output().content


def test_with_raw_response_counts_the_retries_a_call_took() -> None:
    answers = iter([_json(502), _json(503), _json(200, '{"status": "ok"}')])
    client, _ = handler_client(lambda r: next(answers))
    raw = client.with_raw_response.health()
    assert raw.retries_taken == 2 and raw.status_code == 200 and raw.parse() == {"status": "ok"}
    assert [e.status_code for e in raw.exchanges] == [502, 503, 200]
    with pytest.raises(AttributeError, match="public methods"):
        client.with_raw_response._http  # noqa: B018
