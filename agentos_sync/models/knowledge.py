"""Knowledge: the models of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from pydantic import Field

from ._base import Model, PaginationInfo

__all__ = [
    "ContentStatus",
    "KnowledgeConfig",
    "KnowledgeContent",
    "KnowledgeContentStatus",
    "KnowledgeSearchResult",
    "KnowledgeSource",
    "SourceFiles",
]


class ContentStatus:
    """The processing statuses of knowledge content (``KnowledgeContent.status``)."""

    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"

    #: Statuses after which processing changes no more (what ``knowledge.wait`` waits for).
    TERMINAL = frozenset({COMPLETED, PARTIAL, FAILED})


class KnowledgeContent(Model):
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


class KnowledgeContentStatus(Model):
    """``GET /knowledge/content/{id}/status`` (agno's ``ContentStatusResponse``)."""

    id: Optional[str] = None
    status: Optional[str] = None
    status_message: Optional[str] = None

    @property
    def is_terminal(self) -> bool:
        """True once processing is over (completed, partial or failed)."""
        return (self.status or "").lower() in ContentStatus.TERMINAL


class KnowledgeSearchResult(Model):
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


class KnowledgeConfig(Model):
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


class KnowledgeSource(Model):
    """A remote content source the server's knowledge base is configured with."""

    id: str
    name: Optional[str] = None
    type: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    prefix: Optional[str] = None


class SourceFiles(Model):
    """One page of a source's listing: ``folders`` (``prefix``, ``name``) and ``files`` (``key``,
    ``name``, ``size``, ...) under ``prefix``."""

    source_id: Optional[str] = None
    source_name: Optional[str] = None
    prefix: Optional[str] = None
    folders: List[Dict[str, Any]] = Field(default_factory=list)
    files: List[Dict[str, Any]] = Field(default_factory=list)
    meta: Optional[PaginationInfo] = None
