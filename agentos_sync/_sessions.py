"""``client.sessions``: the ``/sessions`` endpoints (JSON bodies, ``type`` query parameter).

The methods keep the parameters (names and order, ``table`` included) of agno 3.1.10's
``AgentOSClient`` session methods, which are their one-line aliases on
`AgentOSClient` (``create_session``, ``get_sessions``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Type

from ._http import M, segment, validate, validate_list
from ._paging import Query, check_page, load_page, query, text
from ._resource import APIResource, CallOptions
from ._session_tools import _SessionTools
from .api_models import SessionRunPreview
from .models import RunOutput, SessionRecord
from .pagination import SyncPage

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["SESSION_TYPES", "Sessions"]

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


def _runs_query(
    session_type: Optional[str],
    user_id: Optional[str],
    created_after: Optional[int],
    created_before: Optional[int],
    status: Optional[Sequence[str]],
    db_id: Optional[str],
    table: Optional[str],
) -> Query:
    """The filters of a session's run listings (runs and run previews read the same ones)."""
    params = query(
        type=_session_type(session_type),
        user_id=user_id,
        created_after=created_after,
        created_before=created_before,
        db_id=db_id,
        table=table,
    )
    if status:
        params["status"] = [text(s) for s in status]  # the server reads a repeated key
    return params


