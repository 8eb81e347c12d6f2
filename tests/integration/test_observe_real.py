"""Configure and observe (issue 23) against a real AgentOS: the environment configuring the CLI and
the library together on a secured server, the log lines and ``stream.stats`` of a stream cut three
times, hooks that see every exchange, spans into the OpenTelemetry SDK's in-memory exporter, and
that AgentOS 3.1.10 with tracing on continues the client's ``traceparent``."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from _helpers import FAST, text_of, tokens, wait_until
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from agentos_sync import AgentOSClient, HookRequest, HookResponse, errors

ROOT = Path(__file__).resolve().parents[2]
ONE_LINER = "from agentos_sync import AgentOSClient; print(AgentOSClient().agents.run('assistant', 'hi').content)"


def _run(args: List[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(args, env=full, capture_output=True, text=True, timeout=120, check=False)


def test_the_environment_configures_the_library_and_the_cli_on_a_secured_agentos(agentos_secure):  # type: ignore[no-untyped-def]
    key = agentos_secure.api_key
    env: Dict[str, str] = {"AGENTOS_URL": agentos_secure.url, "AGENTOS_API_KEY": key}
    library = _run([sys.executable, "-c", ONE_LINER], **env, AGENTOS_LOG="info")
    assert library.returncode == 0, library.stderr
    assert library.stdout.strip()  # the fake LLM's answer
    assert "HTTP POST /agents/assistant/runs 200 " in library.stderr and "request_id=" in library.stderr
    cli = _run([sys.executable, "-m", "agentos_sync.cli", "agents"], **env)
    assert cli.returncode == 0, cli.stderr
    assert "assistant" in cli.stdout
    for out in (library, cli):
        assert key not in out.stdout and key not in out.stderr
    # An empty key is as if unset: both are refused the same way, with the request id shown.
    denied = _run([sys.executable, "-c", ONE_LINER], **{**env, "AGENTOS_API_KEY": ""})
    assert denied.returncode == 1 and "AuthenticationError" in denied.stderr and "[request_id=" in denied.stderr
    denied_cli = _run([sys.executable, "-m", "agentos_sync.cli", "agents"], **{**env, "AGENTOS_API_KEY": ""})
    assert denied_cli.returncode == 4


def test_a_stream_cut_three_times_logs_three_reconnects_and_hooks_see_every_exchange(  # type: ignore[no-untyped-def]
    agentos, proxy, caplog
):
    seen: List[Any] = []

    def on_request(request: HookRequest) -> None:
        seen.append(("request", request.path, request.request_id))

    def on_response(response: HookResponse) -> None:
        seen.append(("response", response.request.path, response.status_code))

    caplog.set_level(logging.INFO, logger="agentos_sync")
    with AgentOSClient(
        proxy.url, reconnect=FAST, event_hooks={"request": [on_request], "response": [on_response]}
    ) as client:
        proxy.cut_after_bytes(1500, times=3, mode="fin")  # the create, then the first two resumes
        stream = client.agents.stream("assistant", "[tokens=120 delay=0.01]", background=True)
        delivered = list(stream)
    assert proxy.cuts == 3 and text_of(delivered) == tokens(120)
    reconnects = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and " cut (" in r.getMessage()]
    assert len(reconnects) == 3, reconnects
    assert all(f"reconnect {n} resumes after event_index" in line for n, line in enumerate(reconnects, 1))
    stats = stream.stats
    assert (stats.cuts, stats.resumes, stats.events) == (3, 3, len(delivered))
    assert stats.bytes > 1500 and stats.time_to_first_event is not None and stats.time_to_first_event > 0
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    exchanges = [m for m in messages if m.startswith("HTTP POST ")]
    assert len(exchanges) == 4 and sum(" 200 " in m and "/resume" in m for m in exchanges) == 3
    (summary,) = [m for m in messages if m.startswith("stream of run")]
    assert "3 cuts, 3 resumes" in summary and f"{len(delivered)} events" in summary
    paths = [s[1] for s in seen if s[0] == "request"]
    assert len(paths) == 4 and paths[0] == "/agents/assistant/runs" and all(p.endswith("/resume") for p in paths[1:])
    assert [s[2] for s in seen if s[0] == "response"] == [200, 200, 200, 200]


def _stored_spans(db_path: Path, trace_id: str) -> List[Dict[str, Any]]:
    with contextlib.closing(sqlite3.connect(str(db_path))) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM agno_spans WHERE trace_id = ?", (trace_id,)).fetchall()
    return [dict(row) for row in rows]


def test_spans_carry_the_run_and_agentos_continues_the_clients_trace(agentos_areas):  # type: ignore[no-untyped-def]
    """The trace-join question, answered: yes. agno's own code extracts nothing (no ``traceparent``
    in ``agno/os``), but FastAPI 0.165's built-in telemetry middleware (``fastapi/telemetry/
    _asgi.py``: ``propagate.extract`` of the request headers, then a SERVER span) does, with the
    TracerProvider agno's ``setup_tracing`` installs; openinference's agent span starts in the
    current context, so it lands under that SERVER span, in the client's trace. The server
    stores the trace under the client's trace id (``client.traces.get(trace_id)``), but with no
    run_id and an empty tree: its root span has a parent (the client's) that the server does not
    hold. docs/observe.md says so."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with AgentOSClient(agentos_areas.url, tracer_provider=provider) as client:
        out = client.agents.run("assistant", "What is 2 + 2?")
        stream = client.agents.stream("assistant", "[tokens=5]", background=True)
        streamed = stream.get_final_output()
        call_span, stream_span = exporter.get_finished_spans()
        assert call_span.attributes and call_span.attributes["agentos.run_id"] == out.run_id
        assert stream_span.attributes and stream_span.attributes["agentos.run_id"] == streamed.run_id
        assert stream_span.attributes["agentos.events"] >= 5
        for span in (call_span, stream_span):
            trace_id = format(span.context.trace_id, "032x")
            trace = wait_until(lambda trace_id=trace_id: _trace_or_none(client, trace_id), timeout=30)
            assert trace is not None and trace.trace_id == trace_id and (trace.total_spans or 0) >= 3
            stored = wait_until(
                lambda trace_id=trace_id: [
                    s for s in _stored_spans(agentos_areas.db_path, trace_id) if s["name"] == "Assistant.arun"
                ],
                timeout=30,
            )
            assert stored, "the agent's span is not in the client's trace"
            spans = {s["span_id"]: s for s in _stored_spans(agentos_areas.db_path, trace_id)}
            (server,) = [s for s in spans.values() if s["span_kind"] == "SERVER"]
            assert server["parent_span_id"] == format(span.context.span_id, "016x")  # the client's span
            node = spans[stored[0]["parent_span_id"]]
            while node["span_kind"] != "SERVER":  # the agent's span descends from the SERVER span
                node = spans[node["parent_span_id"]]
            assert trace.run_id is None  # the server's trace record does not name the run


def _trace_or_none(client: AgentOSClient, trace_id: str) -> Any:
    try:
        return client.traces.get(trace_id)
    except errors.NotFoundError:
        return None
