"""Traces: the models of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from ._base import Model

__all__ = ["TraceDetail", "TraceNode", "TraceSessionStats", "TraceSummary"]


class TraceNode(Model):
    """One span of a trace, with its child spans (agno's ``TraceNode``)."""

    id: Optional[str] = None
    name: Optional[str] = None
    type: Optional[str] = None
    duration: Optional[str] = None
    start_time: Optional[datetime] = None
    end_time: Optional[datetime] = None
    status: Optional[str] = None
    input: Optional[str] = None
    output: Optional[str] = None
    error: Optional[str] = None
    spans: Optional[List[TraceNode]] = None
    step_type: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    extra_data: Optional[Dict[str, Any]] = None


class TraceSummary(Model):
    """A trace in a list (agno's ``TraceSummary``)."""

    trace_id: Optional[str] = None
    name: Optional[str] = None
    status: Optional[str] = None
    duration: Optional[str] = None
    start_time: Optional[datetime] = None
    end_time: Optional[datetime] = None
    total_spans: Optional[int] = None
    error_count: Optional[int] = None
    input: Optional[str] = None
    run_id: Optional[str] = None
    session_id: Optional[str] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    created_at: Optional[datetime] = None


class TraceDetail(TraceSummary):
    """A trace with its output, error and span tree (agno's ``TraceDetail``)."""

    output: Optional[str] = None
    error: Optional[str] = None
    tree: List[TraceNode] = []


class TraceSessionStats(Model):
    """Traces of one session, counted (agno's ``TraceSessionStats``)."""

    session_id: Optional[str] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    total_traces: Optional[int] = None
    first_trace_at: Optional[datetime] = None
    last_trace_at: Optional[datetime] = None
