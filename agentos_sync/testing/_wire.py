"""The fake AgentOS's wire: request and reply records, status helpers, form parsing as FastAPI does it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence
from urllib.parse import quote_plus

from ..transports.base import Request
from ._body import Body, Frame
from ._sse import json_body

SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
DB_ID = "fake-db"
SESSION_ID_REQUIRED = "session_id is required for this action"

_KINDS = {"agents": "agent", "teams": "team", "workflows": "workflow"}
_NOT_FOUND = {"agent": "Agent not found", "team": "Team not found", "workflow": "Workflow not found"}
_PAUSED_EVENTS = frozenset({"RunPaused", "TeamRunPaused", "WorkflowPaused"})
_RUN_FORM_FIELDS = frozenset(
    {"message", "stream", "session_id", "user_id", "background", "version", "files_metadata", "factory_input"}
)
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_RUN_STATUSES = ["CANCELLED", "COMPLETED", "ERROR", "PAUSED", "PENDING", "REGENERATED", "RUNNING"]
_SUBSCRIBED = {
    "agent": "Subscribed to agent run. Receiving live events.",
    "team": "Subscribed to team run. Receiving live events.",
    "workflow": "Subscribed to workflow run. Receiving live events.",
}


@dataclass
class _Reply:
    status: int
    headers: Dict[str, str]
    frames: Iterable[Frame]
    sse: bool = False
    on_disconnect: Optional[Callable[[], None]] = None


@dataclass
class _Exchange:
    """What the fake answers to one request, for a transport to deliver."""

    refused: bool = False
    status: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: Body = field(default_factory=lambda: Body([]))
    cut_headers: bool = False
    stall_seconds: Optional[float] = None
    #: The body's length is unknown up front (SSE, a generator): chunked over HTTP.
    streaming: bool = False


class _Invalid(Exception):
    """A request the route rejects; carries the reply."""

    def __init__(self, reply: _Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


@dataclass
class _Call:
    method: str
    path: str
    query: Dict[str, List[str]]
    request: Request

    def q(self, name: str) -> Optional[str]:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def form(self) -> Mapping[str, str]:
        return self.request.form or {}

    def header(self, name: str) -> Optional[str]:
        lname = name.lower()
        for key, value in self.request.headers.items():
            if key.lower() == lname:
                return value
        return None


def _json(status: int, payload: Any, headers: Optional[Mapping[str, str]] = None) -> _Reply:
    hdrs = {"content-type": JSON_CONTENT_TYPE}
    hdrs.update(headers or {})
    return _Reply(status, hdrs, [Frame(json_body(payload))])


def _sse(frames: Iterable[Frame], on_disconnect: Optional[Callable[[], None]] = None) -> _Reply:
    """An event stream; ``on_disconnect`` runs if its client goes away before the end."""
    return _Reply(200, {"content-type": SSE_CONTENT_TYPE}, frames, sse=True, on_disconnect=on_disconnect)


def _detail(status: int, detail: Any) -> _Reply:
    return _json(status, {"detail": detail})


def _no_content() -> _Reply:
    return _Reply(204, {}, [])


def _invalid(loc: Sequence[str], kind: str, msg: str, value: Any) -> _Invalid:
    return _Invalid(_json(422, {"detail": [{"type": kind, "loc": list(loc), "msg": msg, "input": value}]}))


def _missing(loc: Sequence[str]) -> _Invalid:
    return _invalid(loc, "missing", "Field required", None)


# Starlette's form parsers (what FastAPI reads Form(...) fields with) refuse a field over 1 MiB,
# before the route runs: an urlencoded field counts its name and value as sent (percent-encoded),
# a multipart part its value. FastAPI answers 400 with the parser's message.
_MAX_FORM_FIELD = 1024 * 1024


def _check_form_size(request: Request) -> None:
    for name, value in (request.form or {}).items():
        if request.files:
            if len(str(value).encode("utf-8", "surrogatepass")) > _MAX_FORM_FIELD:
                raise _Invalid(_detail(400, "Part exceeded maximum size of 1024KB."))
        elif len(quote_plus(name)) + len(quote_plus(str(value), errors="surrogatepass")) > _MAX_FORM_FIELD:
            raise _Invalid(_detail(400, "Field exceeded maximum size of 1024KB."))


def _parse_bool(raw: Optional[str], default: bool, loc: Sequence[str]) -> bool:
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _invalid(loc, "bool_parsing", "Input should be a valid boolean, unable to interpret input", raw)


def _parse_int(raw: Optional[str], loc: Sequence[str]) -> Optional[int]:
    if raw is None or raw == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise _invalid(
            loc, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", raw
        ) from None


def _decode_field(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
