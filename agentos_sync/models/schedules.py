"""Schedules: the models of its answers."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._base import Model

__all__ = ["Schedule", "ScheduleRun", "ScheduleState"]


class Schedule(Model):
    """A stored schedule (agno's ``ScheduleResponse``); times are epoch seconds."""

    id: str
    name: Optional[str] = None
    description: Optional[str] = None
    method: Optional[str] = None
    endpoint: Optional[str] = None
    payload: Optional[Dict[str, Any]] = None
    cron_expr: Optional[str] = None
    timezone: Optional[str] = None
    timeout_seconds: Optional[int] = None
    max_retries: Optional[int] = None
    retry_delay_seconds: Optional[int] = None
    enabled: Optional[bool] = None
    next_run_at: Optional[int] = None
    user_id: Optional[str] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None


class ScheduleState(Model):
    """What enable/disable answer: the schedule's ``enabled`` and ``next_run_at``."""

    id: str
    name: Optional[str] = None
    enabled: bool
    next_run_at: Optional[int] = None
    updated_at: Optional[int] = None


class ScheduleRun(Model):
    """One firing of a schedule: ``status`` of the call, and the ``run_id``/``session_id`` it made."""

    id: str
    schedule_id: str
    attempt: Optional[int] = None
    triggered_at: Optional[int] = None
    completed_at: Optional[int] = None
    status: Optional[str] = None
    status_code: Optional[int] = None
    run_id: Optional[str] = None
    session_id: Optional[str] = None
    error: Optional[str] = None
