"""Memories: the models of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional

from ._base import Model

__all__ = ["Memory", "OptimizedMemories", "UserMemoryStats"]


class Memory(Model):
    """A user memory (agno's ``UserMemorySchema``)."""

    memory_id: Optional[str] = None
    memory: Optional[str] = None
    topics: Optional[List[str]] = None
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    user_id: Optional[str] = None
    updated_at: Optional[datetime] = None


class UserMemoryStats(Model):
    """How many memories a user has (agno's ``UserStatsSchema``)."""

    user_id: Optional[str] = None
    total_memories: Optional[int] = None
    last_memory_updated_at: Optional[datetime] = None


class OptimizedMemories(Model):
    """What ``optimize_memories`` did (agno's ``OptimizeMemoriesResponse``)."""

    memories: List[Memory] = []
    memories_before: Optional[int] = None
    memories_after: Optional[int] = None
    tokens_before: Optional[int] = None
    tokens_after: Optional[int] = None
    tokens_saved: Optional[int] = None
    reduction_percentage: Optional[float] = None
