"""The fake AgentOS's request handling: faults, auth, the route table, and the discovery routes."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from ..transports.base import Request
from ._body import Body, Frame
from ._core import _Core
from ._events import iso
from ._faults import apply_body_fault
from ._model import _AgentSpec, _Component, _TeamSpec, _WorkflowSpec
from ._wire import (
    _KINDS,
    _NOT_FOUND,
    DB_ID,
    SSE_CONTENT_TYPE,
    _Call,
    _check_form_size,
    _detail,
    _Exchange,
    _Invalid,
    _json,
    _Reply,
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


class _Router(_Core):
    """Answers one request: faults first, then the route (see ``_ROUTES``)."""

    # ------------------------------------------------------------------------------------------
    # request handling
    # ------------------------------------------------------------------------------------------
    def _exchange(self, request: Request) -> _Exchange:
        """Answer one request: faults, then the route. Used by both transports."""
        method = request.method.upper()
        parts = urlsplit(request.url)
        path = parts.path or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        for key, value in (request.params or {}).items():
            # a list repeats the key (status=A&status=B), as requests sends it
            query.setdefault(key, []).extend(str(v) for v in (value if isinstance(value, list) else [value]))
        with self._lock:
            fault = self.faults._take("request", method, path)
            if fault is not None and fault.kind == "refuse":
                return _Exchange(refused=True)
            self.requests.append(request)
            if fault is not None:
                chunks = fault.raw_chunks()
                frames = (Frame(c.encode() if isinstance(c, str) else bytes(c)) for c in chunks)
                return _Exchange(
                    status=fault.status,
                    headers=dict(fault.headers),
                    body=Body(frames),
                    streaming=not isinstance(fault.body, (bytes, str)),
                )
            call = _Call(method, path, query, request)
            try:
                reply = self._dispatch(call)
            except _Invalid as invalid:
                reply = invalid.reply
            except Exception as exc:  # a user reply/script callable failed: answer as a server would
                self.errors.append(exc)
                reply = _detail(500, "Internal Server Error")
            header_cut = self.faults._take("headers", method, path)
            if header_cut is not None and header_cut.kind == "gateway":
                Body(iter(reply.frames), reply.on_disconnect).close()
                return _gateway_page(header_cut.status)
            frames_iter: Iterator[Frame] = iter(reply.frames)
            stall: Optional[float] = None
            if header_cut is None and reply.sse:
                body_fault = self.faults._take("body", method, path)
                if body_fault is not None:
                    frames_iter = apply_body_fault(frames_iter, body_fault, self.restart)
                    stall = body_fault.seconds
            return _Exchange(
                status=reply.status,
                headers=reply.headers,
                body=Body(frames_iter, reply.on_disconnect),
                cut_headers=header_cut is not None,
                stall_seconds=stall,
                streaming=reply.sse,
            )

    def _check_auth(self, call: _Call) -> None:
        if not self.security_key:
            return
        auth = call.header("authorization")
        scheme, _, token = (auth or "").strip().partition(" ")
        if not auth or scheme.lower() != "bearer" or not token.strip():
            raise _Invalid(_detail(401, "Authorization header required"))
        if token.strip() != self.security_key:
            raise _Invalid(_detail(401, "Invalid authentication token"))

    def _dispatch(self, call: _Call) -> _Reply:
        path = call.path.rstrip("/") or "/"
        allowed: List[str] = []
        for pattern, handlers in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            handler_name = handlers.get(call.method)
            if handler_name is None:
                allowed.extend(handlers)
                continue
            if path != "/health":
                self._check_auth(call)
            _check_form_size(call.request)
            handler: Callable[..., _Reply] = getattr(self, handler_name)
            return handler(call, *[unquote(g) for g in match.groups()])
        if allowed:
            return _detail(405, "Method Not Allowed")
        return _detail(404, "Not Found")

    def _component_or_404(self, kind: str, component_id: str) -> _Component:
        spec = self._spec(kind, component_id)
        if spec is None:
            raise _Invalid(_detail(404, _NOT_FOUND[kind]))
        return spec

    @staticmethod
    def _sse(frames: Iterable[Frame], on_disconnect: Optional[Callable[[], None]] = None) -> _Reply:
        return _Reply(200, {"content-type": SSE_CONTENT_TYPE}, frames, sse=True, on_disconnect=on_disconnect)

    # -- discovery -------------------------------------------------------------------------------
    def _h_health(self, call: _Call) -> _Reply:
        return _json(200, {"status": "ok", "instantiated_at": iso(self._started_at)})

    def _model_info(self) -> Dict[str, Any]:
        return {"name": "OpenAIChat", "model": "gpt-fake", "provider": "OpenAI"}

    def _describe(self, spec: _Component) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": spec.id, "name": spec.name}
        if spec.db:
            out["db_id"] = DB_ID
        if spec.description is not None:
            out["description"] = spec.description
        if isinstance(spec, _AgentSpec):
            out["model"] = self._model_info()
            if spec.confirm_tool is not None:
                out["tools"] = {"tools": [{"name": spec.confirm_tool, "requires_confirmation": True}]}
            if spec.db:
                out["sessions"] = {"session_table": "agno_sessions"}
            out.update(filesystem=False, is_factory=False, is_component=False, sandboxed=False)
        elif isinstance(spec, _TeamSpec):
            out["mode"] = spec.mode
            out["model"] = self._model_info()
            if spec.db:
                out["sessions"] = {"session_table": "agno_sessions"}
            out["members"] = [self._describe(self._agents[m]) for m in spec.members if m in self._agents]
        elif isinstance(spec, _WorkflowSpec):
            out["steps"] = [
                {"name": step, "type": "Step", "agent": {"id": agent, "name": self._agents[agent].name}}
                for step, agent in spec.steps
                if agent in self._agents
            ]
            out.update(workflow_agent=False, is_factory=False, is_component=False, sandboxed=False)
        return out

    def _summary(self, spec: _Component) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": spec.id, "name": spec.name}
        if spec.description is not None:
            out["description"] = spec.description
        if spec.db:
            out["db_id"] = DB_ID
        if isinstance(spec, _TeamSpec):
            out["mode"] = spec.mode
        if not isinstance(spec, _WorkflowSpec):
            out["model"] = {"id": "gpt-fake", "provider": "OpenAI"}
        else:
            out.update(is_factory=False, is_component=False)
        out["sandboxed"] = False
        return out

    def _h_config(self, call: _Call) -> _Reply:
        specs: List[_Component] = [*self._agents.values(), *self._teams.values(), *self._workflows.values()]
        has_db = any(s.db for s in specs)
        return _json(
            200,
            {
                "os_id": self.os_id,
                "name": self.name,
                "available_models": [{"id": "gpt-fake", "provider": "OpenAI"}],
                "os_database": DB_ID if has_db else None,
                "databases": [DB_ID] if has_db else [],
                "agents": [self._summary(s) for s in self._agents.values()],
                "teams": [self._summary(s) for s in self._teams.values()],
                "workflows": [self._summary(s) for s in self._workflows.values()],
                "interfaces": [],
                "company": None,
            },
        )

    def _h_list_components(self, call: _Call, plural: str) -> _Reply:
        kind = _KINDS[plural]
        table: Mapping[str, _Component]
        table = self._agents if kind == "agent" else self._teams if kind == "team" else self._workflows
        return _json(200, [self._describe(s) for s in table.values()])

    def _h_get_component(self, call: _Call, plural: str, component_id: str) -> _Reply:
        return _json(200, self._describe(self._component_or_404(_KINDS[plural], component_id)))


_C = r"(agents|teams|workflows)"
_ID = r"([^/]+)"
_ROUTES: List[Tuple[re.Pattern[str], Dict[str, str]]] = [
    (re.compile(r"/health"), {"GET": "_h_health"}),
    (re.compile(r"/config"), {"GET": "_h_config"}),
    (re.compile(rf"/{_C}"), {"GET": "_h_list_components"}),
    (re.compile(rf"/{_C}/{_ID}"), {"GET": "_h_get_component"}),
    (re.compile(rf"/{_C}/{_ID}/runs"), {"POST": "_h_create_run", "GET": "_h_list_runs"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}"), {"GET": "_h_get_run"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}/cancel"), {"POST": "_h_cancel"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}/continue"), {"POST": "_h_continue"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}/resume"), {"POST": "_h_resume"}),
    (
        re.compile(r"/sessions"),
        {"GET": "_h_list_sessions", "POST": "_h_create_session", "DELETE": "_h_delete_sessions"},
    ),
    (
        re.compile(rf"/sessions/{_ID}"),
        {"GET": "_h_get_session", "PATCH": "_h_update_session", "DELETE": "_h_delete_session"},
    ),
    (re.compile(rf"/sessions/{_ID}/rename"), {"POST": "_h_rename_session"}),
    (re.compile(rf"/sessions/{_ID}/runs"), {"GET": "_h_session_runs"}),
    (re.compile(rf"/sessions/{_ID}/runs/{_ID}"), {"GET": "_h_session_run"}),
]
