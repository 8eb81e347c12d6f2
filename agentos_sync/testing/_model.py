"""The fake server's records: components (agents, teams, workflows) and runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "FakeRun",
    "FakeSession",
    "Reply",
    "Script",
]

Reply = Union[str, Callable[[str], str]]
"""A reply: fixed text, or a function of the run's message."""

Script = Callable[[str], Sequence[Mapping[str, Any]]]
"""A custom event script: a function of the message returning event dicts (each with ``"event"``);
the fake fills in the run's identity fields and the ``event_index``."""


@dataclass
class _Component:
    kind: str  # "agent" | "team" | "workflow"
    id: str
    name: str
    description: Optional[str]
    db: bool
    store_events: bool
    polls_until_done: int
    index_step: int
    reply: Optional[Reply]


@dataclass
class _AgentSpec(_Component):
    confirm_tool: Optional[str] = None
    tool_args: Dict[str, Any] = field(default_factory=dict)
    tool_result: str = "done"
    error: Optional[str] = None
    error_after: int = 0
    error_type: Optional[str] = None
    script: Optional[Script] = None


@dataclass
class _TeamSpec(_Component):
    members: List[str] = field(default_factory=list)
    mode: str = "coordinate"


@dataclass
class _WorkflowSpec(_Component):
    steps: List[Tuple[str, str]] = field(default_factory=list)


@dataclass(eq=False)
class FakeRun:
    """One run as the fake server holds it: its identity, status and the events produced so far.

    ``events`` are the events the run has produced, each with its ``event_index`` (foreground
    streams strip it on the wire, as AgentOS does). ``status`` is the stored status
    (``PENDING``, ``RUNNING``, ``COMPLETED``, ``ERROR``, ``CANCELLED``, ``PAUSED``).

    Example:
        ```python
        run = fake.runs[run_id]
        assert run.status == "RUNNING" and len(run.events) == 3
        assert run.kind == "agent" and run.agent_id == "assistant"
        ```
    """

    run_id: str
    session_id: str
    kind: str
    component_id: str
    component_name: str
    message: str
    user_id: Optional[str]
    stream: bool
    background: bool
    created_at: int
    status: str = "PENDING"
    events: List[Dict[str, Any]] = field(default_factory=list)
    #: Text produced so far (the final content once the run completed).
    content: Optional[str] = None
    #: The ``Idempotency-Key`` header the run was created with, if any.
    idempotency_key: Optional[str] = None
    #: Extra run fields from the create form (``session_state``, ``metadata``, ...), JSON-decoded.
    extra: Dict[str, Any] = field(default_factory=dict)
    #: Number of ``GET .../runs/{run_id}`` polls served for this run.
    polls: int = 0
    #: Tool executions of a paused run (HITL), as sent in its RunPaused event.
    paused_tools: Optional[List[Dict[str, Any]]] = None
    # The events the run will produce (``events`` is a prefix of it, index-stamped).
    plan: List[Dict[str, Any]] = field(default_factory=list, repr=False)
    # In the server's event buffer (background streams, until a restart).
    buffered: bool = field(default=False, repr=False)
    # Still executing in this server process (False after a restart).
    live: bool = field(default=True, repr=False)
    next_index: int = field(default=0, repr=False)
    step_results: List[Dict[str, Any]] = field(default_factory=list, repr=False)
    step_executor_runs: List[Dict[str, Any]] = field(default_factory=list, repr=False)
    metrics: Optional[Dict[str, Any]] = field(default=None, repr=False)

    @property
    def agent_id(self) -> Optional[str]:
        """The agent's id for an agent run, else None."""
        return self.component_id if self.kind == "agent" else None

    @property
    def team_id(self) -> Optional[str]:
        """The team's id for a team run, else None."""
        return self.component_id if self.kind == "team" else None

    @property
    def workflow_id(self) -> Optional[str]:
        """The workflow's id for a workflow run, else None."""
        return self.component_id if self.kind == "workflow" else None

    @property
    def pending_events(self) -> int:
        """How many planned events the run has not produced yet."""
        return len(self.plan) - len(self.events)

    @property
    def active(self) -> bool:
        """True while the run would still produce events (it is live and has some left)."""
        return self.live and self.pending_events > 0

    @property
    def event_types(self) -> List[str]:
        """The ``event`` names of the produced events, in order (handy in assertions)."""
        return [str(e.get("event")) for e in self.events]


@dataclass(eq=False)
class FakeSession:
    """One stored session: created by the first run that names (or is given) its id, or by
    ``POST /sessions``. ``run_ids`` lists its top-level runs in creation order.

    Example:
        ```python
        session = fake.sessions[session_id]
        assert session.session_type == "agent" and len(session.run_ids) == 2
        ```
    """

    session_id: str
    session_type: str  # "agent" | "team" | "workflow"
    component_id: Optional[str]
    user_id: Optional[str]
    created_at: int
    updated_at: int
    session_name: Optional[str] = None
    session_state: Optional[Dict[str, Any]] = None
    metadata: Optional[Dict[str, Any]] = None
    summary: Optional[Dict[str, Any]] = None
    run_ids: List[str] = field(default_factory=list)
    seq: int = field(default=0, repr=False)
