"""Agents: the models of its answers."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ._base import Model

__all__ = ["AgentSummary", "ConfigResponse", "ModelInfo", "TeamSummary", "WorkflowSummary"]


class ModelInfo(Model):
    """The model an agent or team uses."""

    name: Optional[str] = None
    model: Optional[str] = None
    provider: Optional[str] = None


class AgentSummary(Model):
    """An agent as ``/config``, ``/agents`` and ``/agents/{id}`` describe it."""

    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    db_id: Optional[str] = None
    model: Optional[ModelInfo] = None


class TeamSummary(Model):
    """A team as ``/teams`` describes it."""

    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    db_id: Optional[str] = None
    model: Optional[ModelInfo] = None
    members: Optional[List[Dict[str, Any]]] = None


class WorkflowSummary(Model):
    """A workflow as ``/workflows`` describes it."""

    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    db_id: Optional[str] = None


class ConfigResponse(Model):
    """``GET /config``: what this AgentOS serves."""

    os_id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    agents: List[AgentSummary] = []
    teams: List[TeamSummary] = []
    workflows: List[WorkflowSummary] = []
    databases: List[Any] = []
