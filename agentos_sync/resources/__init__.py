"""The resource classes behind ``client.agents``, ``client.teams``, ``client.workflows``,
``client.sessions`` and every other AgentOS area, for type annotations and for adding an area.

One module per area (``resources/memories.py`` is ``client.memories``); each resource is a small
class over the client's one shared request core (`APIResource`, in ``resources/_base.py``). The
models they return are in `agentos_sync.models` (the names below that are models are the same
classes, kept here for code that imported them from here).

Example:
    ```python
    from agentos_sync import AgentOSClient
    from agentos_sync.resources import Runs
    from agentos_sync.models import AgentSummary

    def ask(agents: Runs[AgentSummary], question: str) -> str:
        return str(agents.run("assistant", question).content)

    ask(AgentOSClient().agents, "What is 2 + 2?")
    ```
"""

from ..models import (
    Approval,
    ApprovalStatus,
    Compaction,
    Component,
    ComponentConfig,
    ForkedSession,
    KnowledgeSource,
    Learning,
    LearningUser,
    MCPInfo,
    QueueJob,
    RegistryEntry,
    RunCheckpoint,
    RunCheckpoints,
    RunSnapshot,
    Schedule,
    ScheduleRun,
    ScheduleState,
    ServerInfo,
    SourceFiles,
    TraceFilterSchema,
)
from ._base import APIResource, CallOptions
from .approvals import Approvals
from .components import Components
from .databases import Databases
from .evals import Evals
from .knowledge import Knowledge
from .learnings import Learnings
from .memories import Memories
from .metrics import Metrics
from .queue import Queue
from .runs import ContinueFields, CreateFields, RunKind, Runs
from .schedules import Schedules
from .sessions import Sessions
from .traces import Traces

__all__ = [
    "APIResource",
    "Approval",
    "ApprovalStatus",
    "Approvals",
    "CallOptions",
    "Compaction",
    "Component",
    "ComponentConfig",
    "Components",
    "ContinueFields",
    "CreateFields",
    "Databases",
    "Evals",
    "ForkedSession",
    "Knowledge",
    "KnowledgeSource",
    "Learning",
    "LearningUser",
    "Learnings",
    "MCPInfo",
    "Memories",
    "Metrics",
    "Queue",
    "QueueJob",
    "RegistryEntry",
    "RunCheckpoint",
    "RunCheckpoints",
    "RunKind",
    "RunSnapshot",
    "Runs",
    "Schedule",
    "ScheduleRun",
    "ScheduleState",
    "Schedules",
    "ServerInfo",
    "Sessions",
    "SourceFiles",
    "TraceFilterSchema",
    "Traces",
]
