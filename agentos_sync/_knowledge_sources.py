"""Knowledge from remote sources (S3, GCS, SharePoint, GitHub configured on the server's
``Knowledge``): list the sources and their files, add remote content, and refresh a URL-sourced
content. A mixin of `Knowledge` (``client.knowledge.sources``, ...)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from pydantic import Field

from ._http import segment, validate, validate_list
from ._paging import check_page, query
from ._resource import CallOptions
from .api_models import KnowledgeContent, _Model
from .pagination import PaginationInfo

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["KnowledgeSource", "SourceFiles"]


class KnowledgeSource(_Model):
    """A remote content source the server's knowledge base is configured with."""

    id: str
    name: Optional[str] = None
    type: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
    prefix: Optional[str] = None


class SourceFiles(_Model):
    """One page of a source's listing: ``folders`` (``prefix``, ``name``) and ``files`` (``key``,
    ``name``, ``size``, ...) under ``prefix``."""

    source_id: Optional[str] = None
    source_name: Optional[str] = None
    prefix: Optional[str] = None
    folders: List[Dict[str, Any]] = Field(default_factory=list)
    files: List[Dict[str, Any]] = Field(default_factory=list)
    meta: Optional[PaginationInfo] = None


def content_form(
    fields: Dict[str, Optional[str]],
    reader_id: Optional[str],
    chunker: Optional[str],
    chunk_size: Optional[int],
    chunk_overlap: Optional[int],
    objects: Dict[str, Optional[Dict[str, Any]]],
) -> Dict[str, str]:
    """The form of a content upload (local or remote): the text fields given, the reader and
    chunking settings, and the dict fields JSON-encoded."""
    form = {k: str(v) for k, v in {**fields, "reader_id": reader_id, "chunker": chunker}.items() if v}
    form.update({k: json.dumps(v) for k, v in objects.items() if v})
    for key, number in (("chunk_size", chunk_size), ("chunk_overlap", chunk_overlap)):
        if number is not None:
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise ValueError(f"{key} must be an int >= 0, got {number!r}")
            form[key] = str(number)
    return form


class _KnowledgeSources:
    """The remote-source methods of ``Knowledge`` (a mixin: ``self`` is a ``Knowledge``)."""

    if TYPE_CHECKING:

        def _json(self, method: str, segments: Sequence[str], what: str, **kwargs: Any) -> Any:
            """``Knowledge._json``: a request whose "no knowledge base" answer says what to do."""

    def sources(
        self, knowledge_id: str, db_id: Optional[str] = None, **options: Unpack[CallOptions]
    ) -> List[KnowledgeSource]:
        """The remote sources of a knowledge base (empty when it has none).

        Example:
            ```python
            for source in client.knowledge.sources("docs-kb"):
                print(source.id, source.type)
            ```
        """
        data = self._json(
            "GET",
            ["knowledge", segment(knowledge_id, "knowledge_id"), "sources"],
            "knowledge.sources",
            params=query(db_id=db_id),
            **self._options(options, self.sources),  # type: ignore[attr-defined]
        )
        return validate_list(KnowledgeSource, data, "GET /knowledge/{id}/sources")

    def source_files(
        self,
        knowledge_id: str,
        source_id: str,
        prefix: Optional[str] = None,
        page: int = 1,
        limit: int = 100,
        delimiter: str = "/",
        db_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SourceFiles:
        """One page of the files and folders of a source under ``prefix`` (S3 sources list files;
        another type is a ``BadRequestError`` that says so).

        Example:
            ```python
            listing = client.knowledge.source_files("docs-kb", "company-s3", prefix="reports/")
            print([f["key"] for f in listing.files])
            ```
        """
        check_page(limit, page)
        data = self._json(
            "GET",
            ["knowledge", segment(knowledge_id, "knowledge_id"), "sources", segment(source_id, "source_id"), "files"],
            "knowledge.source_files",
            params=query(prefix=prefix, page=page, limit=limit, delimiter=delimiter, db_id=db_id),
            **self._options(options, self.source_files),  # type: ignore[attr-defined]
        )
        return validate(SourceFiles, data, "AgentOS")

    def upload_remote(
        self,
        config_id: str,
        path: str,
        name: Optional[str] = None,
        description: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        source_params: Optional[Dict[str, Any]] = None,
        reader_id: Optional[str] = None,
        chunker: Optional[str] = None,
        chunk_size: Optional[int] = None,
        chunk_overlap: Optional[int] = None,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> KnowledgeContent:
        """Add the file or folder at ``path`` of a configured remote source (``config_id``, see
        `sources`); the server answers at once (``processing``): ``wait`` for it.

        Example:
            ```python
            c = client.knowledge.upload_remote("company-s3", "reports/q1.pdf")
            client.knowledge.wait(c.id, timeout=120)
            ```
        """
        form = content_form(
            {"config_id": segment(config_id, "config_id"), "path": path, "name": name, "description": description},
            reader_id,
            chunker,
            chunk_size,
            chunk_overlap,
            {"metadata": metadata, "source_params": source_params},
        )
        data = self._json(
            "POST",
            ["knowledge", "remote-content"],
            "knowledge.upload_remote",
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            form=form,
            **self._options(options, self.upload_remote),  # type: ignore[attr-defined]
        )
        return validate(KnowledgeContent, data, "AgentOS")

    def refresh(
        self,
        content_id: str,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> KnowledgeContent:
        """Re-read a URL-sourced content from its source (a content without a source URL is a
        ``BadRequestError``); it is ``processing`` again until done.

        Example:
            ```python
            client.knowledge.refresh(content.id)
            client.knowledge.wait(content.id, timeout=60)
            ```
        """
        data = self._json(
            "POST",
            ["knowledge", "content", segment(content_id, "content_id"), "refresh"],
            "knowledge.refresh",
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            idempotent=True,
            **self._options(options, self.refresh),  # type: ignore[attr-defined]
        )
        return validate(KnowledgeContent, data, "AgentOS")
