"""Seeing what the client does: request ids, one log line per HTTP exchange, request/response
hooks and the capture behind ``with_raw_response``.

Everything here runs per HTTP exchange (a create, a resume, a plain call), never per event: the
stream's hot loop does not know this module. When nothing observes (logging below INFO, no hooks,
no raw capture, no OpenTelemetry), `Observer.active` is False and the request core calls the
transport directly.
"""

from __future__ import annotations

import contextvars
import logging
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence

from ._callables import call_sync, reject_async
from .transports.base import Request, Response, redact_headers

__all__ = [
    "REQUEST_ID_HEADER",
    "Exchange",
    "HookRequest",
    "HookResponse",
    "Observer",
    "check_event_hooks",
    "configure_logging_from_env",
    "new_request_id",
]

logger = logging.getLogger("agentos_sync")

#: The header that names one call for the client's log, the gateway's and the server's.
REQUEST_ID_HEADER = "X-Request-ID"


def new_request_id() -> str:
    """A fresh id for one call (32 hex digits). From ``random``, not ``uuid4``: an id names a call
    and need not be unguessable, and uuid4's read of os.urandom was 2 us of every call's ~4 us of
    added work (measured); ``random`` reseeds in a forked child, so workers never share ids."""
    return f"{random.getrandbits(128):032x}"


def request_id_of(headers: Mapping[str, str]) -> Optional[str]:
    """The ``X-Request-ID`` among ``headers``, whatever its case."""
    value = headers.get(REQUEST_ID_HEADER)
    if value is not None:
        return value
    for key, value in headers.items():
        if key.lower() == "x-request-id":
            return value
    return None


def path_of(url: str, base_url: str) -> str:
    """What a log line names: the path below ``base_url``, without its query string."""
    path = url[len(base_url) :] if url.startswith(base_url) else url
    return path.split("?", 1)[0] or "/"


# -- hooks ---------------------------------------------------------------------------------------


class HookRequest:
    """What a ``request`` hook sees of one HTTP exchange: the method, URL, path, attempt, request
    id, and the headers with credentials redacted. A hook that needs a credential asks for it by
    name (`secret`). Headers a hook sets in `headers` are sent (a signature, a
    tenant header); the redacted values it leaves alone are sent as they were.

    Example:
        ```python
        def sign(request: HookRequest) -> None:
            request.headers["X-Signature"] = hmac_of(request.method, request.path, request.secret("Authorization"))

        client = AgentOSClient(url, event_hooks={"request": [sign]})
        ```
    """

    def __init__(self, request: Request, *, path: str, attempt: int, secret_names: FrozenSet[str]) -> None:
        self.method = request.method
        self.url = request.url
        #: The path below the client's base_url (``/agents/assistant/runs``).
        self.path = path
        #: 1 for the first attempt of a call, 2 for its first retry, ...
        self.attempt = attempt
        #: True for a run stream's create or resume (the body is read as events).
        self.stream = request.stream
        self.request_id = request_id_of(request.headers)
        self.headers: Dict[str, str] = redact_headers(request.headers, secret_names)
        self._original = request
        self._shown = dict(self.headers)

    def secret(self, name: str) -> Optional[str]:
        """The real value of header ``name`` (``"Authorization"``), which `headers` redacts."""
        return _header(self._original.headers, name)

    def _applied(self, request: Request, check: Callable[[Mapping[str, str], str], Dict[str, str]]) -> Request:
        """``request`` with what the hooks set or changed in `headers` (``check``: the
        request core's header validation)."""
        changed = {k: v for k, v in self.headers.items() if self._shown.get(k) != v}
        if not changed:
            return request
        return replace(request, headers={**request.headers, **check(changed, "a request hook's headers")})

    def __repr__(self) -> str:
        return f"<HookRequest {self.method} {self.path} attempt={self.attempt} request_id={self.request_id}>"


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


class HookResponse:
    """What a ``response`` hook sees: the status, the headers, the time the exchange took up to
    the response headers (``elapsed``, seconds), and the `HookRequest` it answers. The body
    is not read here (a stream's events are read by the stream).

    Example:
        ```python
        def record(response: HookResponse) -> None:
            metrics.observe(response.request.path, response.status_code, response.elapsed)
        ```
    """

    def __init__(self, response: Response, request: HookRequest, elapsed: float) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self.elapsed = elapsed
        self.request = request

    def __repr__(self) -> str:
        return f"<HookResponse [{self.status_code}] {self.request.method} {self.request.path}>"


RequestHook = Callable[[HookRequest], Any]
ResponseHook = Callable[[HookResponse], Any]
EventHooks = Mapping[str, Sequence[Callable[..., Any]]]


def check_event_hooks(hooks: Optional[EventHooks]) -> Dict[str, List[Callable[..., Any]]]:
    """httpx's ``event_hooks`` shape: ``{"request": [fn, ...], "response": [fn, ...]}``, checked."""
    checked: Dict[str, List[Callable[..., Any]]] = {"request": [], "response": []}
    if hooks is None:
        return checked
    if not isinstance(hooks, Mapping):
        raise TypeError(f"event_hooks must map 'request'/'response' to lists of functions, got {type(hooks).__name__}")
    for key, fns in hooks.items():
        if key not in checked:
            raise ValueError(f"event_hooks keys are 'request' and 'response', got {key!r}")
        if callable(fns) or isinstance(fns, (str, bytes)):
            raise TypeError(f"event_hooks[{key!r}] must be a list of functions, not one function")
        for fn in fns:
            reject_async(fn, f"event_hooks[{key!r}] entry")
            checked[key].append(fn)
    return checked


