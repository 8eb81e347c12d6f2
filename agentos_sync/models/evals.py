"""Evals: the models of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Optional

from ._base import Model

__all__ = ["EvalRun"]


class EvalRun(Model):
    """A stored eval run (agno's ``EvalSchema``); ``eval_data`` holds the type's results."""

    id: Optional[str] = None
    agent_id: Optional[str] = None
    model_id: Optional[str] = None
    model_provider: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    name: Optional[str] = None
    evaluated_component_name: Optional[str] = None
    user_id: Optional[str] = None
    eval_type: Optional[str] = None
    eval_data: Optional[Dict[str, Any]] = None
    eval_input: Optional[Dict[str, Any]] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None
