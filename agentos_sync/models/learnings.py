"""Learnings: the models of its answers."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._base import Model

__all__ = ["Learning", "LearningUser"]


class Learning(Model):
    """A learning record (agno's ``LearningResponse``): ``content`` is its payload."""

    learning_id: str
    learning_type: Optional[str] = None
    namespace: Optional[str] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    session_id: Optional[str] = None
    entity_id: Optional[str] = None
    entity_type: Optional[str] = None
    content: Optional[Dict[str, Any]] = None
    metadata: Optional[Dict[str, Any]] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None


class LearningUser(Model):
    """A user who owns learnings, with the time of the latest."""

    user_id: str
    last_learning_updated_at: Optional[int] = None
