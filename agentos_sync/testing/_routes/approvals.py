"""Approvals of paused tool calls (``/approvals``).

An agent added with ``fake.require_approval(agent_id)`` behaves like one whose tool carries agno's
``@approval``: a run that pauses on it stores a pending approval (the state's run machinery does);
once the approval is resolved, ``/continue`` without tools applies the resolution (approved
confirms the call, rejected refuses it): `with_approval_resolution`."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict

from .._state import _State
from .._wire import _Call, _detail, _invalid, _json, _missing, _no_content, _Reply
from ._common import Route, body_json, found, limit_page, paged, query_filter

_STATUSES = ("pending", "approved", "rejected", "expired", "cancelled")
_FILTERS = ("status", "agent_id", "team_id", "workflow_id", "user_id", "run_id", "source_type")


def with_approval_resolution(state: _State, call: _Call, run_id: str) -> _Call:
    """A continue without tools of a run whose approval was resolved: agno applies the
    resolution to the paused tool calls (``check_and_apply_approval_resolution``)."""
    resolved = [
        a for a in state.approvals.values() if a["run_id"] == run_id and a["status"] in ("approved", "rejected")
    ]
    if not resolved or call.form.get("tools"):
        return call
    confirmed = resolved[-1]["status"] == "approved"
    run = state.runs.get(run_id)
    tools = [dict(t, confirmed=confirmed) for t in (run.paused_tools if run is not None else None) or []]
    form = dict(call.form, tools=json.dumps(tools))
    return _Call(call.method, call.path, call.query, replace(call.request, form=form))


def _approval(state: _State, approval_id: str) -> Dict[str, Any]:
    return found(state.approvals.get(approval_id), "Approval not found")


def _with_run_status(state: _State, approval: Dict[str, Any]) -> Dict[str, Any]:
    run = state.runs.get(approval["run_id"])
    return dict(approval, run_status=run.status if run is not None else None)


def list_approvals(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call, default_limit=100)
    status = call.q("status")
    if status is not None and status not in _STATUSES:
        raise _invalid(["query", "status"], "literal_error", "Input should be one of the approval statuses", status)
    wanted = query_filter(call, _FILTERS)
    newest_first = sorted(state.approvals.values(), key=lambda a: a["created_at"], reverse=True)
    return paged([_with_run_status(state, a) for a in newest_first if wanted(a)], paging)


def count_approvals(state: _State, call: _Call) -> _Reply:
    user_id = call.q("user_id")
    pending = [a for a in state.approvals.values() if a["status"] == "pending"]
    return _json(200, {"count": sum(1 for a in pending if user_id is None or a.get("user_id") == user_id)})


def get_approval(state: _State, call: _Call, approval_id: str) -> _Reply:
    return _json(200, _with_run_status(state, _approval(state, approval_id)))


def approval_status(state: _State, call: _Call, approval_id: str) -> _Reply:
    a = _approval(state, approval_id)
    return _json(
        200,
        {
            "approval_id": approval_id,
            "status": a["status"],
            "run_id": a["run_id"],
            "resolved_at": a.get("resolved_at"),
            "resolved_by": a.get("resolved_by"),
        },
    )


def resolve_approval(state: _State, call: _Call, approval_id: str) -> _Reply:
    body = body_json(call, required=True)
    status = body.get("status")
    if status is None:
        raise _missing(["body", "status"])
    if status not in ("approved", "rejected"):
        raise _invalid(
            ["body", "status"],
            "string_pattern_mismatch",
            "String should match pattern '^(approved|rejected)$'",
            status,
        )
    a = _approval(state, approval_id)
    if a["status"] != "pending":
        return _detail(409, f"Approval is already '{a['status']}' and cannot be resolved")
    now = state._now()
    a.update(status=status, resolved_by=body.get("resolved_by"), resolved_at=now, updated_at=now)
    if body.get("resolution_data") is not None:
        a["resolution_data"] = body["resolution_data"]
    return _json(200, _with_run_status(state, a))


def delete_approval(state: _State, call: _Call, approval_id: str) -> _Reply:
    if state.approvals.pop(approval_id, None) is None:
        return _detail(500, "Failed to delete approval")
    return _no_content()


ROUTES = (
    Route("GET", "/approvals", list_approvals),
    Route("GET", "/approvals/count", count_approvals),
    Route("GET", "/approvals/{approval_id}", get_approval),
    Route("DELETE", "/approvals/{approval_id}", delete_approval),
    Route("GET", "/approvals/{approval_id}/status", approval_status),
    Route("POST", "/approvals/{approval_id}/resolve", resolve_approval),
)
