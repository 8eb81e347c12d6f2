"""Traces (``/traces``, ``/trace_session_stats``): one trace per finished run, derived from the
stored runs as a real AgentOS derives them from its database; search reads agno's FilterExpr DSL."""

from __future__ import annotations

import uuid
from typing import Any, Callable, Dict, Iterable, List

from .._events import iso
from .._model import FakeRun
from .._state import _State
from .._wire import _Call, _detail, _Invalid, _invalid, _json, _Reply
from ._common import Route, body_json, found, limit_page, page, paged, query_filter

_FILTERS = ("run_id", "session_id", "user_id", "agent_id", "team_id", "workflow_id", "status")

#: agno 3.1.10's ``TRACE_FILTER_SCHEMA`` (a client builds its filter bar from it), abridged to
#: the fields the fake's trace search reads.
_FILTER_SCHEMA = {
    "fields": [
        {
            "key": "status",
            "label": "Status",
            "type": "enum",
            "operators": ["EQ", "NEQ", "IN"],
            "values": ["OK", "ERROR"],
        },
        *(
            {"key": key, "label": label, "type": "string", "operators": ["EQ", "NEQ", "CONTAINS", "STARTSWITH", "IN"]}
            for key, label in (
                ("user_id", "User ID"),
                ("agent_id", "Agent ID"),
                ("team_id", "Team ID"),
                ("workflow_id", "Workflow ID"),
                ("session_id", "Session ID"),
                ("run_id", "Run ID"),
            )
        ),
    ],
    "logical_operators": ["AND", "OR"],
}


def _matches(expr: Any, item: Dict[str, Any]) -> bool:
    """agno's FilterExpr DSL over a trace's fields: EQ NEQ GT GTE LT LTE IN CONTAINS STARTSWITH AND OR NOT."""
    if not isinstance(expr, dict):
        return True
    op = str(expr.get("op", "")).upper()
    if op in ("AND", "OR"):
        parts = [_matches(c, item) for c in expr.get("conditions") or []]
        return all(parts) if op == "AND" else any(parts)
    if op == "NOT":
        return not _matches(expr.get("condition"), item)
    value, wanted = item.get(str(expr.get("key"))), expr.get("value")
    comparisons: Dict[str, Callable[[], bool]] = {
        "EQ": lambda: value == wanted,
        "NEQ": lambda: value != wanted,
        "GT": lambda: value is not None and value > wanted,
        "GTE": lambda: value is not None and value >= wanted,
        "LT": lambda: value is not None and value < wanted,
        "LTE": lambda: value is not None and value <= wanted,
        "IN": lambda: value in (expr.get("values") or wanted or []),
        "CONTAINS": lambda: value is not None and str(wanted).lower() in str(value).lower(),
        "STARTSWITH": lambda: value is not None and str(value).startswith(str(wanted)),
    }
    check = comparisons.get(op)
    if check is None:
        raise _Invalid(_detail(400, f"Unsupported operator: {op}"))
    try:
        return check()
    except TypeError:
        return False


def _traced_runs(state: _State) -> Iterable[FakeRun]:
    return (r for r in state.runs.values() if not r.active and r.status != "PENDING")


def _trace_id(run: FakeRun) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"agentos-fake:trace:{run.run_id}").hex


def _summary(run: FakeRun) -> Dict[str, Any]:
    status = "ERROR" if run.status == "ERROR" else "OK"
    return {
        "trace_id": _trace_id(run),
        "name": f"{run.component_name.replace(' ', '')}.run",
        "status": status,
        "duration": "10ms",
        "start_time": iso(run.created_at),
        "end_time": iso(run.created_at),
        "total_spans": 2,
        "error_count": 1 if status == "ERROR" else 0,
        "input": run.message,
        "run_id": run.run_id,
        "session_id": run.session_id,
        "user_id": run.user_id,
        "agent_id": run.agent_id,
        "team_id": run.team_id,
        "workflow_id": run.workflow_id,
        "created_at": iso(run.created_at),
    }


def _detail_of(run: FakeRun) -> Dict[str, Any]:
    summary = _summary(run)
    tid = summary["trace_id"]
    llm = {
        "id": tid[:16][::-1],
        "name": "FakeModel.invoke",
        "type": "LLM",
        "duration": "5ms",
        "start_time": summary["start_time"],
        "end_time": summary["end_time"],
        "status": summary["status"],
        "input": run.message,
        "output": run.content,
        "error": None,
        "spans": None,
        "step_type": None,
        "metadata": None,
        "extra_data": None,
    }
    root = dict(llm, id=tid[:16], name=summary["name"], type=run.kind.upper(), duration="10ms", spans=[llm])
    return dict(summary, output=run.content, error=None if summary["status"] == "OK" else "run failed", tree=[root])


def _newest_first(runs: Iterable[FakeRun]) -> List[FakeRun]:
    return sorted(runs, key=lambda r: r.created_at, reverse=True)


def _filtered(state: _State, call: _Call) -> List[FakeRun]:
    wanted = query_filter(call, _FILTERS)
    return _newest_first(r for r in _traced_runs(state) if wanted(_summary(r)))


def _session_stats(runs: List[FakeRun]) -> List[Dict[str, Any]]:
    groups: Dict[str, List[FakeRun]] = {}
    for run in runs:
        groups.setdefault(run.session_id, []).append(run)
    stats = [
        {
            "session_id": session_id,
            "user_id": rs[0].user_id,
            "agent_id": rs[0].agent_id,
            "team_id": rs[0].team_id,
            "workflow_id": rs[0].workflow_id,
            "total_traces": len(rs),
            "first_trace_at": iso(min(r.created_at for r in rs)),
            "last_trace_at": iso(max(r.created_at for r in rs)),
        }
        for session_id, rs in groups.items()
    ]
    stats.sort(key=lambda s: str(s["last_trace_at"]), reverse=True)
    return stats


def list_traces(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    return paged([_summary(r) for r in _filtered(state, call)], paging)


def get_trace(state: _State, call: _Call, trace_id: str) -> _Reply:
    run = found(next((r for r in _traced_runs(state) if _trace_id(r) == trace_id), None), "Trace not found")
    detail = _detail_of(run)
    span_id = call.q("span_id")
    if span_id is None:
        return _json(200, detail)
    stack = list(detail["tree"])
    while stack:
        node = stack.pop()
        if node["id"] == span_id:
            return _json(200, node)
        stack.extend(node.get("spans") or [])
    return _detail(404, "Span not found")


def trace_session_stats(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    return paged(_session_stats(_filtered(state, call)), paging)


def search_traces(state: _State, call: _Call) -> _Reply:
    body = body_json(call, required=False)
    group_by = body.get("group_by") or "run"
    if group_by not in ("run", "session"):
        raise _invalid(["body", "group_by"], "enum", "Input should be 'run' or 'session'", group_by)
    limit, number = int(body.get("limit") or 20), int(body.get("page") or 1)
    runs = _newest_first(r for r in _traced_runs(state) if _matches(body.get("filter"), _summary(r)))
    rows = _session_stats(runs) if group_by == "session" else [_detail_of(r) for r in runs]
    return _json(200, page(rows, limit, number))


def filter_schema(state: _State, call: _Call) -> _Reply:
    return _json(200, _FILTER_SCHEMA)


ROUTES = (
    Route("GET", "/traces", list_traces),
    Route("POST", "/traces/search", search_traces),
    Route("GET", "/traces/filter-schema", filter_schema),
    Route("GET", "/traces/{trace_id}", get_trace),
    Route("GET", "/trace_session_stats", trace_session_stats),
)
