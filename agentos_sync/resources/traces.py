"""``client.traces``: the ``/traces``, ``/traces/search`` and ``/trace_session_stats`` endpoints.
Parameters (names and order) are those of agno's ``AgentOSClient`` trace methods, which are their
one-line aliases on the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from .._http import segment, validate
from ..models import TraceDetail, TraceFilterSchema, TraceNode, TraceSessionStats, TraceSummary
from ..pagination import SyncPage, check_page, load_page
from ._base import APIResource, CallOptions, query, text

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Traces"]


class Traces(APIResource):
    """Execution traces: ``client.traces``. Every method also takes ``timeout=`` and ``extra_headers=``.

    Example:
        ```python
        for trace in client.traces.list(session_id=session_id):
            detail = client.traces.get(trace.trace_id)
            print(detail.name, [span.name for span in detail.tree])
        ```
    """

    name = "traces"

    def list(
        self,
        run_id: Optional[str] = None,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        status: Optional[str] = None,
        start_time: Optional[str] = None,
        end_time: Optional[str] = None,
        page: int = 1,
        limit: int = 20,
        db_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[TraceSummary]:
        """Traces, filtered (``status``: OK or ERROR; times ISO 8601): a page that iterates every page.

        Example:
            ```python
            page = client.traces.list(agent_id="assistant", limit=10)
            print(page.total, [t.trace_id for t in page.data])
            ```
        """

        return self._page(
            "GET",
            ["traces"],
            cast_to=TraceSummary,
            page=page,
            limit=limit,
            params=query(
                run_id=run_id,
                session_id=session_id,
                user_id=user_id,
                agent_id=agent_id,
                team_id=team_id,
                workflow_id=workflow_id,
                status=status,
                start_time=start_time,
                end_time=end_time,
                limit=limit,
                db_id=db_id,
            ),
            options=options,
        )

    def get(
        self,
        trace_id: str,
        span_id: Optional[str] = None,
        run_id: Optional[str] = None,
        db_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Union[TraceDetail, TraceNode]:
        """A trace with its span tree, or (``span_id=``) one of its spans; ``NotFoundError`` when unknown.

        Example:
            ```python
            detail = client.traces.get(trace_id)
            span = client.traces.get(trace_id, span_id=detail.tree[0].id)
            ```
        """
        data = self._get(
            ["traces", segment(trace_id, "trace_id")],
            params=query(span_id=span_id, run_id=run_id, db_id=db_id),
            options=options,
        )
        if span_id:
            return validate(TraceNode, data, "AgentOS")
        return validate(TraceDetail, data, "AgentOS")

    def session_stats(
        self,
        user_id: Optional[str] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        start_time: Optional[str] = None,
        end_time: Optional[str] = None,
        page: int = 1,
        limit: int = 20,
        db_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[TraceSessionStats]:
        """Traces counted per session: a page that iterates every page.

        Example:
            ```python
            for stats in client.traces.session_stats(agent_id="assistant"):
                print(stats.session_id, stats.total_traces)
            ```
        """

        return self._page(
            "GET",
            ["trace_session_stats"],
            cast_to=TraceSessionStats,
            page=page,
            limit=limit,
            params=query(
                user_id=user_id,
                agent_id=agent_id,
                team_id=team_id,
                workflow_id=workflow_id,
                start_time=start_time,
                end_time=end_time,
                limit=limit,
                db_id=db_id,
            ),
            options=options,
        )

    def search(
        self,
        filter_expr: Optional[Dict[str, Any]] = None,
        group_by: Any = "run",
        page: int = 1,
        limit: int = 20,
        db_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Union[SyncPage[TraceDetail], SyncPage[TraceSessionStats]]:
        """Search with agno's FilterExpr DSL (``{"op": "EQ", "key": "status", "value": "OK"}``;
        AND, OR, NOT, IN, CONTAINS, ...). ``group_by="run"`` gives traces, ``"session"`` per-session stats.

        Example:
            ```python
            page = client.traces.search({"op": "EQ", "key": "agent_id", "value": "assistant"})
            ```
        """
        check_page(limit, page)
        grouping = text(group_by).lower()
        if grouping not in ("run", "session"):
            raise ValueError(f"group_by must be 'run' or 'session', got {group_by!r}")
        opts = self._options(options)

        def fetch(number: int) -> Any:
            body = {"filter": filter_expr, "group_by": grouping, "page": number, "limit": limit}
            return self._http.json(
                "POST", ["traces", "search"], params=query(db_id=db_id), json_body=body, idempotent=True, **opts
            )

        if grouping == "session":
            return load_page(TraceSessionStats, "POST /traces/search", fetch, page)
        return load_page(TraceDetail, "POST /traces/search", fetch, page)

    def filter_schema(self, **options: Unpack[CallOptions]) -> TraceFilterSchema:
        """The fields `search` filters on, their operators and enum values (what a filter
        bar offers).

        Example:
            ```python
            schema = client.traces.filter_schema()
            print([(f["key"], f["operators"]) for f in schema.fields])
            ```
        """
        return self._get(["traces", "filter-schema"], cast_to=TraceFilterSchema, options=options)
