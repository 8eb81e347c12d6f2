"""The resource classes behind ``client.agents``, ``client.teams``, ``client.workflows`` and
``client.sessions``, for type annotations and for adding an area.

Each resource is a small class over the client's one shared request core
(`APIResource`); a new AgentOS area is one more subclass and one more attribute on
`AgentOSClient`.

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

from ._approvals import Approval, Approvals, ApprovalStatus
from ._components import Component, ComponentConfig, Components, RegistryEntry
from ._evals import Evals
from ._info import MCPInfo, ServerInfo, TraceFilterSchema
from ._knowledge import Knowledge
from ._knowledge_sources import KnowledgeSource, SourceFiles
from ._learnings import Learning, Learnings, LearningUser
from ._memories import Memories
from ._metrics import Databases, Metrics
from ._queue import Queue, QueueJob
from ._resource import APIResource, CallOptions
from ._run_checkpoints import RunCheckpoint, RunCheckpoints, RunSnapshot
from ._runs import ContinueFields, CreateFields, RunKind, Runs
from ._schedules import Schedule, ScheduleRun, Schedules, ScheduleState
from ._session_tools import Compaction, ForkedSession
from ._sessions import Sessions
from ._traces import Traces

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
