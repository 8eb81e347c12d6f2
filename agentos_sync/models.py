"""Response models: plain pydantic data, no I/O. The client turns JSON into them at one boundary.

Every model keeps the fields it does not declare (``model_extra``), so nothing the server sends is
lost when agno adds a field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Union

from pydantic import BaseModel, ConfigDict

from .events import Metrics, ToolExecution

__all__ = [
    "AgentSummary",
    "ConfigResponse",
    "Metrics",
    "ModelInfo",
    "RunAccepted",
    "RunOutput",
    "RunStatus",
    "SessionRecord",
    "SessionsPage",
    "TeamSummary",
    "ToolExecution",
    "WorkflowSummary",
]


class _Model(BaseModel):
    # defer_build: validators are built on first use, keeping `import agentos_sync` cheap.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class RunStatus:
    """The run statuses AgentOS reports (``RunOutput.status``)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"
    PAUSED = "PAUSED"

    #: Statuses after which a run changes no more (PAUSED waits for ``continue_*_run``).
    TERMINAL = frozenset({COMPLETED, ERROR, CANCELLED, PAUSED})


class ModelInfo(_Model):
    """The model an agent or team uses."""

    name: Optional[str] = None
    model: Optional[str] = None
    provider: Optional[str] = None


class AgentSummary(_Model):
    """An agent as ``/config``, ``/agents`` and ``/agents/{id}`` describe it."""

    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    db_id: Optional[str] = None
    model: Optional[ModelInfo] = None


class TeamSummary(_Model):
    """A team as ``/teams`` describes it."""

    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    db_id: Optional[str] = None
    model: Optional[ModelInfo] = None
    members: Optional[List[Dict[str, Any]]] = None


class WorkflowSummary(_Model):
    """A workflow as ``/workflows`` describes it."""

    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    db_id: Optional[str] = None


class ConfigResponse(_Model):
    """``GET /config``: what this AgentOS serves."""

    os_id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    agents: List[AgentSummary] = []
    teams: List[TeamSummary] = []
    workflows: List[WorkflowSummary] = []
    databases: List[Any] = []


class RunOutput(_Model):
    """A run's result: what a non-streaming run returns, what ``get_*_run`` polls, what
    ``stream.get_final_output()`` assembles from the terminal event.

    Example:
        ```python
        out = client.agents.run("assistant", "What is 2 + 2?")
        print(out.run_id, out.content, out.metrics.total_tokens if out.metrics else None)
        ```
    """

    run_id: Optional[str] = None
    session_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    user_id: Optional[str] = None
    content: Any = None
    content_type: Optional[str] = None
    status: Optional[str] = None
    metrics: Optional[Metrics] = None
    #: Epoch seconds (run endpoints) or a datetime (session endpoints give ISO 8601 text).
    created_at: Optional[Union[int, float, datetime]] = None
    model: Optional[str] = None
    tools: Optional[List[ToolExecution]] = None
    events: Optional[List[Dict[str, Any]]] = None

    @property
    def created_timestamp(self) -> Optional[float]:
        """``created_at`` as epoch seconds, whichever form the server sent."""
        value = self.created_at
        if isinstance(value, datetime):
            return value.timestamp()
        return float(value) if value is not None else None

    @property
    def is_terminal(self) -> bool:
        """True once the run will change no more (completed, failed, cancelled or paused)."""
        return (self.status or "").upper() in RunStatus.TERMINAL

    @property
    def is_paused(self) -> bool:
        """True when the run waits for answered tools (``continue_*_run``)."""
        return (self.status or "").upper() == RunStatus.PAUSED


class RunAccepted(_Model):
    """``202``: a background run was queued. Poll it with ``get_*_run`` or ``wait_for_*_run``."""

    run_id: str
    session_id: Optional[str] = None
    status: Optional[str] = None


class SessionRecord(_Model):
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


class SessionsPage(_Model):
    """One page of ``get_sessions``: ``data`` plus the server's pagination ``meta``."""

    data: List[SessionRecord] = []
    meta: Optional[Dict[str, Any]] = None
