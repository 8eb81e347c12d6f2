"""The exception hierarchy: one class per thing a caller can act on.

Every failure the client can meet surfaces as a subclass of `AgentOSError`; no bare
``requests``, ``json`` or ``pydantic`` exception escapes the public API. Messages say what
happened and what to do, and never contain the API key: the request an error carries is a copy
with its credential headers redacted, and a response it carries holds no request.

Example:
    ```python
    from agentos_sync import AgentOSClient, errors

    try:
        AgentOSClient("http://localhost:7777").get_agent("nope")
    except errors.NotFoundError as exc:
        print(exc.status_code, exc.detail)
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Type
from urllib.parse import unquote

if TYPE_CHECKING:
    from .models import RunOutput
    from .transports.base import Request, Response

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AgentOSError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GatewayError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "ReconnectExhaustedError",
    "RunAnswerLostError",
    "RunFailedError",
    "RunIncompleteError",
    "RunLostError",
    "RunNotFoundError",
    "StreamError",
    "StreamInterruptedError",
    "UnprocessableEntityError",
]


def _redacted(request: Optional[Request]) -> Optional[Request]:
    # Whoever builds the error, what it carries has no credentials (Request.redacted()).
    redact = getattr(request, "redacted", None)
    return redact() if callable(redact) else request


def _request_id(request: Optional[Request]) -> Optional[str]:
    headers = getattr(request, "headers", None) or {}
    return next((str(v) for k, v in headers.items() if k.lower() == "x-request-id"), None)


class AgentOSError(Exception):
    """Base class of every error raised by agentos_sync.

    Every error pickles (a Celery task may raise it, a ``ProcessPoolExecutor`` ships it back):
    it reduces to its class, its message and its plain fields. The live ``request`` and
    ``response`` stay behind: a response holds a socket and a lock, which mean nothing in another
    process (docs/architecture.md, "Errors"), so an unpickled error has ``request`` and ``response`` None.
    """

    #: Attributes that hold live objects, dropped by pickling.
    _LIVE = frozenset({"request", "response"})

    def __init__(self, message: str, *, request: Optional[Request] = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = _redacted(request)
        #: The ``X-Request-ID`` of the request that failed (None when there was none): the id the
        #: client's log line, a gateway's log and the server's share. Shown by ``str(exc)``.
        self.request_id = _request_id(request)

    def __str__(self) -> str:
        text = super().__str__()
        request_id = self.__dict__.get("request_id")
        return f"{text} [request_id={request_id}]" if request_id else text

    def __reduce__(self) -> Tuple[Any, ...]:
        # Exception's own reduce calls cls(*args), which loses the keyword-only fields (and fails
        # on a required one such as status_code); rebuild through __new__ and restore the state.
        state = {k: v for k, v in self.__dict__.items() if k not in self._LIVE}
        return (_rebuild, (type(self), self.args), state)

    def __setstate__(self, state: Optional[Dict[str, Any]]) -> None:
        self.__dict__.update(state or {})
        for name in self._LIVE:
            self.__dict__.setdefault(name, None)


def _rebuild(cls: Type[AgentOSError], args: Tuple[Any, ...]) -> AgentOSError:
    """Unpickle an error without calling its ``__init__`` (whose signature differs per class)."""
    exc = cls.__new__(cls)
    exc.args = args
    return exc


class APIConnectionError(AgentOSError):
    """The server could not be reached, or the connection broke.

    ``reached_server`` is False only when the request provably never left the client
    (connection refused, DNS failure): only then is a non-idempotent POST safe to send again.
    """

    def __init__(
        self,
        message: str = "Could not connect to the AgentOS server; check base_url and that it is running.",
        *,
        request: Optional[Request] = None,
        reached_server: bool = True,
    ) -> None:
        super().__init__(message, request=request)
        self.reached_server = reached_server


class APITimeoutError(APIConnectionError):
    """A connect or read timeout expired (or a client-side wait passed its own timeout)."""

    def __init__(
        self,
        message: str = "The request timed out; raise the timeout or check the server.",
        *,
        request: Optional[Request] = None,
        reached_server: bool = True,
    ) -> None:
        super().__init__(message, request=request, reached_server=reached_server)


class RunAnswerLostError(APIConnectionError):
    """A run was created, or may have been, but its answer never came back (the connection broke,
    the timeout passed, or a gateway answered 502/503/504 in AgentOS's place), and the client could
    not find the run finished in time. It is not sent again (it could run twice).

    ``run_id`` and ``session_id`` name the run (every create names its run), so its result can be
    fetched later; ``status_code`` is the gateway's status when one answered, else None.

    Example:
        ```python
        try:
            out = client.agents.run("assistant", "Summarise the report")
        except errors.RunAnswerLostError as exc:
            out = client.agents.wait("assistant", exc.run_id, exc.session_id, timeout=600)
        ```
    """

    def __init__(
        self,
        message: str,
        *,
        run_id: Optional[str] = None,
        session_id: Optional[str] = None,
        status_code: Optional[int] = None,
        request: Optional[Request] = None,
    ) -> None:
        super().__init__(message, request=request, reached_server=True)
        self.run_id = run_id
        self.session_id = session_id
        self.status_code = status_code


class APIStatusError(AgentOSError):
    """The server answered with a 4xx or 5xx status.

    ``detail`` is the server's ``{"detail": ...}`` (a string, or a list for 422), or the readable
    text of the body when it was not AgentOS's JSON (an HTML page's markup, styles and scripts
    stripped). ``from_agentos`` tells the two apart: True when the body was AgentOS's own JSON
    error, False when something else answered (a gateway's page, another server on the port).
    ``status_code`` may be left out for a class that names one status (``NotFoundError("...")``
    is a 404): what a serializer that keeps only the message (Celery's JSON results) rebuilds.
    """

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: Optional[int] = None,
        detail: Any = None,
        response: Optional[Response] = None,
        request: Optional[Request] = None,
        from_agentos: bool = True,
    ) -> None:
        super().__init__(message, request=request)
        if status_code is None:
            status_code = _natural_status(type(self))
        self.status_code = status_code
        self.detail = detail
        self.response = response
        self.from_agentos = from_agentos


class BadRequestError(APIStatusError):
    """400: the server rejected the request (e.g. a background run on an agent without a db)."""


class AuthenticationError(APIStatusError):
    """401: missing or wrong API key."""


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but not allowed to do this."""


class NotFoundError(APIStatusError):
    """404: unknown agent, team, workflow, run or session."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state."""


class UnprocessableEntityError(APIStatusError):
    """422: validation failed; ``detail`` lists the offending fields."""


class RateLimitError(APIStatusError):
    """429: too many requests, or the server's run queue is full."""


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


class GatewayError(InternalServerError):
    """A gateway in front of AgentOS (nginx, a cloud load balancer, a forward proxy, a TLS
    terminator) answered 502, 503 or 504 with a page of its own instead of AgentOS's JSON.

    Such an answer says nothing of what AgentOS did: the gateway may have lost AgentOS's answer
    after AgentOS got the request (an upstream reset, or a run slower than the gateway's read
    timeout), so a request that is not idempotent must not simply be sent again. The client's run
    methods handle it themselves (they find the run by its id); elsewhere the message says what
    to check. A subclass of `InternalServerError`, so code that catches 5xx still does.

    Example:
        ```python
        try:
            client.memories.create("likes tea", user_id="ada")
        except errors.GatewayError as exc:
            print(exc.status_code, exc.detail)   # 502 "502 Bad Gateway nginx/1.22.1"
        ```
    """

    def __init__(self, message: str, *, status_code: Optional[int] = None, **kwargs: Any) -> None:
        kwargs.setdefault("from_agentos", False)
        super().__init__(message, status_code=502 if status_code is None else status_code, **kwargs)


_STATUS_ERRORS: Dict[int, Type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_STATUS_ADVICE: Dict[int, str] = {
    400: "check the request arguments",
    401: "pass a valid api_key (the server's OS_SECURITY_KEY)",
    403: "use a key that is allowed to do this",
    409: "refresh the resource's state and try again",
    422: "fix the fields named in detail",
    429: "the server did not take it (its queue is full or it limits the rate): slow down, then send it again",
}

#: What a gateway answers when it could not get AgentOS's answer (bad gateway, unavailable, timeout).
GATEWAY_STATUSES = frozenset({502, 503, 504})


def _natural_status(cls: Type[APIStatusError]) -> int:
    for status, error_class in _STATUS_ERRORS.items():
        if issubclass(cls, error_class):
            return status
    if issubclass(cls, InternalServerError):
        return 500
    raise TypeError(f"{cls.__name__} needs status_code= (it covers more than one status)")


# The path's collection segments and what the id after each one names.
_PATH_KINDS = {"agents": "agent", "teams": "team", "workflows": "workflow", "sessions": "session", "runs": "run"}


def _not_found_advice(path: str, detail: Any) -> str:
    """Name what a 404 did not find, and the call that lists what exists.

    The server's detail says which kind it missed ("Agent not found", "Run not found"); the path
    says which id. Without a kind in the detail (a route the server does not have), every id of
    the path is named, since any of them may be the wrong one.
    """
    parts = [unquote(part) for part in path.split("?", 1)[0].strip("/").split("/")]
    named: List[Tuple[str, str]] = [
        (_PATH_KINDS[parts[i]], parts[i + 1]) for i in range(len(parts) - 1) if parts[i] in _PATH_KINDS
    ]
    if not named:
        return "the server has no such route; check that base_url is the AgentOS's address"
    text = str(detail).lower()
    missing = [item for item in named if item[0] in text] or named
    kind, ident = missing[-1]
    owner = next(((k, i) for k, i in named if k in ("agent", "team", "workflow")), None)
    if kind == "run" and owner is not None:
        how = f"client.list_{owner[0]}_runs({owner[1]!r}, session_id) lists a session's runs"
        what = f"no run {ident!r} of {owner[0]} {owner[1]!r}"
    elif kind == "session":
        how = "client.get_sessions() lists the sessions"
        what = f"no session {ident!r}"
    elif kind in ("agent", "team", "workflow"):
        how = f"client.list_{kind}s() lists the {kind}s it has"
        what = f"no {kind} {ident!r} on this server"
    else:
        how = "check the id"
        what = f"no {kind} {ident!r}"
    if len(missing) > 1:
        what = "one of " + ", ".join(f"{k} {i!r}" for k, i in missing) + " does not exist"
        if owner is not None:
            how = f"client.list_{owner[0]}s() lists the {owner[0]}s it has"
    return f"{what}; {how}"


def status_error_class(status_code: int) -> Type[APIStatusError]:
    """The exception class for an HTTP status code (the one table that maps them)."""
    if status_code in _STATUS_ERRORS:
        return _STATUS_ERRORS[status_code]
    if status_code >= 500:
        return InternalServerError
    return APIStatusError


def make_status_error(
    status_code: int,
    detail: Any,
    *,
    method: str,
    path: str,
    response: Optional[Response] = None,
    request: Optional[Request] = None,
    from_agentos: bool = True,
    idempotent: bool = True,
    answered_by: Optional[str] = None,
    proxy: Optional[str] = None,
) -> APIStatusError:
    """Build the exception for a 4xx/5xx answer, with a message that says what to do.

    ``from_agentos`` False: the body was not AgentOS's JSON error, so something else answered
    (``answered_by`` names it when known: the ``Server`` header; ``proxy`` is the forward proxy the
    request went through, which is then the likely author). A 502/503/504
    from such a party is a `GatewayError`; anything else says the answer does not look like
    AgentOS. ``idempotent`` False: the request may have changed something on the server, so the
    message never advises sending it again."""
    shown = detail if detail is not None else "(no detail)"
    text = str(shown)
    if len(text) > 500:
        text = text[:500] + "..."
    by = f" ({answered_by})" if answered_by else ""
    if proxy and not from_agentos:
        by = f" ({answered_by + ', ' if answered_by else ''}through the forward proxy {proxy})"
    if not from_agentos and status_code in GATEWAY_STATUSES:
        if idempotent:
            advice = (
                "AgentOS behind it did not answer in time or at all: it may be down, restarting, or slower "
                "than the gateway's read timeout; check the gateway's upstream and timeouts, and AgentOS's logs"
            )
        else:
            advice = (
                "the request may have reached AgentOS and taken effect, so the client did not send it again: "
                "check whether it did before you repeat it, and check the gateway's upstream and timeouts"
            )
        return GatewayError(
            f"{method} {path}: a gateway{by} in front of AgentOS answered {status_code} ({text}) instead of "
            f"AgentOS; {advice}.",
            status_code=status_code,
            detail=detail,
            response=response,
            request=request,
        )
    if not from_agentos:
        message = f"{method} {path} returned {status_code}, and the answer does not look like AgentOS{by}: {text}. "
        if status_code == 407:
            message += (
                "A forward proxy asks for credentials: put them in its URL (HTTPS_PROXY=http://user:pass@host:port), "
                "or exempt the AgentOS host with NO_PROXY."
            )
        elif "http request was sent to https port" in text.lower():
            message += "base_url says http:// for a port that speaks TLS: use https://."
        elif proxy:
            message += (
                "The forward proxy answered in AgentOS's place: check that it may reach base_url's host, or exempt "
                "that host with NO_PROXY."
            )
        else:
            message += "Check that base_url is the AgentOS server's address (not another server on that port)."
        return status_error_class(status_code)(
            message, status_code=status_code, detail=detail, response=response, request=request, from_agentos=False
        )
    if status_code == 404:
        advice = _not_found_advice(path, detail)
    elif status_code >= 500:
        advice = "the server failed: check the AgentOS server's logs"
    else:
        advice = _STATUS_ADVICE.get(status_code, "")
    message = f"{method} {path} returned {status_code}: {text}"
    if advice:
        message += f" ({advice})"
    return status_error_class(status_code)(
        message, status_code=status_code, detail=detail, response=response, request=request
    )


class StreamError(AgentOSError):
    """A run stream could not be read to its end."""

    def __init__(
        self,
        message: str,
        *,
        run_id: Optional[str] = None,
        session_id: Optional[str] = None,
        last_event_index: Optional[int] = None,
        request: Optional[Request] = None,
    ) -> None:
        super().__init__(message, request=request)
        self.run_id = run_id
        self.session_id = session_id
        self.last_event_index = last_event_index


class StreamInterruptedError(StreamError):
    """A non-resumable (foreground) stream was cut. It is never re-run: the run may have had
    side effects. ``events_received`` counts what was delivered before the cut."""

    def __init__(self, message: str, *, events_received: int = 0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.events_received = events_received


class ReconnectExhaustedError(StreamError):
    """A resumable stream was cut and the ReconnectPolicy was spent. Resume later with
    ``client.agents.resume(..., run_id=exc.run_id, last_event_index=exc.last_event_index,
    session_id=exc.session_id)``."""

    def __init__(self, message: str, *, attempts: int = 0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.attempts = attempts


class RunLostError(StreamError):
    """The server knows the run but nothing produces its events any more: ``/resume`` keeps
    answering a ``replay`` with a non-terminal status and no events (observed after a server
    restart mid-run: the run stays RUNNING in the database forever). Check it with
    ``get_*_run`` and start it again if needed."""


class RunIncompleteError(StreamError):
    """The run finished, but the server can no longer give some of its events: every worker the
    stream reached answered from its database, which does not hold them (agno stores no
    RunContent events by default), or a replay ended short of what it announced. Raised instead
    of ending the loop as if it had seen everything, once the ReconnectPolicy is spent.

    ``missing`` lists the ``(first, last)`` event_index ranges that never arrived (``last`` None:
    up to an end the client cannot know); ``output`` is the run as the server stores it, whose
    ``content`` is the whole answer. Example:

    ```python
    try:
        for ev in stream: render(ev)
    except errors.RunIncompleteError as exc:
        render_text(exc.output.content)
    ```
    """

    def __init__(
        self,
        message: str,
        *,
        missing: Optional[List[Tuple[int, Optional[int]]]] = None,
        output: Optional[RunOutput] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.missing = list(missing or [])
        self.output = output


class RunNotFoundError(StreamError):
    """``/resume`` said the run is in neither the server's buffer nor its database."""


class ProtocolError(StreamError):
    """The server sent something the client cannot read (bad SSE frame, bad JSON, a frame over
    ``max_event_bytes``, a body that is not what the endpoint promises)."""


class RunFailedError(AgentOSError):
    """The run ended with an error event (RunError, TeamRunError, WorkflowError)."""

    def __init__(
        self,
        message: str,
        *,
        event: Any = None,
        output: Optional[RunOutput] = None,
    ) -> None:
        super().__init__(message)
        self.event = event
        self.output = output
