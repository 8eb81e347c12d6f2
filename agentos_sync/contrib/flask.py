"""Flask helpers: relay a run stream to the browser, and one shared client from ``app.config``.

Needs the ``flask`` extra (``pip install "agentos_sync[flask]"``). Configuration:

```python
app.config["AGENTOS_BASE_URL"] = "http://localhost:7777"
app.config["AGENTOS_API_KEY"] = os.environ.get("AGENTOS_API_KEY")   # optional
# optional: AGENTOS_TIMEOUT, AGENTOS_MAX_RETRIES, AGENTOS_POOL_MAXSIZE, AGENTOS_RECONNECT, ...
init_app(app)
```

A view:

```python
from agentos_sync.contrib.flask import get_client, stream_response

@app.get("/ask")
def ask():
    stream = get_client().agents.stream("assistant", request.args["q"], background=True)
    return stream_response(stream)
```

The client is shared by the app's request threads (safe); each request's stream is its own.
Serve with a threaded WSGI server (``app.run(threaded=True)``, gunicorn with threads): every open
relay holds a request thread, plus the thread that reads its upstream stream.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Mapping, Optional

try:
    import flask
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('agentos_sync.contrib.flask needs Flask: pip install "agentos_sync[flask]"') from exc

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

__all__ = [
    "EXTENSION",
    "error_response",
    "get_client",
    "init_app",
    "last_event_cursor",
    "last_event_id",
    "reset_client",
    "stream_response",
]

EXTENSION = "agentos_sync"
"""The key of the shared client in ``app.extensions``."""
_PREFIX = "AGENTOS_"

_lock = threading.Lock()


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
    with_context: bool = True,
) -> flask.Response:
    """A ``flask.Response`` relaying ``stream`` to the browser as Server-Sent Events.

    Frames, keep-alives, the ``end`` frame, ``events`` and ``transform`` are as in
    `agentos_sync.contrib.django.stream_response`. The upstream stream is closed when the
    response is closed: at its end, or when the browser goes away (the WSGI server closes it).

    ``with_context`` (default): when called inside a request, the relay keeps the request context
    (``flask.stream_with_context``) so that ``transform`` may use ``request``, ``g`` or
    ``current_app`` while the response streams. The relay itself needs no context.

    Example:
        ```python
        @app.get("/ask")
        def ask():
            stream = get_client().agents.stream("assistant", request.args["q"], background=True)
            return stream_response(stream, events=["RunContent"])
        ```
    """
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
    body: Any = relay
    if with_context and flask.has_request_context():
        body = flask.stream_with_context(relay)
    response = flask.Response(body, status=status, mimetype="text/event-stream")
    # stream_with_context closes the relay only once iteration has begun; a response closed before
    # its first byte must still release the upstream stream.
    response.call_on_close(relay.close)
    for key, value in {**STREAM_HEADERS, **(headers or {})}.items():
        response.headers[key] = value
    return response


def error_response(
    error: BaseException, *, expose_errors: bool = False, headers: Optional[Mapping[str, str]] = None
) -> flask.Response:
    """The answer of a stream route whose run could not start (an unknown agent, AgentOS down):
    a 200 event stream whose only frame is the ``end`` frame of a failed relay, with ``error``,
    ``reason`` (the server's detail), ``retry`` and ``hint``
    (`describe_error`).

    200, not the error's status: a browser's ``EventSource`` cannot read a non-200 body and would
    tell the page only that the connection failed.

    Example:
        ```python
        @app.get("/ask")
        def ask():
            try:
                stream = get_client().agents.stream("assistant", request.args["q"], background=True)
            except errors.AgentOSError as exc:
                return error_response(exc)
            return stream_response(stream)
        ```
    """
    response = flask.Response(error_frames(error, expose_errors=expose_errors), mimetype="text/event-stream")
    for key, value in {**STREAM_HEADERS, **(headers or {})}.items():
        response.headers[key] = value
    return response


def last_event_id(request: Optional[flask.Request] = None) -> Optional[int]:
    """The ``event_index`` a reconnecting ``EventSource`` last received (``Last-Event-ID`` header,
    or a ``last_event_id`` query parameter), or None. Defaults to the current request."""
    req = request if request is not None else flask.request
    value = req.headers.get("Last-Event-ID")
    if value is None:
        value = req.args.get("last_event_id")
    return parse_last_event_id(value)


def last_event_cursor(request: Optional[flask.Request] = None) -> Optional[RunCursor]:
    """The `RunCursor` a reconnecting ``EventSource`` sends back when
    the relay ran with ``cursor_ids=True`` (``Last-Event-ID``, or a ``cursor`` query parameter),
    or None. Defaults to the current request; see `agentos_sync.contrib.django.last_event_cursor`."""
    req = request if request is not None else flask.request
    value = req.headers.get("Last-Event-ID")
    if value is None:
        value = req.args.get("cursor")
    return parse_last_event_cursor(value)


def _settings(config: Mapping[str, Any]) -> Dict[str, Any]:
    return {key[len(_PREFIX) :]: value for key, value in config.items() if key.startswith(_PREFIX)}


def init_app(app: flask.Flask) -> AgentOSClient:
    """Build the app's client from ``app.config["AGENTOS_*"]`` now (a wrong setting fails at
    start-up, not at the first request) and keep it in ``app.extensions``. Returns it.

    Raises ``RuntimeError`` naming the setting at fault. Calling it again replaces (and closes)
    the previous client.
    """
    client = client_from_settings(
        _settings(app.config),
        name=lambda key: f"app.config[{_PREFIX + key!r}]",
        error=RuntimeError,
    )
    with _lock:
        previous = app.extensions.get(EXTENSION)
        app.extensions[EXTENSION] = client
    if isinstance(previous, AgentOSClient):
        previous.close()
    return client


def get_client(app: Optional[flask.Flask] = None) -> AgentOSClient:
    """The app's shared ``AgentOSClient`` (default: ``current_app``'s), built by `init_app`
    or, the first time it is asked for, from ``app.config`` (thread-safe)."""
    target: flask.Flask = app if app is not None else flask.current_app._get_current_object()  # type: ignore[attr-defined]
    client = target.extensions.get(EXTENSION)
    if isinstance(client, AgentOSClient):
        return client
    with _lock:
        client = target.extensions.get(EXTENSION)
        if isinstance(client, AgentOSClient):
            return client
        client = client_from_settings(
            _settings(target.config),
            name=lambda key: f"app.config[{_PREFIX + key!r}]",
            error=RuntimeError,
        )
        target.extensions[EXTENSION] = client
        return client


def reset_client(app: Optional[flask.Flask] = None) -> None:
    """Close and forget the app's client; the next `get_client` builds a new one."""
    target: flask.Flask = app if app is not None else flask.current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        client = target.extensions.pop(EXTENSION, None)
    if isinstance(client, AgentOSClient):
        client.close()
