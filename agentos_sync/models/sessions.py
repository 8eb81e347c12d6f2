"""Sessions: the models of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from ._base import Model

__all__ = ["Compaction", "ForkedSession", "SessionRecord", "SessionRunPreview", "SessionsPage"]


class SessionRecord(Model):
    """A session as the sessions endpoints describe it."""

    session_id: Optional[str] = None
    session_name: Optional[str] = None
    session_type: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    user_id: Optional[str] = None
    session_state: Optional[Dict[str, Any]] = None
    created_at: Optional[Any] = None
    updated_at: Optional[Any] = None


class SessionsPage(Model):
    """One page of ``get_sessions``: ``data`` plus the server's pagination ``meta``."""

    data: List[SessionRecord] = []
    meta: Optional[Dict[str, Any]] = None


class SessionRunPreview(Model):
    """A run of a session, without messages, events or metrics (agno's ``SessionRunPreviewSchema``)."""

    run_id: Optional[str] = None
    parent_run_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    user_id: Optional[str] = None
    status: Optional[str] = None
    run_input: Optional[str] = None
    content_preview: Optional[str] = None
    created_at: Optional[datetime] = None


class ForkedSession(Model):
    """A fork: the new ``session_id`` (every run copied with a fresh run_id) and its source."""

    session_id: str
    forked_from_session_id: Optional[str] = None


class Compaction(Model):
    """What a compaction did: ``compacted`` True with its ``record`` (token counts), or False with a
    ``status`` saying why not (``not_enabled``, ``nothing_to_fold``, ``no_history``, ...) and a
    ``message`` to show the user."""

    status: str
    compacted: bool = False
    message: Optional[str] = None
    record: Optional[Any] = None
