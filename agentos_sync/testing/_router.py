"""The fake AgentOS's route table and the one way a request is answered: scripted faults first,
then the route the path and method find (auth, form size, the handler), then the faults that
break the answer's headers or body (see docs/architecture.md, 'The fake server').

``ROUTES`` composes every area's routes here, explicitly; nothing registers itself. The router
tries the most specific template first (a literal segment before a parameter, so
``/traces/filter-schema`` is not a trace id), whatever the order the areas are listed in, and
refuses two routes of the same method and shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from ..transports.base import Request
from ._body import Body, Frame
from ._faults import apply_body_fault
from ._routes import (
    a2a,
    approvals,
    components,
    databases,
    evals,
    info,
    knowledge,
    knowledge_sources,
    learnings,
    memories,
    metrics,
    queue,
    run_checkpoints,
    runs,
    schedules,
    session_tools,
    sessions,
    traces,
)
from ._routes._common import Route
from ._state import _State
from ._wire import _Call, _check_form_size, _detail, _Exchange, _Invalid, _Reply

__all__ = ["ROUTES", "Router"]

#: Every route of the fake server, by area (as the client's resources are grouped).
ROUTES: Tuple[Route, ...] = (
    *info.ROUTES,
    *runs.ROUTES,
    *run_checkpoints.ROUTES,
    *sessions.ROUTES,
    *session_tools.ROUTES,
    *memories.ROUTES,
    *knowledge.ROUTES,
    *knowledge_sources.ROUTES,
    *evals.ROUTES,
    *traces.ROUTES,
    *metrics.ROUTES,
    *databases.ROUTES,
    *approvals.ROUTES,
    *schedules.ROUTES,
    *queue.ROUTES,
    *components.ROUTES,
    *learnings.ROUTES,
    *a2a.ROUTES,
)


def _gateway_page(status: int) -> _Exchange:
    """nginx 1.22's own error page for ``status``, as a gateway in front of AgentOS sends it."""
    title = f"{status} {HTTPStatus(status).phrase}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    return _Exchange(
        status=status, headers={"content-type": "text/html", "server": "nginx/1.22.1"}, body=Body([Frame(page)])
    )


class Router:
    """Answers requests for one server's `_State` from a table of `Route` records."""

    def __init__(self, state: _State, routes: Sequence[Route] = ROUTES) -> None:
        shapes: Dict[Tuple[str, str], Route] = {}
        for route in routes:
            taken = shapes.setdefault((route.method, route.shape), route)
            if taken is not route:
                raise ValueError(f"two routes for {route.method} {route.path}: {taken.handler} and {route.handler}")
        self.state = state
        #: Most specific first; equally specific routes keep their order (they cannot both match).
        self.routes = sorted(routes, key=lambda r: r.specificity)

    def exchange(self, request: Request) -> _Exchange:
        """Answer one request: faults, then the route. Used by both transports."""
        state = self.state
        method = request.method.upper()
        parts = urlsplit(request.url)
        path = parts.path or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        for key, value in (request.params or {}).items():
            # a list repeats the key (status=A&status=B), as requests sends it
            query.setdefault(key, []).extend(str(v) for v in (value if isinstance(value, list) else [value]))
        with state._lock:
            fault = state.faults._take("request", method, path)
            if fault is not None and fault.kind == "refuse":
                return _Exchange(refused=True)
            state.requests.append(request)
            if fault is not None:
                chunks = fault.raw_chunks()
                frames = (Frame(c.encode() if isinstance(c, str) else bytes(c)) for c in chunks)
                return _Exchange(
                    status=fault.status,
                    headers=dict(fault.headers),
                    body=Body(frames),
                    streaming=not isinstance(fault.body, (bytes, str)),
                )
            try:
                reply = self.dispatch(_Call(method, path, query, request))
            except _Invalid as invalid:
                reply = invalid.reply
            except Exception as exc:  # a user reply/script callable failed: answer as a server would
                state.errors.append(exc)
                reply = _detail(500, "Internal Server Error")
            header_cut = state.faults._take("headers", method, path)
            if header_cut is not None and header_cut.kind == "gateway":
                Body(iter(reply.frames), reply.on_disconnect).close()
                return _gateway_page(header_cut.status)
            frames_iter: Iterator[Frame] = iter(reply.frames)
            stall: Optional[float] = None
            if header_cut is None and reply.sse:
                body_fault = state.faults._take("body", method, path)
                if body_fault is not None:
                    frames_iter = apply_body_fault(frames_iter, body_fault, state.restart)
                    stall = body_fault.seconds
            return _Exchange(
                status=reply.status,
                headers=reply.headers,
                body=Body(frames_iter, reply.on_disconnect),
                cut_headers=header_cut is not None,
                stall_seconds=stall,
                streaming=reply.sse,
            )

    def dispatch(self, call: _Call) -> _Reply:
        """The reply of the route ``call`` finds: 405 when the path has routes but none for the
        method, 404 when it has none. May raise `_Invalid` (a refused request)."""
        path = call.path.rstrip("/") or "/"
        allowed: List[str] = []
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method != call.method:
                allowed.append(route.method)
                continue
            if route.auth:
                self._check_auth(call)
            _check_form_size(call.request)
            return route.handler(self.state, call, *[unquote(g) for g in match.groups()])
        if allowed:
            return _detail(405, "Method Not Allowed")
        return _detail(404, "Not Found")

    def _check_auth(self, call: _Call) -> None:
        key = self.state.security_key
        if not key:
            return
        auth = call.header("authorization")
        scheme, _, token = (auth or "").strip().partition(" ")
        if not auth or scheme.lower() != "bearer" or not token.strip():
            raise _Invalid(_detail(401, "Authorization header required"))
        if token.strip() != key:
            raise _Invalid(_detail(401, "Invalid authentication token"))
