"""The fake AgentOS's ``/sessions`` routes."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ._model import FakeRun, FakeSession
from ._routes import _Router
from ._shapes import run_schema, session_detail, session_summary
from ._wire import _RUN_STATUSES, _Call, _detail, _Invalid, _invalid, _json, _missing, _no_content, _parse_int, _Reply


class _SessionRoutes(_Router):
    """Sessions: list, create, get, update, rename, delete, and their runs."""

    # -- sessions --------------------------------------------------------------------------------
    def _session_runs(self, session: FakeSession) -> List[FakeRun]:
        return [self.runs[r] for r in session.run_ids if r in self.runs]

    def _component_name(self, session: FakeSession) -> Optional[str]:
        if session.component_id is None:
            return None
        spec = self._spec(session.session_type, session.component_id)
        return spec.name if spec is not None else None

    def _detail_of(self, session: FakeSession) -> Dict[str, Any]:
        return session_detail(session, self._session_runs(session), self._component_name(session))

    def _session_type(self, call: _Call, *, required_default: Optional[str] = None) -> Optional[str]:
        raw = call.q("type")
        if raw is None:
            return required_default
        if raw not in ("agent", "team", "workflow"):
            raise _invalid(["query", "type"], "enum", "Input should be 'agent', 'team' or 'workflow'", raw)
        return raw

    def _body_json(self, call: _Call, *, required: bool) -> Dict[str, Any]:
        body = call.request.json
        if body is None:
            if required:
                raise _missing(["body"])
            return {}
        if not isinstance(body, dict):
            raise _invalid(
                ["body"],
                "model_attributes_type",
                "Input should be a valid dictionary or object to extract fields from",
                body,
            )
        return body

    def _h_list_sessions(self, call: _Call) -> _Reply:
        session_type = self._session_type(call)
        limit = _parse_int(call.q("limit"), ["query", "limit"])
        page = _parse_int(call.q("page"), ["query", "page"])
        limit = 20 if limit is None else limit
        page = 1 if page is None else page
        if limit < 1:
            raise _invalid(
                ["query", "limit"], "greater_than_equal", "Input should be greater than or equal to 1", str(limit)
            )
        if page < 0:
            raise _invalid(
                ["query", "page"], "greater_than_equal", "Input should be greater than or equal to 0", str(page)
            )
        component_id, user_id, name = call.q("component_id"), call.q("user_id"), call.q("session_name")
        sort_by = call.q("sort_by") or "created_at"
        descending = (call.q("sort_order") or "desc").lower() != "asc"
        found = []
        for session in self.sessions.values():
            runs = self._session_runs(session)
            if session_type is not None and session.session_type != session_type:
                continue
            if component_id is not None and session.component_id != component_id:
                continue
            if user_id is not None and session.user_id != user_id:
                continue
            summary = session_summary(session, runs)
            if name is not None and name.lower() not in str(summary["session_name"]).lower():
                continue
            found.append((session, summary))

        def sort_key(item: Tuple[FakeSession, Dict[str, Any]]) -> Tuple[Any, int]:
            session, summary = item
            if sort_by == "updated_at":
                return (session.updated_at, session.seq)
            if sort_by == "session_name":
                return (str(summary["session_name"]), session.seq)
            return (session.created_at, session.seq)

        found.sort(key=sort_key, reverse=descending)
        total = len(found)
        offset = (max(page, 1) - 1) * limit
        data = [summary for _, summary in found[offset : offset + limit]]
        meta = {
            "page": page,
            "limit": limit,
            "total_pages": (total + limit - 1) // limit,
            "total_count": total,
            "search_time_ms": 0.0,
        }
        return _json(200, {"data": data, "meta": meta})

    def _h_create_session(self, call: _Call) -> _Reply:
        session_type = self._session_type(call, required_default="agent") or "agent"
        body = self._body_json(call, required=False)
        session_id = body.get("session_id") or self._new_id()
        if session_id in self.sessions:
            return _detail(
                409, f"Session with id '{session_id}' already exists. Use PATCH /sessions/{session_id} to update it."
            )
        now = self._now()
        self._seq += 1
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
            seq=self._seq,
        )
        self.sessions[session.session_id] = session
        return _json(201, self._detail_of(session))

    def _h_delete_sessions(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
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
            self.sessions.pop(str(session_id), None)
        return _no_content()

    def _session_or_404(self, session_id: str, session_type: Optional[str], detail: str) -> FakeSession:
        session = self.sessions.get(session_id)
        if session is None or (session_type is not None and session.session_type != session_type):
            raise _Invalid(_detail(404, detail))
        return session

    def _h_get_session(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        detail = (
            f"Session with id '{session_id}' not found"
            if session_type is None
            else f"{session_type.title()} Session with id '{session_id}' not found"
        )
        return _json(200, self._detail_of(self._session_or_404(session_id, session_type, detail)))

    def _h_update_session(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        body = self._body_json(call, required=True)
        session = self._session_or_404(session_id, session_type, f"Session with id '{session_id}' not found")
        if body.get("session_name") is not None:
            session.session_name = str(body["session_name"])
        if body.get("session_state") is not None:
            session.session_state = body["session_state"]
        if body.get("metadata") is not None:
            session.metadata = body["metadata"]
        if body.get("summary") is not None:
            session.summary = body["summary"]
        session.updated_at = self._now()
        return _json(200, self._detail_of(session))

    def _h_delete_session(self, call: _Call, session_id: str) -> _Reply:
        self.sessions.pop(session_id, None)
        return _no_content()

    def _h_rename_session(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        body = self._body_json(call, required=True)
        if "session_name" not in body:
            raise _missing(["body", "session_name"])
        session = self._session_or_404(session_id, session_type, f"Session with id '{session_id}' not found")
        session.session_name = str(body["session_name"])
        session.updated_at = self._now()
        return _json(200, self._detail_of(session))

    def _h_session_runs(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        wanted = {s.upper() for s in call.query.get("status", [])}
        unknown = sorted(wanted - set(_RUN_STATUSES))
        if unknown:
            return _detail(400, f"Invalid status value(s) {unknown}; expected one of {_RUN_STATUSES}")
        session = self._session_or_404(session_id, session_type, f"Session with ID {session_id} not found")
        after, before = (
            _parse_int(call.q("created_after"), ["query", "created_after"]),
            _parse_int(call.q("created_before"), ["query", "created_before"]),
        )
        out = []
        for run in self._session_runs(session):
            if wanted and run.status not in wanted:
                continue
            if after is not None and run.created_at < after:
                continue
            if before is not None and run.created_at > before:
                continue
            out.append(run_schema(run, self._spec_of(run)))
        return _json(200, out)

    def _h_session_run(self, call: _Call, session_id: str, run_id: str) -> _Reply:
        session_type = self._session_type(call)
        session = self._session_or_404(session_id, session_type, f"Session with ID {session_id} not found")
        runs = self._session_runs(session)
        if not runs:
            return _detail(404, f"Session with ID {session_id} has no runs")
        for run in runs:
            if run.run_id == run_id:
                return _json(200, run_schema(run, self._spec_of(run)))
        return _detail(404, f"Run with ID {run_id} not found in session {session_id}")
