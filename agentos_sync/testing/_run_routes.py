"""The fake AgentOS's run routes: create, list, get, cancel, continue."""

from __future__ import annotations

import json

from ._model import FakeRun, _AgentSpec, _Component
from ._shapes import run_output, run_schema
from ._stream_routes import _StreamRoutes
from ._wire import _KINDS, SESSION_ID_REQUIRED, _Call, _detail, _json, _missing, _parse_bool, _Reply


class _RunRoutes(_StreamRoutes):
    """Runs of agents, teams and workflows."""

    # -- runs ------------------------------------------------------------------------------------
    def _h_create_run(self, call: _Call, plural: str, component_id: str) -> _Reply:
        kind = _KINDS[plural]
        form = call.form
        message = form.get("message")
        if message is None:
            raise _missing(["body", "message"])
        stream = _parse_bool(form.get("stream"), True, ["body", "stream"])
        background = _parse_bool(form.get("background"), False, ["body", "background"])
        spec = self._component_or_404(kind, component_id)
        if background and not spec.db:
            return _detail(400, f"Background execution requires a database to be configured on the {kind}")
        session_id = form.get("session_id") or self._new_id()
        key = (call.header("idempotency-key") or "").strip() or None
        if background and key is not None:
            existing = self.runs.get(self._idempotency.get(key, ""))
            if existing is not None:
                return self._duplicate(existing, spec, stream)
        run = self._new_run(spec, call, message, session_id, stream, background, key if background else None)
        if not background:
            if not stream:
                self._finish(run)
                return _json(200, run_output(run, spec))
            run.status = "RUNNING"
            return self._sse(self._live_frames(run, 0, indexed=False), lambda: self._client_gone(run))
        if stream:
            run.status = "RUNNING"
            run.buffered = True
            return self._sse(self._live_frames(run, 0, indexed=True))
        if spec.polls_until_done <= 0:
            self._finish(run)
        return _json(202, {"run_id": run.run_id, "session_id": run.session_id, "status": "PENDING"})

    def _duplicate(self, run: FakeRun, spec: _Component, stream: bool) -> _Reply:
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
            return self._sse(self._live_frames(run, 0, indexed=True))
        return self._sse(self._resume_frames(run.kind, run.component_id, run.run_id, None, run.session_id))

    def _h_list_runs(self, call: _Call, plural: str, component_id: str) -> _Reply:
        kind = _KINDS[plural]
        session_id = call.q("session_id")
        if session_id is None:
            raise _missing(["query", "session_id"])
        spec = self._component_or_404(kind, component_id)
        session = self.sessions.get(session_id) if spec.db else None
        if session is None or session.session_type != kind or session.component_id not in (None, component_id):
            return _detail(404, "Session not found")
        status = call.q("status")
        out = []
        for run_id in session.run_ids:
            run = self.runs.get(run_id)
            if run is None or run.kind != kind or run.component_id != component_id:
                continue
            if status and run.status != status:
                continue
            out.append(run_schema(run, spec))
        return _json(200, out)

    def _h_get_run(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        session_id = call.q("session_id")
        if session_id is None:
            raise _missing(["query", "session_id"])
        spec = self._component_or_404(kind, component_id)
        run = self._db_run(kind, component_id, run_id, session_id) if spec.db else None
        if run is None:
            return _detail(404, "Run not found")
        self._poll(run, spec)
        return _json(200, run_output(run, spec))

    def _h_cancel(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        self._component_or_404(kind, component_id)
        run = self.runs.get(run_id)
        if run is not None and run.kind == kind and run.component_id == component_id:
            self._cancel(run)
        return _json(200, {})

    def _h_continue(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        form = call.form
        stream = _parse_bool(form.get("stream"), True, ["body", "stream"])
        background = _parse_bool(form.get("background"), False, ["body", "background"])
        raw_tools = form.get("tools") or ""
        try:
            tools = json.loads(raw_tools) if raw_tools else None
        except ValueError:
            return _detail(400, "Invalid JSON in tools field")
        spec = self._component_or_404(kind, component_id)
        session_id = form.get("session_id")
        if not session_id:
            return _detail(400, SESSION_ID_REQUIRED)
        if tools is not None and (not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools)):
            return _detail(400, "Invalid structure or content for tools: expected a JSON list of tool executions")
        run = self._db_run(kind, component_id, run_id, session_id) if spec.db else None
        if run is None:
            return _detail(404, "Run not found")
        if not isinstance(spec, _AgentSpec) or run.status != "PAUSED":
            return _detail(409, f"Run {run_id} is not paused (status: {run.status}); the fake continues paused runs")
        pending = {str(t.get("tool_call_id")): t for t in run.paused_tools or []}
        given = {str(t.get("tool_call_id")): t for t in tools or []}
        unresolved = [
            str(t.get("tool_name")) for cid, t in pending.items() if given.get(cid, {}).get("confirmed") is None
        ]
        if unresolved:
            return _detail(400, f"Run {run_id} has unresolved requirements: {', '.join(unresolved)} needs confirmation")
        resolved = [{**pending[cid], **given[cid]} for cid in pending]
        run.paused_tools = resolved
        run.status = "RUNNING"
        run.live = True
        run.plan.extend(self._planner.agent_continue_plan(spec, run, resolved))
        start = len(run.events)
        if not stream:
            self._finish(run)
            return _json(200, run_output(run, spec))
        run.buffered = True
        if background:
            return self._sse(self._live_frames(run, start, indexed=True))
        return self._sse(self._live_frames(run, start, indexed=False), lambda: self._client_gone(run))
