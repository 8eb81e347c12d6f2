"""The models of the areas beyond runs, under the module name they had before the models package.

Every name here is the same class as in `agentos_sync.models`, which is where they are defined
and documented; import from there.

Example:
    ```python
    from agentos_sync.models import Memory  # was: from agentos_sync.api_models import Memory
    ```
"""

from __future__ import annotations

from .models import (
    ContentStatus,
    DayMetrics,
    EvalRun,
    KnowledgeConfig,
    KnowledgeContent,
    KnowledgeContentStatus,
    KnowledgeSearchResult,
    Memory,
    MetricsRefresh,
    MetricsRefreshStatus,
    MetricsReport,
    MigrationResult,
    OptimizedMemories,
    SessionRunPreview,
    TraceDetail,
    TraceNode,
    TraceSessionStats,
    TraceSummary,
    UserMemoryStats,
)

__all__ = [
    "ContentStatus",
    "DayMetrics",
    "EvalRun",
    "KnowledgeConfig",
    "KnowledgeContent",
    "KnowledgeContentStatus",
    "KnowledgeSearchResult",
    "Memory",
    "MetricsRefresh",
    "MetricsRefreshStatus",
    "MetricsReport",
    "MigrationResult",
    "OptimizedMemories",
    "SessionRunPreview",
    "TraceDetail",
    "TraceNode",
    "TraceSessionStats",
    "TraceSummary",
    "UserMemoryStats",
]
