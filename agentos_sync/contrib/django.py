"""Django helpers: relay a run stream to the browser, and one shared client from settings.

Needs the ``django`` extra (``pip install "agentos_sync[django]"``). Settings:

```python
AGENTOS = {
    "BASE_URL": "http://localhost:7777",
    "API_KEY": os.environ.get("AGENTOS_API_KEY"),   # optional
    "TIMEOUT": [10, 300],                            # optional: seconds, or [connect, read]
    "MAX_RETRIES": 2,                                # optional
    "POOL_MAXSIZE": 32,                              # optional: >= threads streaming at once
}
```

A view:

```python
from agentos_sync.contrib.django import get_client, stream_response

def ask(request):
    stream = get_client().agents.stream("assistant", request.GET["q"], background=True)
    return stream_response(stream)
```

``get_client()`` builds the client once per process (thread-safe) and shares it between request
threads, which is safe; each request's stream is its own. The relay suits WSGI servers (gunicorn
with threads, ``runserver``, mod_wsgi): under ASGI Django consumes a synchronous iterator in a
thread of its own, which works but gives up the point of ASGI.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Mapping, Optional

try:
    import django  # type: ignore[import-untyped, unused-ignore]  # noqa: F401 - fail here, not at the first request
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('agentos_sync.contrib.django needs Django: pip install "agentos_sync[django]"') from exc

from ..client import AgentOSClient
from ..cursors import RunCursor
from ..streams import RunStream
from ._config import client_from_settings
from ._relay import (
    STREAM_HEADERS,
    EventFilter,
    SSERelay,
    Transform,
    error_frames,
    parse_last_event_cursor,
    parse_last_event_id,
)

if TYPE_CHECKING:
    from django.http import HttpRequest, StreamingHttpResponse  # type: ignore[import-untyped, unused-ignore]

__all__ = ["error_response", "get_client", "last_event_cursor", "last_event_id", "reset_client", "stream_response"]

_lock = threading.Lock()
_client: Optional[AgentOSClient] = None
_receiver_connected = False


def stream_response(
    stream: RunStream,
    *,
    keepalive: Optional[float] = 15.0,
    events: EventFilter = None,
    transform: Optional[Transform] = None,
    include_meta: bool = False,
    retry: Optional[int] = None,
    expose_errors: bool = False,
    cursor_ids: bool = False,
    status: int = 200,
    headers: Optional[Mapping[str, str]] = None,
) -> StreamingHttpResponse:
    """A ``StreamingHttpResponse`` relaying ``stream`` to the browser as Server-Sent Events.

    Frames are ``id: <event_index>`` / ``event: <type>`` / ``data: <event JSON>``; ``: keep-alive``
    comments go out while the run is silent for ``keepalive`` seconds; the last frame is
    ``event: end`` (see `SSERelay`). ``events`` keeps only some
    events (``[events.RunContentEvent]`` or ``["RunContent"]``); ``transform(event)`` replaces an
    event's data (None drops it). When the browser goes away, the server closes the response and
    the upstream stream is closed with it (its connection returns to the pool; a background run
    goes on and can be resumed with `last_event_id`).

    Example:
        ```python
        def answer(request):
            stream = get_client().agents.stream("assistant", request.GET["q"], background=True)
            return stream_response(stream, events=[events.RunContentEvent])
        ```

    In the browser: ``new EventSource(url)`` with a listener per event type, closed on ``end``
    (otherwise EventSource reconnects when the response ends).
    """
    from django.http import StreamingHttpResponse  # type: ignore[import-untyped, unused-ignore]

    relay = SSERelay(
        stream,
        keepalive=keepalive,
        events=events,
        transform=transform,
        include_meta=include_meta,
        retry=retry,
        expose_errors=expose_errors,
        cursor_ids=cursor_ids,
    )
    response = StreamingHttpResponse(relay, status=status, content_type="text/event-stream; charset=utf-8")
    # Django closes what it iterates (relay.close) when the WSGI server closes the response.
    for key, value in {**STREAM_HEADERS, **(headers or {})}.items():
        response[key] = value
    return response


def error_response(
    error: BaseException, *, expose_errors: bool = False, headers: Optional[Mapping[str, str]] = None
) -> StreamingHttpResponse:
    """The answer of a stream view whose run could not start (an unknown agent, AgentOS down):
    a 200 event stream whose only frame is the ``end`` frame of a failed relay, with ``error``,
    ``reason`` (the server's detail), ``retry`` and ``hint``
    (`describe_error`).

    200, not the error's status: a browser's ``EventSource`` cannot read a non-200 body and would
    tell the page only that the connection failed.

    Example:
        ```python
        def ask(request):
            try:
                stream = get_client().agents.stream("assistant", request.GET["q"], background=True)
            except errors.AgentOSError as exc:
                return error_response(exc)
            return stream_response(stream)
        ```
    """
    from django.http import StreamingHttpResponse  # type: ignore[import-untyped, unused-ignore]

    response = StreamingHttpResponse(
        error_frames(error, expose_errors=expose_errors), content_type="text/event-stream; charset=utf-8"
    )
    for key, value in {**STREAM_HEADERS, **(headers or {})}.items():
        response[key] = value
    return response


def last_event_id(request: HttpRequest) -> Optional[int]:
    """The ``event_index`` a reconnecting ``EventSource`` last received (its ``Last-Event-ID``
    header, or a ``last_event_id`` query parameter for a reconnect made by hand), or None.

    Example:
        ```python
        stream = get_client().resume_run_stream("assistant", run_id, last_event_index=last_event_id(request),
                                                session_id=session_id)
        ```
    """
    meta: Mapping[str, Any] = request.META
    value = meta.get("HTTP_LAST_EVENT_ID")
    if value is None:
        value = request.GET.get("last_event_id")
    return parse_last_event_id(value if isinstance(value, str) else None)


def last_event_cursor(request: HttpRequest) -> Optional[RunCursor]:
    """The `RunCursor` a reconnecting ``EventSource`` sends back when
    the relay ran with ``cursor_ids=True`` (``Last-Event-ID``, or a ``cursor`` query parameter),
    or None. Any worker process can resume from it; no per-run state stays on the web server.

    Example:
        ```python
        cursor = last_event_cursor(request)
        if cursor is not None:
            return stream_response(get_client().resume(cursor), cursor_ids=True)
        ```
    """
    meta: Mapping[str, Any] = request.META
    value = meta.get("HTTP_LAST_EVENT_ID")
    if value is None:
        value = request.GET.get("cursor")
    return parse_last_event_cursor(value if isinstance(value, str) else None)


def get_client() -> AgentOSClient:
    """The process's ``AgentOSClient``, built from ``settings.AGENTOS`` on first use and shared
    (thread-safe). Raises ``ImproperlyConfigured`` when the setting is missing or wrong.

    ``override_settings(AGENTOS=...)`` in tests rebuilds it; `reset_client` does it by hand.
    """
    client = _client
    if client is not None:
        return client
    return _build()


def _build() -> AgentOSClient:
    global _client, _receiver_connected
    from django.conf import settings  # type: ignore[import-untyped, unused-ignore]
    from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped, unused-ignore]

    with _lock:
        if _client is not None:
            return _client
        if not _receiver_connected:
            from django.core.signals import setting_changed  # type: ignore[import-untyped, unused-ignore]

            setting_changed.connect(_on_setting_changed, dispatch_uid="agentos_sync.contrib.django")
            _receiver_connected = True
        values = getattr(settings, "AGENTOS", None)
        if values is None:
            raise ImproperlyConfigured(
                "agentos_sync needs settings.AGENTOS, e.g. AGENTOS = {'BASE_URL': 'http://localhost:7777', "
                "'API_KEY': os.environ.get('AGENTOS_API_KEY')}."
            )
        if not isinstance(values, Mapping):
            raise ImproperlyConfigured(f"settings.AGENTOS must be a dict, got {type(values).__name__}.")
        _client = client_from_settings(
            values,
            name=lambda key: f"settings.AGENTOS[{key!r}]",
            error=ImproperlyConfigured,
        )
        return _client


def reset_client() -> None:
    """Close and forget the shared client; the next `get_client` builds a new one from the
    settings. For tests, and for settings changed at run time."""
    global _client
    with _lock:
        client, _client = _client, None
    if client is not None:
        client.close()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "AGENTOS":
        reset_client()
