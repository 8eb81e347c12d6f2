"""OpenTelemetry, optional (``pip install agentos_sync[otel]``): a span per call and per run stream,
and the W3C ``traceparent`` of that span on every request.

Costs nothing when OpenTelemetry is absent or not configured: `tracing_for` returns None
unless a ``tracer_provider`` is given or the application imported OpenTelemetry itself, and
`Tracing.enabled` is False until a real (SDK) tracer provider is set globally. Nothing
here runs per event: a stream's span is given its figures when the stream ends.

Spans follow the HTTP client semantic conventions (``http.request.method``, ``url.full``,
``server.address``, ``server.port``, ``http.response.status_code``, ``http.request.resend_count``,
``error.type``) and add the run's ``agentos.run_id``, ``agentos.session_id``, ``agentos.agent_id``
(``team_id``, ``workflow_id``), ``agentos.request_id``; a stream span adds ``agentos.events``,
``agentos.reconnects``, ``agentos.bytes`` and one ``resume`` event per resume.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import replace
from typing import Any, Dict, Iterator, Mapping, Optional
from urllib.parse import urlsplit

from .transports.base import Request

__all__ = ["Tracing", "tracing_for"]

_SCOPE = "agentos_sync"

#: Run fields copied from an answer (or a stream) onto the span.
_RUN_FIELDS = ("run_id", "session_id", "agent_id", "team_id", "workflow_id")


def tracing_for(tracer_provider: Any = None) -> Optional[Tracing]:
    """The client's tracing, or None when OpenTelemetry cannot be in use: no provider given and
    ``opentelemetry.trace`` not imported by anyone (an application that configures tracing has
    imported it before it makes clients)."""
    if tracer_provider is None and "opentelemetry.trace" not in sys.modules:
        return None
    try:
        from opentelemetry import trace  # noqa: F401
    except ImportError:
        if tracer_provider is not None:
            raise ImportError("tracer_provider= needs OpenTelemetry: pip install 'agentos_sync[otel]'") from None
        return None
    return Tracing(tracer_provider)


class Tracing:
    """One client's tracer: spans for calls and streams, and ``traceparent`` injection."""

    def __init__(self, provider: Any = None) -> None:
        from opentelemetry import propagate, trace
        from opentelemetry.trace import SpanKind, Status, StatusCode

        self._trace = trace
        self._propagate = propagate
        self._kind = SpanKind.CLIENT
        self._status, self._error = Status, StatusCode.ERROR
        self._provider = provider
        self._tracer: Any = None
        self._tracer_of: Any = None

    def _tracer_now(self) -> Any:
        provider = self._provider or self._trace.get_tracer_provider()
        if provider is not self._tracer_of:
            from ._version import __version__

            self._tracer, self._tracer_of = provider.get_tracer(_SCOPE, __version__), provider
        return self._tracer

    def enabled(self) -> bool:
        """Whether spans are recorded: a provider was given, or a real one is set globally (the
        API's default proxy and no-op providers record nothing: skipping them costs nothing)."""
        if self._provider is not None:
            return True
        provider = self._trace.get_tracer_provider()
        return not isinstance(provider, (self._trace.ProxyTracerProvider, self._trace.NoOpTracerProvider))

    def start(self, method: str, url: str, name: Optional[str] = None) -> Any:
        """A CLIENT span for one call or stream, not yet current."""
        parts = urlsplit(url)
        attributes: Dict[str, Any] = {"http.request.method": method, "url.full": url.split("?", 1)[0]}
        if parts.hostname:
            attributes["server.address"] = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        attributes["server.port"] = port
        return self._tracer_now().start_span(name or method, kind=self._kind, attributes=attributes)

    @contextlib.contextmanager
    def current(self, span: Any) -> Iterator[Any]:
        """Make ``span`` the current one (what the requests sent inside carry as ``traceparent``)."""
        if span is None:
            yield None
            return
        from opentelemetry import context

        token = context.attach(self._trace.set_span_in_context(span))
        try:
            yield span
        finally:
            context.detach(token)

    @contextlib.contextmanager
    def call(self, method: str, url: str) -> Iterator[Any]:
        """A span around one call, current inside, ended at its end (an error is recorded)."""
        span = self.start(method, url)
        try:
            with self.current(span):
                yield span
        except BaseException as exc:
            self.fail(span, exc)
            raise
        finally:
            span.end()

    def fail(self, span: Any, exc: BaseException) -> None:
        span.set_attribute("error.type", type(exc).__name__)
        span.set_status(self._status(self._error, str(exc)[:200]))

    def inject(self, request: Request) -> Request:
        """``request`` with the current span's ``traceparent`` (and ``tracestate``)."""
        span = self._trace.get_current_span()
        if not span.get_span_context().is_valid:
            return request
        carrier: Dict[str, str] = {}
        self._propagate.inject(carrier)
        if not carrier:
            return request
        return replace(request, headers={**request.headers, **carrier})

    def exchanged(self, status_code: int, attempt: int, request_id: Optional[str]) -> None:
        """What one exchange tells the current span: the status, the retries so far, the id."""
        span = self._trace.get_current_span()
        if not span.is_recording():
            return
        span.set_attribute("http.response.status_code", status_code)
        if attempt > 1:
            span.set_attribute("http.request.resend_count", attempt - 1)
        if request_id:
            span.set_attribute("agentos.request_id", request_id)
        if status_code >= 400:
            span.set_attribute("error.type", str(status_code))

    def annotate(self, span: Any, data: Any) -> None:
        """Copy the run fields of a JSON answer onto ``span``."""
        if isinstance(data, Mapping):
            set_run_fields(span, data)


def set_run_fields(span: Any, fields: Mapping[str, Any]) -> None:
    """``agentos.<field>`` for each run field present in ``fields``."""
    for name in _RUN_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value:
            span.set_attribute(f"agentos.{name}", value)