class Sessions(_SessionTools, APIResource):
    """Session operations: ``client.sessions``. Every method also takes ``timeout=`` and
    ``extra_headers=`` for that call.

    Example:
        ```python
        s = client.sessions.create(agent_id="assistant", session_name="Support chat")
        client.agents.run("assistant", "Hi", session_id=s.session_id)
        print([r.run_id for r in client.sessions.runs(s.session_id)])
        ```
    """

    name = "sessions"

    def create(
        self,
        session_type: str = "agent",
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        session_name: Optional[str] = None,
        session_state: Optional[Dict[str, Any]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        db_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SessionRecord:
        """Create a session (``session_type``: agent, team or workflow).

        Example:
            ```python
            s = client.sessions.create(agent_id="assistant", session_name="Support chat")
            ```
        """
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
            params=query(type=_session_type(session_type, required=True), db_id=db_id),
            json_body={k: v for k, v in body.items() if v is not None},
            idempotent=session_id is not None,
            **self._options(options, self.create),
        )
        return validate(SessionRecord, data, "AgentOS")

    def list(
        self,
        session_type: Optional[str] = None,
        component_id: Optional[str] = None,
        user_id: Optional[str] = None,
        session_name: Optional[str] = None,
        limit: int = 20,
        page: int = 1,
        sort_by: str = "created_at",
        sort_order: str = "desc",
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[SessionRecord]:
        """Sessions, filtered: one page (``.data``, ``.meta`` as agno's) that iterates every page lazily.

        Example:
            ```python
            page = client.sessions.list(session_type="agent", component_id="assistant", limit=50)
            print(len(page.data), page.meta.total_count)
            every_session = list(page)          # the next pages are fetched as the loop needs them
            ```
        """
        check_page(limit, page)
        if sort_order not in ("asc", "desc"):
            raise ValueError(f"sort_order must be 'asc' or 'desc', got {sort_order!r}")
        opts = self._options(options, self.list)

        def fetch(number: int) -> Any:
            data = self._http.json(
                "GET",
                ["sessions"],
                params=query(
                    type=_session_type(session_type),
                    component_id=component_id,
                    user_id=user_id,
                    session_name=session_name,
                    limit=limit,
                    page=number,
                    sort_by=sort_by,
                    sort_order=sort_order,
                    db_id=db_id,
                    table=table,
                ),
                **opts,
            )
            return {"data": data} if isinstance(data, list) else data

        return load_page(SessionRecord, "GET /sessions", fetch, page)

    def get(
        self,
        session_id: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SessionRecord:
        """One session with its state; ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.sessions.get(session_id).session_state)
            ```
        """
        data = self._http.json(
            "GET",
            ["sessions", segment(session_id, "session_id")],
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            **self._options(options, self.get),
        )
        return validate(SessionRecord, data, "AgentOS")

    def runs(
        self,
        session_id: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        created_after: Optional[int] = None,
        created_before: Optional[int] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        status: Optional[Sequence[str]] = None,
        **options: Unpack[CallOptions],
    ) -> List[RunOutput]:
        """The runs of a session (agent, team or workflow runs), optionally filtered.

        Example:
            ```python
            for run in client.sessions.runs(session_id, status=["COMPLETED"]):
                print(run.run_id, run.content)
            ```
        """
        params = _runs_query(session_type, user_id, created_after, created_before, status, db_id, table)
        return self._list_runs(session_id, "runs", RunOutput, params, self._options(options, self.runs))

    def run_previews(
        self,
        session_id: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        created_after: Optional[int] = None,
        created_before: Optional[int] = None,
        status: Optional[Sequence[str]] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> List[SessionRunPreview]:
        """The runs of a session, light: ids, status, time, truncated input and output (no
        messages, events or metrics), optionally filtered.

        Example:
            ```python
            for p in client.sessions.run_previews(session_id):
                print(p.run_id, p.status, p.run_input, "->", p.content_preview)
            ```
        """
        params = _runs_query(session_type, user_id, created_after, created_before, status, db_id, table)
        return self._list_runs(
            session_id, "run-previews", SessionRunPreview, params, self._options(options, self.run_previews)
        )

    def _list_runs(
        self, session_id: str, what: str, model: Type[M], params: Mapping[str, Any], options: Mapping[str, Any]
    ) -> List[M]:
        """``GET /sessions/{session_id}/{what}``: a list of ``model``."""
        data = self._http.json("GET", ["sessions", segment(session_id, "session_id"), what], params=params, **options)
        return validate_list(model, data, f"GET /sessions/{session_id}/{what}")

    def get_run(
        self,
        session_id: str,
        run_id: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> RunOutput:
        """One run of a session.

        Example:
            ```python
            run = client.sessions.get_run(session_id, run_id)
            ```
        """
        data = self._http.json(
            "GET",
            ["sessions", segment(session_id, "session_id"), "runs", segment(run_id, "run_id")],
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            **self._options(options, self.get_run),
        )
        return validate(RunOutput, data, "AgentOS")

    def rename(
        self,
        session_id: str,
        session_name: str,
        session_type: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SessionRecord:
        """Rename a session.

        Example:
            ```python
            client.sessions.rename(session_id, "Billing question")
            ```
        """
        if not isinstance(session_name, str) or not session_name:
            raise ValueError("session_name must be a non-empty str")
        data = self._http.json(
            "POST",
            ["sessions", segment(session_id, "session_id"), "rename"],
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            json_body={"session_name": session_name},
            idempotent=True,
            **self._options(options, self.rename),
        )
        return validate(SessionRecord, data, "AgentOS")

    def update(
        self,
        session_id: str,
        session_type: Optional[str] = None,
        session_name: Optional[str] = None,
        session_state: Optional[Dict[str, Any]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        summary: Optional[Dict[str, Any]] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SessionRecord:
        """Update a session's name, state, metadata or summary (at least one).

        Example:
            ```python
            client.sessions.update(session_id, session_state={"cart": ["book"]})
            ```
        """
        body = {"session_name": session_name, "session_state": session_state, "metadata": metadata, "summary": summary}
        body = {k: v for k, v in body.items() if v is not None}
        if not body:
            raise ValueError("update_session needs at least one of session_name, session_state, metadata, summary")
        data = self._http.json(
            "PATCH",
            ["sessions", segment(session_id, "session_id")],
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            json_body=body,
            idempotent=True,
            **self._options(options, self.update),
        )
        return validate(SessionRecord, data, "AgentOS")

    def delete(
        self,
        session_id: str,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Delete a session and its runs.

        Example:
            ```python
            client.sessions.delete(session_id)
            ```
        """
        self._http.json(
            "DELETE",
            ["sessions", segment(session_id, "session_id")],
            params=query(user_id=user_id, db_id=db_id, table=table),
            **self._options(options, self.delete),
        )

    def delete_many(
        self,
        session_ids: Sequence[str],
        session_types: Sequence[str],
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Delete several sessions; ``session_types`` gives each one's type, in the same order.

        Example:
            ```python
            client.sessions.delete_many([s1, s2], ["agent", "team"])
            ```
        """
        ids = list(session_ids)
        types = [_session_type(t, required=True) for t in session_types]
        if not ids or len(ids) != len(types):
            raise ValueError("session_ids and session_types must be non-empty and of the same length")
        for sid in ids:
            segment(sid, "session_ids[]")
        self._http.json(
            "DELETE",
            ["sessions"],
            params=query(user_id=user_id, db_id=db_id, table=table),
            json_body={"session_ids": ids, "session_types": types},
            **self._options(options, self.delete_many),
        )
