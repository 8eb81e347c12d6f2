"""``client.knowledge``: the ``/knowledge`` endpoints (content upload, listing, status, search,
config). Parameters (names and order) are those of agno's ``AgentOSClient`` knowledge methods,
which are their one-line aliases on the client.

An AgentOS without a knowledge base answers 503 "No knowledge base is available on this AgentOS"
(agno 3.1.10; older servers and proxies: a bare 404 for the unmounted route). This resource turns
either into an error that says so, with the server's advice and without "retry later": an
``InternalServerError`` (503) or a ``NotFoundError`` (404), never a missing-attribute puzzle.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from .. import errors
from .._http import TimeoutArg, segment, validate_list
from .._polling import poll
from ..models import (
    KnowledgeConfig,
    KnowledgeContent,
    KnowledgeContentStatus,
    KnowledgeSearchResult,
    KnowledgeSource,
    SourceFiles,
)
from ..pagination import SyncPage, check_page, load_page
from ._base import APIResource, CallOptions, non_empty, query
from ._uploads import upload_field

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Knowledge", "KnowledgeFile"]

#: What ``upload(file=...)`` takes: a path, ``(filename, bytes[, content type])``, raw bytes, an
#: open binary file, or an object with ``content``/``filename``/``mime_type`` (agno's ``File``).
KnowledgeFile = Union[str, "os.PathLike[str]", bytes, Tuple[str, bytes], Tuple[str, bytes, str], IO[bytes], Any]

#: The detail of a route FastAPI does not have: the server was built without a knowledge base.
_ROUTE_MISSING = "Not Found"
#: How agno 3.1.10's 503 starts when the AgentOS has no knowledge base.
_NO_KNOWLEDGE = "No knowledge base"


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


class Knowledge(APIResource):
    """The knowledge base: ``client.knowledge``. Every method also takes ``timeout=`` and
    ``extra_headers=`` for that call.

    Example:
        ```python
        content = client.knowledge.upload(file="handbook.pdf", name="Handbook")
        client.knowledge.wait(content.id, timeout=60)
        for hit in client.knowledge.search("holiday policy").data:
            print(hit.name, hit.content[:80])
        ```
    """

    name = "knowledge"

    def _send_json(self, method: str, path: Sequence[str], send: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        """A request whose "no knowledge base" answer says what to do."""
        try:
            return super()._send_json(method, path, send, options)
        except (errors.NotFoundError, errors.InternalServerError) as exc:
            detail = str(exc.detail or "")
            if isinstance(exc, errors.NotFoundError) and detail != _ROUTE_MISSING:
                raise  # a real "content not found"
            if isinstance(exc, errors.InternalServerError) and not detail.startswith(_NO_KNOWLEDGE):
                raise
            advice = detail if detail != _ROUTE_MISSING else "its /knowledge routes are not mounted"
            caller = self._public_caller()
            what = f"knowledge.{caller.__name__}()" if caller is not None else "knowledge"
            raise type(exc)(
                f"{what}: this AgentOS has no knowledge base ({advice}); give the AgentOS or an agent a "
                "Knowledge with a contents_db to use the knowledge API",
                status_code=exc.status_code,
                detail=exc.detail,
                response=exc.response,
                request=exc.request,
            ) from None

    def upload(
        self,
        name: Optional[str] = None,
        description: Optional[str] = None,
        url: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        file: Optional[KnowledgeFile] = None,
        text_content: Optional[str] = None,
        reader_id: Optional[str] = None,
        chunker: Optional[str] = None,
        chunk_size: Optional[int] = None,
        chunk_overlap: Optional[int] = None,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> KnowledgeContent:
        """Add content: a ``file`` (path, bytes, binary file, agno ``File``), a ``url`` or
        ``text_content``. The server answers at once (status ``processing``); `wait` for it.

        Example:
            ```python
            c = client.knowledge.upload(text_content="Agno builds agents.", name="About")
            c = client.knowledge.upload(file="guide.pdf")        # a path: opened, sent, closed
            c = client.knowledge.upload(url="https://docs.agno.com/introduction.md")
            ```
        """
        if file is None and not url and not text_content:
            raise ValueError("upload_knowledge_content needs a file, a url or text_content")
        form = content_form(
            {"name": name, "description": description, "url": url, "text_content": text_content},
            reader_id,
            chunker,
            chunk_size,
            chunk_overlap,
            {"metadata": metadata},
        )
        self._options(options)  # a typo in the options fails before a file is opened
        with contextlib.ExitStack() as stack:
            files = [upload_field("file", file, stack, resendable=False)] if file is not None else None
            return self._post(
                ["knowledge", "content"],
                cast_to=KnowledgeContent,
                params=query(db_id=db_id, knowledge_id=knowledge_id),
                form=form,
                files=files,
                # a file object cannot be re-read for a second attempt; an upload is sent once
                retries=0,
                options=options,
            )

    def update(
        self,
        content_id: str,
        name: Optional[str] = None,
        description: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        reader_id: Optional[str] = None,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> KnowledgeContent:
        """Change a content's name, description, metadata or reader.

        Example:
            ```python
            client.knowledge.update(content_id, name="Handbook 2026")
            ```
        """
        form = {k: v for k, v in (("name", name), ("description", description), ("reader_id", reader_id)) if v}
        if metadata:
            form["metadata"] = json.dumps(metadata)
        return self._patch(
            ["knowledge", "content", segment(content_id, "content_id")],
            cast_to=KnowledgeContent,
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            form=form,
            idempotent=True,
            options=options,
        )

    def list(
        self,
        limit: Optional[int] = 20,
        page: Optional[int] = 1,
        sort_by: Optional[str] = "created_at",
        sort_order: Optional[str] = "desc",
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[KnowledgeContent]:
        """The knowledge base's content: a page that iterates every page lazily.

        Example:
            ```python
            for item in client.knowledge.list():
                print(item.id, item.name, item.status)
            ```
        """

        return self._page(
            "GET",
            ["knowledge", "content"],
            cast_to=KnowledgeContent,
            page=1 if page is None else page,
            limit=limit,
            params=query(limit=limit, sort_by=sort_by, sort_order=sort_order, db_id=db_id, knowledge_id=knowledge_id),
            options=options,
        )

    def get(
        self,
        content_id: str,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> KnowledgeContent:
        """One content; ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.knowledge.get(content_id).status)
            ```
        """
        return self._get(
            ["knowledge", "content", segment(content_id, "content_id")],
            cast_to=KnowledgeContent,
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            options=options,
        )

    def delete(
        self,
        content_id: str,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> KnowledgeContent:
        """Delete one content (and its vectors); returns what was deleted.

        Example:
            ```python
            client.knowledge.delete(content_id)
            ```
        """
        return self._delete(
            ["knowledge", "content", segment(content_id, "content_id")],
            cast_to=KnowledgeContent,
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            options=options,
        )

    def delete_all(
        self,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> str:
        """Delete every content of the knowledge base (cannot be undone); ``"success"``.

        Example:
            ```python
            client.knowledge.delete_all()
            ```
        """
        data = self._delete(
            ["knowledge", "content"], params=query(db_id=db_id, knowledge_id=knowledge_id), options=options
        )
        return str(data) if data is not None else "success"

    def status(
        self,
        content_id: str,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> KnowledgeContentStatus:
        """A content's processing status: ``processing``, ``completed``, ``partial`` or ``failed``.

        Example:
            ```python
            print(client.knowledge.status(content_id).status)
            ```
        """
        return self._get(
            ["knowledge", "content", segment(content_id, "content_id"), "status"],
            cast_to=KnowledgeContentStatus,
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            options=options,
        )

    def wait(
        self,
        content_id: str,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        *,
        timeout: float = 120.0,
        poll_interval: float = 0.5,
        request_timeout: TimeoutArg = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> KnowledgeContentStatus:
        """Poll a content until its processing is over (completed, partial or failed: check
        ``.status``); ``APITimeoutError`` when ``timeout`` seconds pass first (``request_timeout``
        is each poll's own HTTP timeout), as ``agents.wait`` does for runs.

        Example:
            ```python
            c = client.knowledge.upload(file="guide.pdf")
            done = client.knowledge.wait(c.id, timeout=60)
            assert done.status == "completed", done.status_message
            ```
        """
        options: CallOptions = {"timeout": request_timeout, "extra_headers": extra_headers}
        return poll(
            lambda: self.status(content_id, db_id, knowledge_id, **options),
            lambda state: state.is_terminal,
            lambda state: (
                f"Knowledge content {content_id} is still {state.status} after {timeout}s; wait longer, "
                "or check the server's logs for its reader."
            ),
            timeout=timeout,
            poll_interval=poll_interval,
            sleep=sleep,
        )

    def search(
        self,
        query: str,
        max_results: Optional[int] = None,
        filters: Optional[Dict[str, Any]] = None,
        search_type: Optional[str] = None,
        vector_db_ids: Optional[Sequence[str]] = None,
        limit: int = 20,
        page: int = 1,
        db_id: Optional[str] = None,
        knowledge_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[KnowledgeSearchResult]:
        """Search the knowledge base (``search_type``: vector, keyword, hybrid): a page of hits
        that iterates every page lazily.

        Example:
            ```python
            for hit in client.knowledge.search("What is Agno?", limit=5).data:
                print(hit.name, hit.content[:80])
            ```
        """
        non_empty(query, "query")
        check_page(limit, page)
        self._options(options)

        def fetch(number: int) -> Any:
            # the page number of a search goes in the body's "meta", not beside the query
            body: Dict[str, Any] = {"query": query, "meta": {"limit": limit, "page": number}}
            extra: Dict[str, Any] = {
                "max_results": max_results,
                "filters": filters or None,
                "search_type": search_type,
                "vector_db_ids": list(vector_db_ids) if vector_db_ids else None,
                "db_id": db_id,
                "knowledge_id": knowledge_id,
            }
            body.update({k: v for k, v in extra.items() if v is not None})
            return self._post(["knowledge", "search"], json_body=body, idempotent=True, options=options)

        return load_page(KnowledgeSearchResult, "POST /knowledge/search", fetch, page)

    def config(self, db_id: Optional[str] = None, **options: Unpack[CallOptions]) -> KnowledgeConfig:
        """The readers, chunkers, vector dbs and filters the knowledge base offers.

        Example:
            ```python
            print(list(client.knowledge.config().readers or {}))
            ```
        """
        return self._get(["knowledge", "config"], cast_to=KnowledgeConfig, params=query(db_id=db_id), options=options)

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
        data = self._get(
            ["knowledge", segment(knowledge_id, "knowledge_id"), "sources"], params=query(db_id=db_id), options=options
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
        return self._get(
            ["knowledge", segment(knowledge_id, "knowledge_id"), "sources", segment(source_id, "source_id"), "files"],
            cast_to=SourceFiles,
            params=query(prefix=prefix, page=page, limit=limit, delimiter=delimiter, db_id=db_id),
            options=options,
        )

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
        return self._post(
            ["knowledge", "remote-content"],
            cast_to=KnowledgeContent,
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            form=form,
            options=options,
        )

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
        return self._post(
            ["knowledge", "content", segment(content_id, "content_id"), "refresh"],
            cast_to=KnowledgeContent,
            params=query(db_id=db_id, knowledge_id=knowledge_id),
            idempotent=True,
            options=options,
        )
