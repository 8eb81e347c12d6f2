"""Agents, teams and workflows, and their runs: list and describe the components; create (the
four modes: blocking, streamed, background 202, background streamed; ``Idempotency-Key``), list,
get (a poll moves a 202 run on), cancel, continue a paused run, and ``/resume`` its stream."""

from __future__ import annotations

import json
from typing import Tuple

from .._model import FakeRun, _AgentSpec, _Component
from .._shapes import component_detail, run_output, run_schema
from .._state import _State
from .._streams import live_frames, resume_frames
from .._wire import _KINDS, SESSION_ID_REQUIRED, _Call, _detail, _json, _missing, _parse_bool, _parse_int, _Reply, _sse
from ._common import Route
from .approvals import with_approval_resolution

_C = "/{plural:agents|teams|workflows}/{component_id}"


def list_components(state: _State, call: _Call, plural: str) -> _Reply:
    return _json(200, [component_detail(s, state._agents) for s in state._table(_KINDS[plural]).values()])


def get_component(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    _, spec = state._routed_component(plural, component_id)
    return _json(200, component_detail(spec, state._agents))


def _session_id_query(call: _Call) -> str:
    session_id = call.q("session_id")
    if session_id is None:
        raise _missing(["query", "session_id"])
    return session_id


def _stream_flags(call: _Call) -> Tuple[bool, bool]:
    form = call.form
    return (
        _parse_bool(form.get("stream"), True, ["body", "stream"]),
        _parse_bool(form.get("background"), False, ["body", "background"]),
    )


def _live(state: _State, run: FakeRun, start: int, background: bool) -> _Reply:
    """A run's stream from event ``start``: with ``event_index`` in the background; without, in the
    foreground, where the run is cancelled when its client goes away."""
    if background:
        return _sse(live_frames(state, run, start, indexed=True))
    return _sse(live_frames(state, run, start, indexed=False), lambda: state._client_gone(run))


def create_run(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    kind = _KINDS[plural]
    message = call.form.get("message")
    if message is None:
        raise _missing(["body", "message"])
    stream, background = _stream_flags(call)
    spec = state._component_or_404(kind, component_id)
    if background and not spec.db:
        return _detail(400, f"Background execution requires a database to be configured on the {kind}")
    session_id = call.form.get("session_id") or state._new_id()
    key = (call.header("idempotency-key") or "").strip() or None
    if background and key is not None:
        existing = state.runs.get(state._idempotency.get(key, ""))
        if existing is not None:
            return _duplicate(state, existing, spec, stream)
    run = state._new_run(spec, call, message, session_id, stream, background, key if background else None)
    if stream:
        run.status = "RUNNING"
        run.buffered = background
        return _live(state, run, 0, background)
    if not background or spec.polls_until_done <= 0:
        state._finish(run)
    if not background:
        return _json(200, run_output(run, spec))
    return _json(202, {"run_id": run.run_id, "session_id": run.session_id, "status": "PENDING"})


def _duplicate(state: _State, run: FakeRun, spec: _Component, stream: bool) -> _Reply:
    """A background create repeating an Idempotency-Key: the original run, not a new one."""
    if run.kind != spec.kind or run.component_id != spec.id:
        return _detail(409, "Idempotency-Key was already used for a different component")
    if not stream:
        return _json(202, {"run_id": run.run_id, "session_id": run.session_id, "status": run.status})
    if not run.stream:
        return _detail(
            409,
            "Idempotency-Key was used by a non-streaming submission; "
            f"poll run {run.run_id} instead of attaching a stream",
        )
    if run.active and run.buffered:
        return _live(state, run, 0, True)
    return _sse(resume_frames(state, run.kind, run.component_id, run.run_id, None, run.session_id))


def list_runs(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    session_id = _session_id_query(call)
    kind, spec = state._routed_component(plural, component_id)
    session = state.sessions.get(session_id) if spec.db else None
    if session is None or session.session_type != kind or session.component_id not in (None, component_id):
        return _detail(404, "Session not found")
    status = call.q("status")
    runs = [state.runs.get(run_id) for run_id in session.run_ids]
    return _json(
        200,
        [
            run_schema(run, spec)
            for run in runs
            if run is not None
            and run.kind == kind
            and run.component_id == component_id
            and not (status and run.status != status)
        ],
    )


def get_run(state: _State, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
    session_id = _session_id_query(call)
    kind, spec = state._routed_component(plural, component_id)
    run = state._db_run(kind, component_id, run_id, session_id) if spec.db else None
    if run is None:
        return _detail(404, "Run not found")
    state._poll(run, spec)
    return _json(200, run_output(run, spec))


def cancel_run(state: _State, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
    kind, _ = state._routed_component(plural, component_id)
    state._cancel_routed(kind, component_id, run_id)
    return _json(200, {})


def continue_run(state: _State, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
    call = with_approval_resolution(state, call, run_id)
    kind = _KINDS[plural]
    stream, background = _stream_flags(call)
    raw_tools = call.form.get("tools") or ""
    try:
        tools = json.loads(raw_tools) if raw_tools else None
    except ValueError:
        return _detail(400, "Invalid JSON in tools field")
    spec = state._component_or_404(kind, component_id)
    session_id = call.form.get("session_id")
    if not session_id:
        return _detail(400, SESSION_ID_REQUIRED)
    if tools is not None and (not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools)):
        return _detail(400, "Invalid structure or content for tools: expected a JSON list of tool executions")
    run = state._db_run(kind, component_id, run_id, session_id) if spec.db else None
    if run is None:
        return _detail(404, "Run not found")
    if not isinstance(spec, _AgentSpec) or run.status != "PAUSED":
        return _detail(409, f"Run {run_id} is not paused (status: {run.status}); the fake continues paused runs")
    pending = {str(t.get("tool_call_id")): t for t in run.paused_tools or []}
    given = {str(t.get("tool_call_id")): t for t in tools or []}
    unresolved = [str(t.get("tool_name")) for cid, t in pending.items() if given.get(cid, {}).get("confirmed") is None]
    if unresolved:
        return _detail(400, f"Run {run_id} has unresolved requirements: {', '.join(unresolved)} needs confirmation")
    resolved = [{**pending[cid], **given[cid]} for cid in pending]
    run.paused_tools = resolved
    run.status = "RUNNING"
    run.live = True
    run.plan.extend(state._planner.agent_continue_plan(spec, run, resolved))
    start = len(run.events)
    if not stream:
        state._finish(run)
        return _json(200, run_output(run, spec))
    run.buffered = True
    return _live(state, run, start, background)


def resume_run(state: _State, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
    kind = _KINDS[plural]
    last = _parse_int(call.form.get("last_event_index"), ["body", "last_event_index"])
    session_id = call.form.get("session_id") or None
    state._component_or_404(kind, component_id)
    return _sse(resume_frames(state, kind, component_id, run_id, last, session_id))


ROUTES = (
    Route("GET", "/{plural:agents|teams|workflows}", list_components),
    Route("GET", _C, get_component),
    Route("POST", f"{_C}/runs", create_run),
    Route("GET", f"{_C}/runs", list_runs),
    Route("GET", f"{_C}/runs/{{run_id}}", get_run),
    Route("POST", f"{_C}/runs/{{run_id}}/cancel", cancel_run),
    Route("POST", f"{_C}/runs/{{run_id}}/continue", continue_run),
    Route("POST", f"{_C}/runs/{{run_id}}/resume", resume_run),
)
