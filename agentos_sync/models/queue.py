"""Queue: the models of its answers."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._base import Model

__all__ = ["QueueJob"]


class QueueJob(Model):
    """A queued run (its ``id`` is the run's run_id): ``status`` is queued, running, completed,
    failed, cancelled or paused; ``error`` the last attempt's."""

    id: str
    component_type: Optional[str] = None
    component_id: Optional[str] = None
    session_id: Optional[str] = None
    job_type: Optional[str] = None
    user_id: Optional[str] = None
    payload: Optional[Dict[str, Any]] = None
    status: Optional[str] = None
    attempt: Optional[int] = None
    max_attempts: Optional[int] = None
    idempotency_key: Optional[str] = None
    error: Optional[str] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None
    completed_at: Optional[int] = None
