"""OpenTelemetry (issue 23): a span per call and per stream into the SDK's in-memory exporter,
``traceparent`` on every request, and nothing at all when OpenTelemetry is absent or unconfigured."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterator, Tuple

import pytest
from _support import FAST_RECONNECT
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from agentos_sync import AgentOSClient, errors
from agentos_sync.testing import FakeAgentOS


@pytest.fixture
def traced() -> Iterator[Tuple[AgentOSClient, FakeAgentOS, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    fake = FakeAgentOS()
    client = AgentOSClient(
        "http://fake.local:7777", transport=fake.transport(), reconnect=FAST_RECONNECT, tracer_provider=provider
    )
    yield client, fake, exporter
    client.close()


def _traceparent_trace_id(header: str) -> int:
    version, trace_id, span_id, _flags = header.split("-")
    assert version == "00" and len(span_id) == 16
    return int(trace_id, 16)


def test_a_run_is_one_client_span_with_the_run_id_and_http_attributes(traced) -> None:  # type: ignore[no-untyped-def]
    client, fake, exporter = traced
    out = client.agents.run("assistant", "What is 2 + 2?")
    (span,) = exporter.get_finished_spans()
    attrs = dict(span.attributes or {})
    assert span.kind == SpanKind.CLIENT and span.name == "POST"
    assert attrs["agentos.run_id"] == out.run_id and attrs["agentos.session_id"] == out.session_id
    assert attrs["agentos.agent_id"] == "assistant"
    assert attrs["http.request.method"] == "POST" and attrs["http.response.status_code"] == 200
    assert attrs["url.full"] == "http://fake.local:7777/agents/assistant/runs"
    assert attrs["server.address"] == "fake.local" and attrs["server.port"] == 7777
    sent = fake.requests[-1].headers
    assert attrs["agentos.request_id"] == sent["X-Request-ID"]
    assert _traceparent_trace_id(sent["traceparent"]) == span.context.trace_id


def test_a_failed_call_is_an_error_span(traced) -> None:  # type: ignore[no-untyped-def]
    client, _, exporter = traced
    with pytest.raises(errors.NotFoundError):
        client.agents.get("nobody")
    (span,) = exporter.get_finished_spans()
    attrs = dict(span.attributes or {})
    assert attrs["http.response.status_code"] == 404 and attrs["error.type"] == "NotFoundError"
    assert not span.status.is_ok


def test_a_stream_is_one_span_its_resumes_are_events_and_every_request_carries_its_trace(traced) -> None:  # type: ignore[no-untyped-def]
    client, fake, exporter = traced
    fake.faults.cut(after_events=2, times=2)
    stream = client.agents.stream("assistant", "Tell me a story", background=True)
    delivered = list(stream)
    (span,) = exporter.get_finished_spans()
    attrs = dict(span.attributes or {})
    assert span.name == "POST /agents/{agent_id}/runs" and span.kind == SpanKind.CLIENT
    assert attrs["agentos.run_id"] == stream.run_id and attrs["agentos.session_id"] == stream.session_id
    assert attrs["agentos.agent_id"] == "assistant"
    assert attrs["agentos.events"] == len(delivered) and attrs["agentos.reconnects"] == 2
    assert [e.name for e in span.events] == ["resume", "resume"]
    sent = fake.requests_to("/agents/assistant/runs", "POST")
    assert len(sent) == 3 and all(
        _traceparent_trace_id(r.headers["traceparent"]) == span.context.trace_id for r in sent
    )


def test_a_wait_that_polls_is_a_span_per_poll(traced) -> None:  # type: ignore[no-untyped-def]
    client, _, exporter = traced
    accepted = client.agents.run("assistant", "Hi", background=True)
    client.agents.wait("assistant", accepted.run_id, accepted.session_id, timeout=10)
    spans = exporter.get_finished_spans()
    assert len(spans) >= 2 and all(
        s.attributes and s.attributes.get("agentos.run_id") == accepted.run_id for s in spans
    )


def test_nothing_is_traced_while_no_provider_is_configured() -> None:
    import opentelemetry.trace  # noqa: F401 - imported, as an application would, but not configured

    fake = FakeAgentOS()
    client = AgentOSClient("http://fake.local", transport=fake.transport())
    client.agents.run("assistant", "Hi")
    assert client._http.observer.tracing is not None and not client._http.observer.tracing.enabled()
    assert "traceparent" not in fake.requests[-1].headers


def test_without_opentelemetry_the_client_imports_and_runs_without_it() -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None\n"  # as if not installed: any import of it fails
        "from agentos_sync import AgentOSClient\n"
        "from agentos_sync.testing import FakeAgentOS\n"
        "fake = FakeAgentOS()\n"
        "c = AgentOSClient('http://fake.local', transport=fake.transport())\n"
        "assert c._http.observer.tracing is None\n"
        "print(c.agents.stream('assistant', 'Hi', background=True).get_final_output().status)\n"
        "assert 'traceparent' not in fake.requests[-1].headers\n"
        "try:\n"
        "    AgentOSClient('http://fake.local', tracer_provider=object())\n"
        "except ImportError as exc:\n"
        "    print('needs', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert "COMPLETED" in out.stdout and "agentos_sync[otel]" in out.stdout


def test_a_client_made_before_tracing_was_set_up_traces_once_it_is() -> None:
    code = (
        "import sys\n"
        "from agentos_sync import AgentOSClient\n"
        "from agentos_sync.testing import FakeAgentOS\n"
        "fake = FakeAgentOS()\n"
        "client = AgentOSClient('http://fake.local', transport=fake.transport())\n"
        "client.agents.run('assistant', 'Hi')\n"
        "assert 'opentelemetry' not in sys.modules and 'traceparent' not in fake.requests[-1].headers\n"
        "from opentelemetry import trace\n"
        "from opentelemetry.sdk.trace import TracerProvider\n"
        "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter\n"
        "exporter = InMemorySpanExporter()\n"
        "provider = TracerProvider()\n"
        "provider.add_span_processor(SimpleSpanProcessor(exporter))\n"
        "trace.set_tracer_provider(provider)\n"
        "out = client.agents.run('assistant', 'Hi')\n"
        "(span,) = exporter.get_finished_spans()\n"
        "assert span.attributes['agentos.run_id'] == out.run_id\n"
        "assert 'traceparent' in fake.requests[-1].headers\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
