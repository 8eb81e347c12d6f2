"""Response models: plain pydantic data, no I/O, one module per AgentOS area. The client turns JSON
into them at one boundary (``_http.validate``).

Every model derives from one base (`agentos_sync.models._base.Model`): it keeps the fields it does
not declare (``model_extra``), so nothing the server sends is lost when agno adds a field, and
every field the server might leave out is optional. Field names are agno 3.1.10's (its
``agno.os.routers.*.schemas``), so code written for agno's client reads the same attributes.

Example:
    ```python
    from agentos_sync.models import Memory, RunOutput

    m = client.memories.create("Likes tea", user_id="u1", topics=["drinks"])
    assert isinstance(m, Memory) and m.topics == ["drinks"]
    ```
"""

from __future__ import annotations

import warnings
from typing import Any

from ._base import PaginationInfo
from .agents import AgentSummary, ConfigResponse, ModelInfo, TeamSummary, WorkflowSummary
from .approvals import Approval, ApprovalStatus
from .components import Component, ComponentConfig, RegistryEntry
from .evals import EvalRun
from .info import MCPInfo, ServerInfo, TraceFilterSchema
from .knowledge import (
    ContentStatus,
    KnowledgeConfig,
    KnowledgeContent,
    KnowledgeContentStatus,
    KnowledgeSearchResult,
    KnowledgeSource,
    SourceFiles,
)
from .learnings import Learning, LearningUser
from .memories import Memory, OptimizedMemories, UserMemoryStats
from .metrics import DayMetrics, MetricsRefresh, MetricsRefreshStatus, MetricsReport, MigrationResult
from .queue import QueueJob
from .runs import (
    RunAccepted,
    RunCheckpoint,
    RunCheckpoints,
    RunMetrics,
    RunOutput,
    RunSnapshot,
    RunStatus,
    ToolExecution,
)
from .schedules import Schedule, ScheduleRun, ScheduleState
from .sessions import Compaction, ForkedSession, SessionRecord, SessionRunPreview, SessionsPage
from .traces import TraceDetail, TraceNode, TraceSessionStats, TraceSummary

__all__ = [
    "AgentSummary",
    "Approval",
    "ApprovalStatus",
    "Compaction",
    "Component",
    "ComponentConfig",
    "ConfigResponse",
    "ContentStatus",
    "DayMetrics",
    "EvalRun",
    "ForkedSession",
    "KnowledgeConfig",
    "KnowledgeContent",
    "KnowledgeContentStatus",
    "KnowledgeSearchResult",
    "KnowledgeSource",
    "Learning",
    "LearningUser",
    "MCPInfo",
    "Memory",
    "MetricsRefresh",
    "MetricsRefreshStatus",
    "MetricsReport",
    "MigrationResult",
    "ModelInfo",
    "OptimizedMemories",
    "PaginationInfo",
    "QueueJob",
    "RegistryEntry",
    "RunAccepted",
    "RunCheckpoint",
    "RunCheckpoints",
    "RunMetrics",
    "RunOutput",
    "RunSnapshot",
    "RunStatus",
    "Schedule",
    "ScheduleRun",
    "ScheduleState",
    "ServerInfo",
    "SessionRecord",
    "SessionRunPreview",
    "SessionsPage",
    "SourceFiles",
    "TeamSummary",
    "ToolExecution",
    "TraceDetail",
    "TraceFilterSchema",
    "TraceNode",
    "TraceSessionStats",
    "TraceSummary",
    "UserMemoryStats",
    "WorkflowSummary",
]


def __getattr__(name: str) -> Any:
    if name == "Metrics":  # the token counts' old name; `resources.Metrics` is the metrics area
        warnings.warn("agentos_sync.models.Metrics is RunMetrics now", DeprecationWarning, stacklevel=2)
        return RunMetrics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
