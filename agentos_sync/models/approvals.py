"""Approvals: the models of its answers."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ._base import Model

__all__ = ["Approval", "ApprovalStatus"]


class Approval(Model):
    """A stored approval (agno's ``ApprovalResponse``): ``status`` is ``pending``, ``approved``,
    ``rejected``, ``expired`` or ``cancelled``; ``requirements`` the paused tool calls."""

    id: str
    run_id: Optional[str] = None
    session_id: Optional[str] = None
    status: Optional[str] = None
    source_type: Optional[str] = None
    approval_type: Optional[str] = None
    pause_type: Optional[str] = None
    tool_name: Optional[str] = None
    tool_args: Optional[Dict[str, Any]] = None
    expires_at: Optional[int] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    user_id: Optional[str] = None
    schedule_id: Optional[str] = None
    source_name: Optional[str] = None
    requirements: Optional[List[Dict[str, Any]]] = None
    context: Optional[Dict[str, Any]] = None
    resolution_data: Optional[Dict[str, Any]] = None
    resolved_by: Optional[str] = None
    resolved_at: Optional[int] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None
    run_status: Optional[str] = None


class ApprovalStatus(Model):
    """``GET /approvals/{id}/status``: the approval's ``status`` and who resolved it, when."""

    approval_id: str
    status: str
    run_id: Optional[str] = None
    resolved_at: Optional[int] = None
    resolved_by: Optional[str] = None
