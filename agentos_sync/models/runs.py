"""Runs: the models of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Union

from pydantic import ConfigDict, Field

from .._fields import OptionalBool, OptionalFloat, OptionalInt, OptionalStr
from ._base import Model

__all__ = [
    "RunAccepted",
    "RunCheckpoint",
    "RunCheckpoints",
    "RunMetrics",
    "RunOutput",
    "RunSnapshot",
    "RunStatus",
    "ToolExecution",
]


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


class RunMetrics(Model):
    """Token and timing metrics of a run (``RunCompleted.metrics``, ``RunOutput.metrics``)."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    input_tokens: OptionalInt = None
    output_tokens: OptionalInt = None
    total_tokens: OptionalInt = None
    duration: OptionalFloat = None
    time_to_first_token: OptionalFloat = None


class ToolExecution(Model):
    """A tool call as the server reports it; the object a paused run asks you to answer
    (confirm, give user input, or run externally) before ``continue_*_run``."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    tool_call_id: OptionalStr = None
    tool_name: OptionalStr = None
    tool_args: Optional[Dict[str, Any]] = None
    result: Optional[Any] = None
    tool_call_error: OptionalBool = None
    requires_confirmation: OptionalBool = None
    confirmed: OptionalBool = None
    confirmation_note: OptionalStr = None
    requires_user_input: OptionalBool = None
    user_input_schema: Optional[List[Dict[str, Any]]] = None
    external_execution_required: OptionalBool = None


class RunOutput(Model):
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
    metrics: Optional[RunMetrics] = None
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


class RunAccepted(Model):
    """``202``: a background run was queued. Poll it with ``get_*_run`` or ``wait_for_*_run``."""

    run_id: str
    session_id: Optional[str] = None
    status: Optional[str] = None


class RunCheckpoint(Model):
    """One boundary: ``message_index`` is what ``continue_from=`` takes; ``checkpoint_id`` is a
    1-based display ordinal; ``reason`` is ``checkpoint``, ``end`` or ``snapshot``."""

    message_index: int
    checkpoint_id: Optional[int] = None
    reason: Optional[str] = None
    status: Optional[str] = None
    message_role: Optional[str] = None
    message_preview: Optional[str] = None
    is_latest: Optional[bool] = None


class RunCheckpoints(Model):
    """A run's checkpoints (agno derives them from the stored transcript)."""

    run_id: str
    session_id: Optional[str] = None
    checkpoints: List[RunCheckpoint] = Field(default_factory=list)


class RunSnapshot(Model):
    """The run cut at one message boundary: its ``checkpoint`` and the stored run as it was
    there (``snapshot``: the run's JSON, ``messages`` up to that boundary)."""

    checkpoint: RunCheckpoint
    snapshot: Dict[str, Any]