# -- raw capture ---------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One HTTP exchange as ``with_raw_response`` reports it."""

    method: str
    path: str
    status_code: Optional[int]
    headers: Mapping[str, str]
    elapsed: float
    attempt: int
    request_id: Optional[str]


@dataclass
class _Capture:
    exchanges: List[Exchange] = field(default_factory=list)


_CAPTURE: contextvars.ContextVar[Optional[_Capture]] = contextvars.ContextVar("agentos_sync_capture", default=None)


# -- the observer --------------------------------------------------------------------------------


class Observer:
    """Per client: its hooks, its secret header names and its tracer, and the one place that
    logs, hooks, captures and traces an HTTP exchange."""

    def __init__(
        self,
        *,
        base_url: str,
        event_hooks: Dict[str, List[Callable[..., Any]]],
        secret_headers: FrozenSet[str],
        tracing: Any = None,
    ) -> None:
        self.base_url = base_url
        #: Set by the request core: how a header a hook sets is validated (its check_headers).
        self.check_headers: Callable[[Mapping[str, str], str], Dict[str, str]] = lambda h, name: dict(h)
        self.request_hooks: List[RequestHook] = event_hooks["request"]
        self.response_hooks: List[ResponseHook] = event_hooks["response"]
        self.secret_headers = secret_headers
        self._tracing = tracing

    @property
    def tracing(self) -> Any:
        """The client's ``_otel.Tracing``, or None while OpenTelemetry has not been imported. A
        client made before the application set up tracing (a module-level client imported before
        ``wsgi.py`` configures it) picks it up at its next request: one dict lookup until then."""
        if self._tracing is None and "opentelemetry.trace" in sys.modules:
            from ._otel import tracing_for

            self._tracing = tracing_for(None)
        return self._tracing

    def active(self) -> bool:
        """Whether an exchange must go through `exchange` (else: straight to the transport)."""
        return bool(
            self.request_hooks
            or self.response_hooks
            or logger.isEnabledFor(logging.INFO)
            or _CAPTURE.get() is not None
            or (self.tracing is not None and self.tracing.enabled())
        )

    def exchange(self, send: Callable[[Request], Response], request: Request, attempt: int) -> Response:
        """Send ``request`` through ``send``, with its hooks, its log line, its capture and the
        trace context of the current span."""
        path = path_of(request.url, self.base_url)
        hook_request: Optional[HookRequest] = None
        if self.request_hooks:
            hook_request = HookRequest(request, path=path, attempt=attempt, secret_names=self.secret_headers)
            for fn in self.request_hooks:
                call_sync(fn, "a request hook", hook_request)
            request = hook_request._applied(request, self.check_headers)
        tracing = self.tracing if self.tracing is not None and self.tracing.enabled() else None
        if tracing is not None:
            request = tracing.inject(request)
        request_id = request_id_of(request.headers)
        started = time.perf_counter()
        try:
            response = send(request)
        except Exception as exc:
            _log_exchange(request.method, path, f"failed ({type(exc).__name__})", started, attempt, request_id)
            raise
        elapsed = time.perf_counter() - started
        if logger.isEnabledFor(logging.INFO):
            _log_exchange(request.method, path, str(response.status_code), started, attempt, request_id)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "HTTP %s %s request headers: %s",
                    request.method,
                    path,
                    redact_headers(request.headers, self.secret_headers),
                )
        if tracing is not None:
            tracing.exchanged(response.status_code, attempt, request_id)
        capture = _CAPTURE.get()
        if capture is not None:
            capture.exchanges.append(
                Exchange(request.method, path, response.status_code, response.headers, elapsed, attempt, request_id)
            )
        if self.response_hooks:
            if hook_request is None:
                hook_request = HookRequest(request, path=path, attempt=attempt, secret_names=self.secret_headers)
            hook_response = HookResponse(response, hook_request, elapsed)
            for on_response in self.response_hooks:
                call_sync(on_response, "a response hook", hook_response)
        return response


def _log_exchange(
    method: str, path: str, outcome: str, started: float, attempt: int, request_id: Optional[str]
) -> None:
    """The exchange's one line: ``HTTP POST /agents/a/runs 200 12.3 ms (attempt 1, request_id=...)``."""
    if logger.isEnabledFor(logging.INFO):
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info(
            "HTTP %s %s %s %.1f ms (attempt %d, request_id=%s)", method, path, outcome, elapsed_ms, attempt, request_id
        )


# -- AGENTOS_LOG ---------------------------------------------------------------------------------

_LOG_LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}
_configured = False
_configure_lock = threading.Lock()


def configure_logging_from_env() -> None:
    """``AGENTOS_LOG=info|debug`` turns the ``agentos_sync`` logger on, to stderr, without code
    (as ``OPENAI_LOG`` does). Read when the first client is made, not at import; an application
    that configured the logger itself (a handler on it) keeps its own configuration."""
    global _configured
    if _configured:
        return
    with _configure_lock:
        if _configured:
            return
        _configured = True
        value = os.environ.get("AGENTOS_LOG", "").strip().lower()
        if not value:
            return
        level = _LOG_LEVELS.get(value)
        if level is None:
            logger.warning("AGENTOS_LOG=%r is not one of %s; ignored", value, ", ".join(_LOG_LEVELS))
            return
        if logger.handlers:
            return  # configured by the application (or the CLI's -v): its choice stands
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(level)


def secret_names(names: Optional[Iterable[str]]) -> FrozenSet[str]:
    """A caller's ``secret_headers=``, lower-cased and checked."""
    if names is None:
        return frozenset()
    if isinstance(names, (str, bytes)) or not all(isinstance(n, str) for n in names):
        raise TypeError("secret_headers must be a list of header names")
    return frozenset(n.lower() for n in names)
