"""Sessions: the ``/sessions`` endpoints (JSON bodies, ``type`` query parameter)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from . import errors
from ._http import HTTPCore, segment, validate
from .models import RunOutput, SessionRecord, SessionsPage

SESSION_TYPES = ("agent", "team", "workflow")


def _session_type(value: Optional[str], *, required: bool = False) -> Optional[str]:
    if value is None:
        if required:
            raise ValueError(f"session_type must be one of {', '.join(SESSION_TYPES)}")
        return None
    text = str(getattr(value, "value", value)).lower()
    if text not in SESSION_TYPES:
        raise ValueError(f"session_type must be one of {', '.join(SESSION_TYPES)}, got {value!r}")
    return text


def _params(**values: Any) -> Dict[str, Union[str, List[str]]]:
    return {k: str(v) for k, v in values.items() if v is not None}


class Sessions:
    """Session operations; one instance per client."""

    def __init__(self, http: HTTPCore) -> None:
        self._http = http

    def create(
        self,
        *,
        session_type: str,
        session_id: Optional[str],
        user_id: Optional[str],
        session_name: Optional[str],
        session_state: Optional[Dict[str, Any]],
        metadata: Optional[Dict[str, Any]],
        agent_id: Optional[str],
        team_id: Optional[str],
        workflow_id: Optional[str],
        db_id: Optional[str],
    ) -> SessionRecord:
        body = {
            "session_id": session_id,
            "session_name": session_name,
            "session_state": session_state,
            "metadata": metadata,
            "user_id": user_id,
            "agent_id": agent_id,
            "team_id": team_id,
            "workflow_id": workflow_id,
        }
        data = self._http.json(
            "POST",
            ["sessions"],
            params=_params(type=_session_type(session_type, required=True), db_id=db_id),
            json_body={k: v for k, v in body.items() if v is not None},
            idempotent=session_id is not None,
        )
        return validate(SessionRecord, data, "AgentOS")

    def list(
        self,
        *,
        session_type: Optional[str],
        component_id: Optional[str],
        user_id: Optional[str],
        session_name: Optional[str],
        limit: int,
        page: int,
        sort_by: str,
        sort_order: str,
        db_id: Optional[str],
        table: Optional[str],
    ) -> SessionsPage:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be an int >= 1, got {limit!r}")
        if isinstance(page, bool) or not isinstance(page, int) or page < 0:
            raise ValueError(f"page must be an int >= 0, got {page!r}")
        if sort_order not in ("asc", "desc"):
            raise ValueError(f"sort_order must be 'asc' or 'desc', got {sort_order!r}")
        data = self._http.json(
            "GET",
            ["sessions"],
            params=_params(
                type=_session_type(session_type),
                component_id=component_id,
                user_id=user_id,
                session_name=session_name,
                limit=limit,
                page=page,
                sort_by=sort_by,
                sort_order=sort_order,
                db_id=db_id,
                table=table,
            ),
        )
        if isinstance(data, list):
            data = {"data": data}
        return validate(SessionsPage, data, "AgentOS")

    def get(
        self, session_id: str, *, session_type: Optional[str], user_id: Optional[str], db_id: Optional[str]
    ) -> SessionRecord:
        data = self._http.json(
            "GET",
            ["sessions", segment(session_id, "session_id")],
            params=_params(type=_session_type(session_type), user_id=user_id, db_id=db_id),
        )
        return validate(SessionRecord, data, "AgentOS")

    def runs(
        self,
        session_id: str,
        *,
        session_type: Optional[str],
        user_id: Optional[str],
        created_after: Optional[int],
        created_before: Optional[int],
        status: Optional[Sequence[str]],
        db_id: Optional[str],
    ) -> List[RunOutput]:
        params = _params(
            type=_session_type(session_type),
            user_id=user_id,
            created_after=created_after,
            created_before=created_before,
            db_id=db_id,
        )
        if status:
            params["status"] = [str(s) for s in status]  # the server reads a repeated key
        data = self._http.json("GET", ["sessions", segment(session_id, "session_id"), "runs"], params=params)
        if not isinstance(data, list):
            raise errors.ProtocolError(f"GET /sessions/{session_id}/runs did not return a list")
        return [validate(RunOutput, item, "AgentOS") for item in data]

    def run(
        self, session_id: str, run_id: str, *, session_type: Optional[str], user_id: Optional[str], db_id: Optional[str]
    ) -> RunOutput:
        data = self._http.json(
            "GET",
            ["sessions", segment(session_id, "session_id"), "runs", segment(run_id, "run_id")],
            params=_params(type=_session_type(session_type), user_id=user_id, db_id=db_id),
        )
        return validate(RunOutput, data, "AgentOS")

    def rename(
        self,
        session_id: str,
        session_name: str,
        *,
        session_type: Optional[str],
        user_id: Optional[str],
        db_id: Optional[str],
    ) -> SessionRecord:
        if not isinstance(session_name, str) or not session_name:
            raise ValueError("session_name must be a non-empty str")
        data = self._http.json(
            "POST",
            ["sessions", segment(session_id, "session_id"), "rename"],
            params=_params(type=_session_type(session_type), user_id=user_id, db_id=db_id),
            json_body={"session_name": session_name},
            idempotent=True,
        )
        return validate(SessionRecord, data, "AgentOS")

    def update(
        self,
        session_id: str,
        *,
        session_type: Optional[str],
        session_name: Optional[str],
        session_state: Optional[Dict[str, Any]],
        metadata: Optional[Dict[str, Any]],
        summary: Optional[Dict[str, Any]],
        user_id: Optional[str],
        db_id: Optional[str],
    ) -> SessionRecord:
        body = {"session_name": session_name, "session_state": session_state, "metadata": metadata, "summary": summary}
        body = {k: v for k, v in body.items() if v is not None}
        if not body:
            raise ValueError("update_session needs at least one of session_name, session_state, metadata, summary")
        data = self._http.json(
            "PATCH",
            ["sessions", segment(session_id, "session_id")],
            params=_params(type=_session_type(session_type), user_id=user_id, db_id=db_id),
            json_body=body,
            idempotent=True,
        )
        return validate(SessionRecord, data, "AgentOS")

    def delete(self, session_id: str, *, user_id: Optional[str], db_id: Optional[str]) -> None:
        self._http.json(
            "DELETE", ["sessions", segment(session_id, "session_id")], params=_params(user_id=user_id, db_id=db_id)
        )

    def delete_many(
        self, session_ids: Sequence[str], session_types: Sequence[str], *, user_id: Optional[str], db_id: Optional[str]
    ) -> None:
        ids = list(session_ids)
        types = [_session_type(t, required=True) for t in session_types]
        if not ids or len(ids) != len(types):
            raise ValueError("session_ids and session_types must be non-empty and of the same length")
        for sid in ids:
            segment(sid, "session_ids[]")
        self._http.json(
            "DELETE",
            ["sessions"],
            params=_params(user_id=user_id, db_id=db_id),
            json_body={"session_ids": ids, "session_types": types},
        )
