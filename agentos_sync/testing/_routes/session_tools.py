"""A component's session tools: fork (a copy with copies of its runs), compaction (agno's
``not_enabled`` answer: the fake's agents have none configured) and media (``fake.media``; empty
means no media storage, agno's 503)."""

from __future__ import annotations

import mimetypes
from dataclasses import replace

from .._body import Frame
from .._model import FakeSession
from .._state import _State
from .._wire import _KINDS, _Call, _detail, _json, _Reply
from ._common import Route, found


def _owned_session(state: _State, kind: str, component_id: str, session_id: str) -> FakeSession:
    state._component_or_404(kind, component_id)
    session = state.sessions.get(session_id)
    if session is not None and session.component_id not in (None, component_id):
        session = None
    return found(session, "Session not found")


def fork_session(state: _State, call: _Call, plural: str, component_id: str, session_id: str) -> _Reply:
    source = _owned_session(state, _KINDS[plural], component_id, session_id)
    if not source.run_ids:
        return _detail(400, f"Session {session_id} has no runs to fork")
    now = state._now()
    fork = replace(
        source, session_id=state._new_id(), created_at=now, updated_at=now, run_ids=[], seq=state._next_seq()
    )
    for run_id in source.run_ids:
        run = state.runs.get(run_id)
        if run is None:
            continue
        copy = replace(run, run_id=state._new_id(), session_id=fork.session_id, events=list(run.events))
        state.runs[copy.run_id] = copy
        fork.run_ids.append(copy.run_id)
    state.sessions[fork.session_id] = fork
    return _json(200, {"session_id": fork.session_id, "forked_from_session_id": session_id})


def compact_session(state: _State, call: _Call, plural: str, component_id: str, session_id: str) -> _Reply:
    _owned_session(state, "agent", component_id, session_id)
    return _json(
        200,
        {
            "status": "not_enabled",
            "message": "Compaction is not enabled on this agent.",
            "compacted": False,
            "record": None,
            "metrics": None,
        },
    )


def session_media(state: _State, call: _Call, session_id: str, storage_key: str) -> _Reply:
    if not state.media:
        return _detail(503, "Media storage is not configured on AgentOS")
    if session_id not in state.sessions:
        return _detail(404, f"Session '{session_id}' not found")
    data = found(state.media.get((session_id, storage_key)), "Media not found in this session")
    media_type = mimetypes.guess_type(storage_key)[0] or "application/octet-stream"
    return _Reply(200, {"content-type": media_type}, [Frame(data)])


ROUTES = (
    Route("POST", "/{plural:agents|teams}/{component_id}/sessions/{session_id}/fork", fork_session),
    Route("POST", "/{plural:agents}/{component_id}/sessions/{session_id}/compact", compact_session),
    Route("GET", "/sessions/{session_id}/media/{storage_key:path}", session_media),
)
