"""Sessions (``/sessions``): list, create, get, update, rename, delete, and their runs and run
previews."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

from .._events import iso
from .._model import FakeRun, FakeSession
from .._shapes import run_schema, session_detail, session_summary
from .._state import _State
from .._wire import _RUN_STATUSES, _Call, _detail, _invalid, _json, _missing, _no_content, _parse_int, _Reply
from ._common import Route, body_json, descending, found, limit_page, paged


def _runs_of(state: _State, session: FakeSession) -> List[FakeRun]:
    return [state.runs[r] for r in session.run_ids if r in state.runs]


def _detail_of(state: _State, session: FakeSession) -> Dict[str, Any]:
    spec = None if session.component_id is None else state._spec(session.session_type, session.component_id)
    return session_detail(session, _runs_of(state, session), spec.name if spec is not None else None)


def _session_type(call: _Call) -> Optional[str]:
    raw = call.q("type")
    if raw is not None and raw not in ("agent", "team", "workflow"):
        raise _invalid(["query", "type"], "enum", "Input should be 'agent', 'team' or 'workflow'", raw)
    return raw


def _typed_session(state: _State, call: _Call, session_id: str, detail: str) -> FakeSession:
    """The session the path names, of the ``type`` the query asks for (any if none), or 404."""
    session_type = _session_type(call)
    session = state.sessions.get(session_id)
    if session is not None and session_type is not None and session.session_type != session_type:
        session = None
    return found(session, detail)


def _wanted_statuses(call: _Call) -> Set[str]:
    return {s.upper() for s in call.query.get("status", [])}


def list_sessions(state: _State, call: _Call) -> _Reply:
    session_type = _session_type(call)
    paging = limit_page(call, echo_text=True)
    component_id, user_id, name = call.q("component_id"), call.q("user_id"), call.q("session_name")
    sort_by = call.q("sort_by") or "created_at"
    rows: List[Tuple[FakeSession, Dict[str, Any]]] = []
    for session in state.sessions.values():
        if session_type is not None and session.session_type != session_type:
            continue
        if component_id is not None and session.component_id != component_id:
            continue
        if user_id is not None and session.user_id != user_id:
            continue
        summary = session_summary(session, _runs_of(state, session))
        if name is not None and name.lower() not in str(summary["session_name"]).lower():
            continue
        rows.append((session, summary))

    def sort_key(item: Tuple[FakeSession, Dict[str, Any]]) -> Tuple[Any, int]:
        session, summary = item
        if sort_by == "updated_at":
            return (session.updated_at, session.seq)
        if sort_by == "session_name":
            return (str(summary["session_name"]), session.seq)
        return (session.created_at, session.seq)

    rows.sort(key=sort_key, reverse=descending(call))
    return paged([summary for _, summary in rows], paging)


def create_session(state: _State, call: _Call) -> _Reply:
    session_type = _session_type(call) or "agent"
    body = body_json(call, required=False)
    session_id = body.get("session_id") or state._new_id()
    if session_id in state.sessions:
        return _detail(
            409, f"Session with id '{session_id}' already exists. Use PATCH /sessions/{session_id} to update it."
        )
    now = state._now()
    session = FakeSession(
        session_id=str(session_id),
        session_type=session_type,
        component_id=body.get(f"{session_type}_id"),
        user_id=body.get("user_id"),
        created_at=now,
        updated_at=now,
        session_name=body.get("session_name"),
        session_state=body.get("session_state"),
        metadata=body.get("metadata"),
        seq=state._next_seq(),
    )
    state.sessions[session.session_id] = session
    return _json(201, _detail_of(state, session))


def delete_sessions(state: _State, call: _Call) -> _Reply:
    body = body_json(call, required=True)
    ids, types = body.get("session_ids"), body.get("session_types")
    for key, value in (("session_ids", ids), ("session_types", types)):
        if value is None:
            raise _missing(["body", key])
        if not isinstance(value, list) or not value:
            raise _invalid(
                ["body", key], "too_short", "List should have at least 1 item after validation, not 0", value
            )
    assert isinstance(ids, list) and isinstance(types, list)
    if len(ids) != len(types):
        return _detail(400, "Session IDs and session types must have the same length")
    for session_id in ids:
        state.sessions.pop(str(session_id), None)
    return _no_content()


def get_session(state: _State, call: _Call, session_id: str) -> _Reply:
    session_type = _session_type(call)
    detail = (
        f"Session with id '{session_id}' not found"
        if session_type is None
        else f"{session_type.title()} Session with id '{session_id}' not found"
    )
    return _json(200, _detail_of(state, _typed_session(state, call, session_id, detail)))


def update_session(state: _State, call: _Call, session_id: str) -> _Reply:
    _session_type(call)
    body = body_json(call, required=True)
    session = _typed_session(state, call, session_id, f"Session with id '{session_id}' not found")
    if body.get("session_name") is not None:
        session.session_name = str(body["session_name"])
    for key in ("session_state", "metadata", "summary"):
        if body.get(key) is not None:
            setattr(session, key, body[key])
    session.updated_at = state._now()
    return _json(200, _detail_of(state, session))


def delete_session(state: _State, call: _Call, session_id: str) -> _Reply:
    state.sessions.pop(session_id, None)
    return _no_content()


def rename_session(state: _State, call: _Call, session_id: str) -> _Reply:
    _session_type(call)
    body = body_json(call, required=True)
    if "session_name" not in body:
        raise _missing(["body", "session_name"])
    session = _typed_session(state, call, session_id, f"Session with id '{session_id}' not found")
    session.session_name = str(body["session_name"])
    session.updated_at = state._now()
    return _json(200, _detail_of(state, session))


def session_runs(state: _State, call: _Call, session_id: str) -> _Reply:
    _session_type(call)
    wanted = _wanted_statuses(call)
    unknown = sorted(wanted - set(_RUN_STATUSES))
    if unknown:
        return _detail(400, f"Invalid status value(s) {unknown}; expected one of {_RUN_STATUSES}")
    session = _typed_session(state, call, session_id, f"Session with ID {session_id} not found")
    after = _parse_int(call.q("created_after"), ["query", "created_after"])
    before = _parse_int(call.q("created_before"), ["query", "created_before"])
    return _json(
        200,
        [
            run_schema(run, state._spec_of(run))
            for run in _runs_of(state, session)
            if (not wanted or run.status in wanted)
            and (after is None or run.created_at >= after)
            and (before is None or run.created_at <= before)
        ],
    )


def session_run(state: _State, call: _Call, session_id: str, run_id: str) -> _Reply:
    session = _typed_session(state, call, session_id, f"Session with ID {session_id} not found")
    runs = _runs_of(state, session)
    if not runs:
        return _detail(404, f"Session with ID {session_id} has no runs")
    run = found(
        next((r for r in runs if r.run_id == run_id), None), f"Run with ID {run_id} not found in session {session_id}"
    )
    return _json(200, run_schema(run, state._spec_of(run)))


def run_previews(state: _State, call: _Call, session_id: str) -> _Reply:
    session = _typed_session(state, call, session_id, f"Session with ID {session_id} not found")
    wanted = _wanted_statuses(call)
    return _json(
        200,
        [
            {
                "run_id": run.run_id,
                "parent_run_id": "",
                "agent_id": run.agent_id,
                "team_id": run.team_id,
                "workflow_id": run.workflow_id,
                "user_id": run.user_id,
                "status": run.status,
                "run_input": run.message,
                "content_preview": (run.content or "")[:200] or None,
                "created_at": iso(run.created_at),
            }
            for run in _runs_of(state, session)
            if not wanted or run.status in wanted
        ],
    )


ROUTES = (
    Route("GET", "/sessions", list_sessions),
    Route("POST", "/sessions", create_session),
    Route("DELETE", "/sessions", delete_sessions),
    Route("GET", "/sessions/{session_id}", get_session),
    Route("PATCH", "/sessions/{session_id}", update_session),
    Route("DELETE", "/sessions/{session_id}", delete_session),
    Route("POST", "/sessions/{session_id}/rename", rename_session),
    Route("GET", "/sessions/{session_id}/runs", session_runs),
    Route("GET", "/sessions/{session_id}/runs/{run_id}", session_run),
    Route("GET", "/sessions/{session_id}/run-previews", run_previews),
)
