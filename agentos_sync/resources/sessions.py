"""``client.sessions``: the ``/sessions`` endpoints (JSON bodies, ``type`` query parameter).

The methods keep the parameters (names and order, ``table`` included) of agno 3.1.10's
``AgentOSClient`` session methods, which are their one-line aliases on
`AgentOSClient` (``create_session``, ``get_sessions``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Type

from .._http import M, segment, validate_list
from ..models import Compaction, ForkedSession, RunOutput, SessionRecord, SessionRunPreview
from ..pagination import SyncPage, check_page, load_page
from ._base import APIResource, CallOptions, Query, non_empty, query, text

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Sessions"]

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


class Sessions(APIResource):
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
        return self._post(
            ["sessions"],
            cast_to=SessionRecord,
            params=query(type=_session_type(session_type, required=True), db_id=db_id),
            json_body={k: v for k, v in body.items() if v is not None},
            idempotent=session_id is not None,
            options=options,
        )

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
        opts = self._options(options)

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
        return self._get(
            ["sessions", segment(session_id, "session_id")],
            cast_to=SessionRecord,
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            options=options,
        )

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
        return self._list_runs(session_id, "runs", RunOutput, params, self._options(options))

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
        return self._list_runs(session_id, "run-previews", SessionRunPreview, params, self._options(options))

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
        return self._get(
            ["sessions", segment(session_id, "session_id"), "runs", segment(run_id, "run_id")],
            cast_to=RunOutput,
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            options=options,
        )

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
        non_empty(session_name, "session_name")
        return self._post(
            ["sessions", segment(session_id, "session_id"), "rename"],
            cast_to=SessionRecord,
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            json_body={"session_name": session_name},
            idempotent=True,
            options=options,
        )

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
        return self._patch(
            ["sessions", segment(session_id, "session_id")],
            cast_to=SessionRecord,
            params=query(type=_session_type(session_type), user_id=user_id, db_id=db_id, table=table),
            json_body=body,
            idempotent=True,
            options=options,
        )

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
        self._delete(
            ["sessions", segment(session_id, "session_id")],
            params=query(user_id=user_id, db_id=db_id, table=table),
            options=options,
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
        self._delete(
            ["sessions"],
            params=query(user_id=user_id, db_id=db_id, table=table),
            json_body={"session_ids": ids, "session_types": types},
            options=options,
        )

    @staticmethod
    def _owner(agent_id: Optional[str], team_id: Optional[str]) -> List[str]:
        if (agent_id is None) == (team_id is None):
            raise TypeError("pass exactly one of agent_id= or team_id= (the session's owner)")
        if agent_id is not None:
            return ["agents", segment(agent_id, "agent_id")]
        return ["teams", segment(team_id, "team_id")]

    def fork(
        self,
        session_id: str,
        *,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> ForkedSession:
        """Deep-copy a session into a new one (the original is untouched); name its agent or team.

        Example:
            ```python
            fork = client.sessions.fork(out.session_id, agent_id="assistant")
            client.agents.run("assistant", "Try another way", session_id=fork.session_id)
            ```
        """
        return self._post(
            [*self._owner(agent_id, team_id), "sessions", segment(session_id, "session_id"), "fork"],
            cast_to=ForkedSession,
            params=query(user_id=user_id),
            options=options,
        )

    def compact(
        self,
        session_id: str,
        agent_id: str,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Compaction:
        """Fold an agent session's older history into a summary now. A compaction that declines
        is an answer, not an error: check ``compacted`` and show ``message``.

        Example:
            ```python
            result = client.sessions.compact(out.session_id, agent_id="assistant")
            print(result.compacted, result.message)
            ```
        """
        return self._post(
            ["agents", segment(agent_id, "agent_id"), "sessions", segment(session_id, "session_id"), "compact"],
            cast_to=Compaction,
            params=query(user_id=user_id),
            idempotent=True,
            options=options,
        )

    def media(
        self,
        session_id: str,
        storage_key: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> bytes:
        """The bytes of a media the server offloaded to its media storage (``storage_key`` as the
        session's run stores it). ``InternalServerError`` (503) when the server has no media storage,
        ``NotFoundError`` when the key is not this session's.

        Example:
            ```python
            png = client.sessions.media(session_id, "images/abc.png")
            ```
        """
        if not isinstance(storage_key, str) or not storage_key.strip("/"):
            raise ValueError(f"storage_key must be a non-empty str, got {storage_key!r}")
        # the route takes the key as a path with its slashes: each part is one quoted segment
        parts = [segment(p, "storage_key") for p in storage_key.split("/")]
        response = self._http.send(
            "GET",
            ["sessions", segment(session_id, "session_id"), "media", *parts],
            params=query(type=session_type, user_id=user_id, db_id=db_id, table=table),
            **self._options(options),
        )
        try:
            return response.read()
        finally:
            response.close()
