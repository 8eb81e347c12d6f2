"""Models of the AgentOS areas beyond runs: memories, knowledge, evals, traces, metrics, session
run previews. Field names are agno 3.1.10's (its ``agno.os.routers.*.schemas``), so code written
for agno's client reads the same attributes; every model keeps the fields it does not declare
(``model_extra``), and every field the server might leave out is optional, so a newer server's
answer still reads.

Example:
    ```python
    from agentos_sync.api_models import Memory

    m = client.memories.create("Likes tea", user_id="u1", topics=["drinks"])
    assert isinstance(m, Memory) and m.topics == ["drinks"]
    ```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, ConfigDict

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


class _Model(BaseModel):
    # defer_build: validators are built on first use, keeping `import agentos_sync` cheap.
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


# -- memories ----------------------------------------------------------------------------------


class Memory(_Model):
    """A user memory (agno's ``UserMemorySchema``)."""

    memory_id: Optional[str] = None
    memory: Optional[str] = None
    topics: Optional[List[str]] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    user_id: Optional[str] = None
    updated_at: Optional[datetime] = None


class UserMemoryStats(_Model):
    """How many memories a user has (agno's ``UserStatsSchema``)."""

    user_id: Optional[str] = None
    total_memories: Optional[int] = None
    last_memory_updated_at: Optional[datetime] = None


class OptimizedMemories(_Model):
    """What ``optimize_memories`` did (agno's ``OptimizeMemoriesResponse``)."""

    memories: List[Memory] = []
    memories_before: Optional[int] = None
    memories_after: Optional[int] = None
    tokens_before: Optional[int] = None
    tokens_after: Optional[int] = None
    tokens_saved: Optional[int] = None
    reduction_percentage: Optional[float] = None


# -- sessions ----------------------------------------------------------------------------------


class SessionRunPreview(_Model):
    """A run of a session, without messages, events or metrics (agno's ``SessionRunPreviewSchema``)."""

    run_id: Optional[str] = None
    parent_run_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    user_id: Optional[str] = None
    status: Optional[str] = None
    run_input: Optional[str] = None
    content_preview: Optional[str] = None
    created_at: Optional[datetime] = None


# -- knowledge ---------------------------------------------------------------------------------


class ContentStatus:
    """The processing statuses of knowledge content (``KnowledgeContent.status``)."""

    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"

    #: Statuses after which processing changes no more (what ``knowledge.wait`` waits for).
    TERMINAL = frozenset({COMPLETED, PARTIAL, FAILED})


class KnowledgeContent(_Model):
    """One piece of knowledge content (agno's ``ContentResponseSchema``)."""

    id: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    type: Optional[str] = None
    size: Optional[str] = None
    linked_to: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    access_count: Optional[int] = None
    status: Optional[str] = None
    status_message: Optional[str] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None

    @property
    def is_terminal(self) -> bool:
        """True once processing is over (completed, partial or failed)."""
        return (self.status or "").lower() in ContentStatus.TERMINAL


class KnowledgeContentStatus(_Model):
    """``GET /knowledge/content/{id}/status`` (agno's ``ContentStatusResponse``)."""

    id: Optional[str] = None
    status: Optional[str] = None
    status_message: Optional[str] = None

    @property
    def is_terminal(self) -> bool:
        """True once processing is over (completed, partial or failed)."""
        return (self.status or "").lower() in ContentStatus.TERMINAL


class KnowledgeSearchResult(_Model):
    """One document chunk a knowledge search found (agno's ``VectorSearchResult``)."""

    id: Optional[str] = None
    content: Optional[str] = None
    name: Optional[str] = None
    meta_data: Optional[Dict[str, Any]] = None
    usage: Optional[Dict[str, Any]] = None
    reranking_score: Optional[float] = None
    content_id: Optional[str] = None
    content_origin: Optional[str] = None
    size: Optional[int] = None


class KnowledgeConfig(_Model):
    """What a knowledge base offers: readers, chunkers, vector dbs, filters (agno's
    ``ConfigResponseSchema`` of the knowledge router)."""

    readers: Optional[Dict[str, Any]] = None
    readersForType: Optional[Dict[str, List[str]]] = None  # agno's field name
    chunkers: Optional[Dict[str, Any]] = None
    filters: Optional[List[str]] = None
    vector_dbs: Optional[List[Dict[str, Any]]] = None
    remote_content_sources: Optional[List[Dict[str, Any]]] = None
    unavailable_readers: Optional[Dict[str, Any]] = None
    unavailable_chunkers: Optional[Dict[str, Any]] = None


# -- evals -------------------------------------------------------------------------------------


class EvalRun(_Model):
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


# -- traces ------------------------------------------------------------------------------------


class TraceNode(_Model):
    """One span of a trace, with its child spans (agno's ``TraceNode``)."""

    id: Optional[str] = None
    name: Optional[str] = None
    type: Optional[str] = None
    duration: Optional[str] = None
    start_time: Optional[datetime] = None
    end_time: Optional[datetime] = None
    status: Optional[str] = None
    input: Optional[str] = None
    output: Optional[str] = None
    error: Optional[str] = None
    spans: Optional[List[TraceNode]] = None
    step_type: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    extra_data: Optional[Dict[str, Any]] = None


class TraceSummary(_Model):
    """A trace in a list (agno's ``TraceSummary``)."""

    trace_id: Optional[str] = None
    name: Optional[str] = None
    status: Optional[str] = None
    duration: Optional[str] = None
    start_time: Optional[datetime] = None
    end_time: Optional[datetime] = None
    total_spans: Optional[int] = None
    error_count: Optional[int] = None
    input: Optional[str] = None
    run_id: Optional[str] = None
    session_id: Optional[str] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    created_at: Optional[datetime] = None


class TraceDetail(TraceSummary):
    """A trace with its output, error and span tree (agno's ``TraceDetail``)."""

    output: Optional[str] = None
    error: Optional[str] = None
    tree: List[TraceNode] = []


class TraceSessionStats(_Model):
    """Traces of one session, counted (agno's ``TraceSessionStats``)."""

    session_id: Optional[str] = None
    user_id: Optional[str] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    workflow_id: Optional[str] = None
    total_traces: Optional[int] = None
    first_trace_at: Optional[datetime] = None
    last_trace_at: Optional[datetime] = None


# -- metrics -----------------------------------------------------------------------------------


class DayMetrics(_Model):
    """One day's aggregated metrics (agno's ``DayAggregatedMetrics``)."""

    id: Optional[str] = None
    agent_runs_count: Optional[int] = None
    agent_sessions_count: Optional[int] = None
    team_runs_count: Optional[int] = None
    team_sessions_count: Optional[int] = None
    workflow_runs_count: Optional[int] = None
    workflow_sessions_count: Optional[int] = None
    users_count: Optional[int] = None
    token_metrics: Optional[Dict[str, Any]] = None
    model_metrics: Optional[List[Dict[str, Any]]] = None
    date: Optional[datetime] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None


class MetricsReport(_Model):
    """``GET /metrics`` (agno's ``MetricsResponse``): the days' metrics and when they were computed."""

    metrics: List[DayMetrics] = []
    updated_at: Optional[datetime] = None


class MetricsRefresh(_Model):
    """A background metrics refresh was accepted (agno's ``MetricsRefreshResponse``)."""

    status: Optional[str] = None
    message: Optional[str] = None


class MetricsRefreshStatus(_Model):
    """The last metrics refresh: ``idle``, ``running``, ``completed`` or ``failed`` (agno's
    ``MetricsRefreshStatusResponse``)."""

    status: Optional[str] = None
    started_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
    error: Optional[str] = None


# -- databases ---------------------------------------------------------------------------------


class MigrationResult(_Model):
    """``POST /databases/{db_id}/migrate``: the server's message."""

    message: Optional[str] = None
