"""Hostile input: nothing a server or a caller sends breaks the client (README "Bad input" table).

These run over real loopback HTTP (the fake served by ``fake.serve()`` and the default
RequestsTransport) wherever the transport's behaviour is part of the answer.
"""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar, Dict, Iterator, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentos_sync import AgentOSClient, ReconnectPolicy, errors, events
from agentos_sync.testing import FakeAgentOS

FAST = ReconnectPolicy(max_attempts=3, initial_backoff=0.0, max_backoff=0.0, deadline=10.0)
SSE = "text/event-stream; charset=utf-8"


@pytest.fixture
def served(fake: FakeAgentOS) -> Iterator[Tuple[FakeAgentOS, AgentOSClient]]:
    fake.add_agent("assistant", name="Assistant", reply=" ".join(f"tok{i}" for i in range(20)))
    with fake.serve(stall_seconds=0.5) as server:
        client = AgentOSClient(server.url, timeout=(2.0, 0.3), reconnect=FAST, max_retries=0)
        yield fake, client
        client.close()


def frame(event: str, payload: Dict[str, object]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload)}\n\n".encode()


def test_invalid_json_in_data_line(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.raw(body=b'event: RunContent\ndata: {"event": "RunContent", oops}\n\n', path="/runs")
    with pytest.raises(errors.ProtocolError, match="RunContent"):
        list(client.run_agent_stream("assistant", "x"))


def test_frame_larger_than_max_event_bytes(fake: FakeAgentOS) -> None:
    with fake.serve() as server:
        client = AgentOSClient(server.url, max_event_bytes=64 * 1024)
        fake.faults.raw(body=frame("RunContent", {"event": "RunContent", "content": "x" * 200_000}), path="/runs")
        with pytest.raises(errors.ProtocolError, match="max_event_bytes"):
            list(client.run_agent_stream("assistant", "x"))


def test_endless_body_without_newlines_is_bounded(fake: FakeAgentOS) -> None:
    def endless() -> Iterator[bytes]:
        for _ in range(10_000):  # bounded so the server thread ends; far past the limit
            yield b"z" * 8192

    with fake.serve() as server:
        client = AgentOSClient(server.url, max_event_bytes=256 * 1024)
        fake.faults.raw(body=endless, path="/runs")
        with pytest.raises(errors.ProtocolError, match="max_event_bytes"):
            list(client.run_agent_stream("assistant", "x"))


@pytest.mark.parametrize("status", [200, 502])
def test_html_page_instead_of_stream(served: Tuple[FakeAgentOS, AgentOSClient], status: int) -> None:
    fake, client = served
    fake.faults.raw(body=b"<html><h1>Gateway</h1></html>", status=status, content_type="text/html", path="/runs")
    # A gateway's 502 page on a foreground create: its answer was lost, the run is not re-sent.
    expected = errors.ProtocolError if status == 200 else errors.StreamInterruptedError
    with pytest.raises(expected, match=r"gateway|text/html") as info:
        client.run_agent_stream("assistant", "x")
    if status == 502:
        assert isinstance(info.value.__cause__, errors.GatewayError) and info.value.__cause__.detail == "Gateway"


def test_plain_text_error_page_on_json_endpoint(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.raw(body=b"upstream connect error", status=503, content_type="text/plain", path="/agents")
    with pytest.raises(errors.InternalServerError) as info:
        client.list_agents()
    assert info.value.detail == "upstream connect error"


def test_wrong_content_type_on_stream(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.raw(body=b'{"detail": "ok"}', content_type="application/json", path="/runs")
    with pytest.raises(errors.ProtocolError, match="not an event stream"):
        client.run_agent_stream("assistant", "x")


def test_missing_content_type_on_stream_is_read_as_sse(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    body = frame("RunStarted", {"event": "RunStarted", "run_id": "r"}) + frame(
        "RunCompleted", {"event": "RunCompleted", "run_id": "r", "content": "done"}
    )
    fake.faults.raw(body=body, content_type=None, path="/runs")
    assert [e.event for e in client.run_agent_stream("assistant", "x")] == ["RunStarted", "RunCompleted"]


def test_truncated_chunked_body_foreground(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.cut(after_bytes=900, path="/runs", method="POST")
    with pytest.raises(errors.StreamInterruptedError):
        list(client.run_agent_stream("assistant", "x"))


def test_truncated_chunked_body_background_is_resumed(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.cut(after_bytes=900, path="/runs", method="POST")
    stream = client.run_agent_stream("assistant", "x", background=True)
    evs = list(stream)
    assert stream.reconnects == 1 and evs[-1].event == "RunCompleted"
    assert [e.event_index for e in evs] == sorted({e.event_index for e in evs})  # type: ignore[type-var]


def test_invalid_utf8_in_data(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.raw(body=b'event: RunContent\ndata: {"event": "RunContent", "content": "\xff\xfe"}\n\n', path="/runs")
    with pytest.raises(errors.ProtocolError):
        list(client.run_agent_stream("assistant", "x"))


def test_invalid_utf8_in_event_name_is_unknown_event(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    body = b'event: Run\xffX\ndata: {"event": "RunX"}\n\n' + frame("RunCompleted", {"event": "RunCompleted"})
    fake.faults.raw(body=body, path="/runs")
    evs = list(client.run_agent_stream("assistant", "x"))
    assert isinstance(evs[0], events.UnknownEvent)


def test_event_index_backwards_is_dropped(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.inject(
        frame("RunContent", {"event": "RunContent", "event_index": 1, "content": "dup"}),
        after_events=5,
        path="/runs",
        method="POST",
    )
    evs = list(client.run_agent_stream("assistant", "x", background=True))
    assert "dup" not in [e.content for e in evs]


def test_event_index_not_an_int(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.inject(
        frame("RunContent", {"event": "RunContent", "event_index": [1]}), after_events=2, path="/runs", method="POST"
    )
    with pytest.raises(errors.ProtocolError, match="event_index"):
        list(client.run_agent_stream("assistant", "x", background=True))


def test_retry_and_id_fields_are_ignored(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.inject(b"retry: 1\nid: 99\n\n", after_events=2, path="/runs", method="POST")
    evs = list(client.run_agent_stream("assistant", "x", background=True))
    assert evs[-1].event == "RunCompleted"


def test_trickling_server_hits_the_stream_deadline(fake: FakeAgentOS) -> None:
    def trickle() -> Iterator[bytes]:
        for byte in frame("RunStarted", {"event": "RunStarted", "run_id": "r"}) * 50:
            time.sleep(0.02)  # each read arrives well inside the read timeout
            yield bytes([byte])

    with fake.serve() as server:
        client = AgentOSClient(server.url, timeout=(2.0, 1.0))
        fake.faults.raw(body=trickle, path="/runs")
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError, match="deadline"):
            list(client.run_agent_stream("assistant", "x", deadline=0.3))
        assert time.monotonic() - started < 3


def test_stall_beyond_read_timeout_is_a_cut(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.stall(after_events=3, seconds=1.0, path="/runs", method="POST")
    stream = client.run_agent_stream("assistant", "x", background=True)
    evs = list(stream)
    assert stream.reconnects == 1 and evs[-1].event == "RunCompleted"


def test_cut_inside_headers_over_http(served: Tuple[FakeAgentOS, AgentOSClient]) -> None:
    fake, client = served
    fake.faults.cut_headers(path="/agents/assistant/runs", method="POST")
    evs = list(client.run_agent_stream("assistant", "x", background=True))
    assert evs[0].event_index == 0 and evs[-1].event == "RunCompleted"
    assert fake.run_count("assistant") == 1


def test_connection_refused_is_api_connection_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = AgentOSClient(f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(errors.APIConnectionError) as info:
        client.get_config()
    assert info.value.reached_server is False and "base_url" in str(info.value)


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[List[Dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        body = b"[]"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Tuple[int, List[Dict[str, str]]]]:
    _Recorder.seen = []

    class Quiet(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a pooled connection closed by the client is not news

    httpd = Quiet(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], _Recorder.seen
    httpd.shutdown()
    httpd.server_close()


def test_redirect_to_another_host_drops_the_api_key(
    fake: FakeAgentOS, recorder: Tuple[int, List[Dict[str, str]]]
) -> None:
    port, seen = recorder
    with fake.serve() as server:
        client = AgentOSClient(server.url, api_key="sk-secret")
        # "localhost" is another host than "127.0.0.1" to requests, and stays on loopback.
        fake.faults.raw(
            body=b"",
            status=302,
            headers={"location": f"http://localhost:{port}/agents"},
            content_type=None,
            path="/agents",
        )
        assert client.list_agents() == []
    assert seen and "authorization" not in seen[0]


def test_proxies_from_environment_are_honoured(
    monkeypatch: pytest.MonkeyPatch, recorder: Tuple[int, List[Dict[str, str]]]
) -> None:
    port, seen = recorder
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    # The proxy (our recorder) answers; the named host is never resolved or contacted.
    client = AgentOSClient("http://agentos.invalid:7777")
    assert client.list_agents() == []
    assert seen[0]["path"] == "http://agentos.invalid:7777/agents"


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), "10", True])
def test_bad_deadline_is_refused(served: Tuple[FakeAgentOS, AgentOSClient], bad: object) -> None:
    _, client = served
    with pytest.raises(ValueError, match="deadline"):
        client.run_agent_stream("assistant", "x", deadline=bad)  # type: ignore[arg-type]


def test_env_is_not_read_at_import() -> None:
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "class Spy(dict):\n"
        "    def __getitem__(self, k): raise SystemExit('read ' + k)\n"
        "    def get(self, k, d=None): raise SystemExit('read ' + k)\n"
        "import agentos_sync\n"
        "bad = [m for m in ('click', 'rich', 'django', 'flask', 'agentos_sync.testing', 'agentos_sync.cli', "
        "'requests') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


# -- Last-Event-ID from a browser (contrib relay) ---------------------------------------------------


@pytest.mark.parametrize("value", ["²", "١٢", "12\n", "+3", "-1", "0x1", "1_0", "1e3", " ", "", "9" * 19])
def test_a_forged_last_event_id_is_ignored_not_a_500(value: str) -> None:
    from agentos_sync.contrib._relay import parse_last_event_id

    assert parse_last_event_id(value) is None  # "²".isdigit() is True and int("²") raised


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")))
@given(st.one_of(st.text(), st.none(), st.integers(), st.binary(), st.lists(st.text())))
def test_last_event_id_never_raises_and_takes_only_ascii_digits(value: object) -> None:
    from agentos_sync.contrib._relay import parse_last_event_id

    parsed = parse_last_event_id(value)
    if parsed is not None:
        assert isinstance(value, str)
        digits = value.strip(" \t")
        assert digits.isascii() and digits.isdigit() and int(digits) == parsed


@pytest.mark.parametrize("value, expected", [("0", 0), (" 42\t", 42), ("007", 7), ("9" * 18, 10**18 - 1)])
def test_a_genuine_last_event_id_is_read(value: str, expected: int) -> None:
    from agentos_sync.contrib._relay import parse_last_event_id

    assert parse_last_event_id(value) == expected
