"""Metrics: the models of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from ._base import Model

__all__ = ["DayMetrics", "MetricsRefresh", "MetricsRefreshStatus", "MetricsReport", "MigrationResult"]


class DayMetrics(Model):
    """One day's aggregated metrics (agno's ``DayAggregatedMetrics``)."""

    id: Optional[str] = None
    agent_runs_count: Optional[int] = None
    agent_sessions_count: Optional[int] = None
    team_runs_count: Optional[int] = None
    team_sessions_count: Optional[int] = None
    workflow_runs_count: Optional[int] = None
    workflow_sessions_count: Optional[int] = None
    users_count: Optional[int] = None
    token_metrics: Optional[Dict[str, Any]] = None
    model_metrics: Optional[List[Dict[str, Any]]] = None
    date: Optional[datetime] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None


class MetricsReport(Model):
    """``GET /metrics`` (agno's ``MetricsResponse``): the days' metrics and when they were computed."""

    metrics: List[DayMetrics] = []
    updated_at: Optional[datetime] = None


class MetricsRefresh(Model):
    """A background metrics refresh was accepted (agno's ``MetricsRefreshResponse``)."""

    status: Optional[str] = None
    message: Optional[str] = None


class MetricsRefreshStatus(Model):
    """The last metrics refresh: ``idle``, ``running``, ``completed`` or ``failed`` (agno's
    ``MetricsRefreshStatusResponse``)."""

    status: Optional[str] = None
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    error: Optional[str] = None


class MigrationResult(Model):
    """``POST /databases/{db_id}/migrate``: the server's message."""

    message: Optional[str] = None
