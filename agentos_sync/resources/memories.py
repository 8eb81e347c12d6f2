"""``client.memories``: the ``/memories``, ``/memory_topics``, ``/user_memory_stats`` and
``/optimize-memories`` endpoints. Parameters (names and order) are those of agno's
``AgentOSClient`` memory methods, which are their one-line aliases on the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from .. import errors
from .._http import segment
from ..models import Memory, OptimizedMemories, UserMemoryStats
from ..pagination import SyncPage, check_page, load_page
from ._base import APIResource, CallOptions, id_list, non_empty, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Memories"]


def _body(memory: str, user_id: str, topics: Optional[Sequence[str]]) -> Dict[str, Any]:
    """The JSON of a create or an update (agno's ``UserMemoryCreateSchema``)."""
    non_empty(memory, "memory")
    body = {"memory": memory, "user_id": user_id, "topics": _topics(topics)}
    return {k: v for k, v in body.items() if v is not None}


def _topics(topics: Optional[Sequence[str]]) -> Optional[List[str]]:
    if topics is None:
        return None
    if isinstance(topics, str):
        raise TypeError("topics must be a list of str, not one str")
    return [str(t) for t in topics]


class Memories(APIResource):
    """User memories: ``client.memories``. Every method also takes ``timeout=`` and
    ``extra_headers=`` for that call.

    Example:
        ```python
        m = client.memories.create("Prefers dark mode", user_id="u1", topics=["ui"])
        for memory in client.memories.list(user_id="u1"):     # every page, lazily
            print(memory.memory_id, memory.memory)
        ```
    """

    name = "memories"

    def create(
        self,
        memory: str,
        user_id: str,
        topics: Optional[Sequence[str]] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Memory:
        """Store a memory for a user.

        Example:
            ```python
            m = client.memories.create("Prefers dark mode", user_id="u1", topics=["ui"])
            print(m.memory_id)
            ```
        """
        return self._post(
            ["memories"],
            cast_to=Memory,
            params=query(db_id=db_id, table=table),
            json_body=_body(memory, user_id, topics),
            options=options,
        )

    def get(
        self,
        memory_id: str,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Memory:
        """One memory; ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.memories.get(memory_id, user_id="u1").memory)
            ```
        """
        return self._get(
            ["memories", segment(memory_id, "memory_id")],
            cast_to=Memory,
            params=query(user_id=user_id, db_id=db_id, table=table),
            options=options,
        )

    def list(
        self,
        user_id: Optional[str] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        topics: Optional[Sequence[str]] = None,
        search_content: Optional[str] = None,
        limit: int = 20,
        page: int = 1,
        sort_by: str = "updated_at",
        sort_order: str = "desc",
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[Memory]:
        """Memories, filtered: one page (``.data``, ``.meta``) that iterates every page lazily.

        Example:
            ```python
            page = client.memories.list(user_id="u1", search_content="dark", limit=50)
            print(page.total, [m.memory for m in page.data])
            ```
        """
        check_page(limit, page)
        topic_list = _topics(topics)
        opts = self._options(options)

        def fetch(number: int) -> Any:
            params = query(
                user_id=user_id,
                agent_id=agent_id,
                team_id=team_id,
                search_content=search_content,
                limit=limit,
                page=number,
                sort_by=sort_by,
                sort_order=sort_order,
                db_id=db_id,
                table=table,
            )
            if topic_list:
                params["topics"] = ",".join(topic_list)  # the server splits one comma-separated value
            return self._http.json("GET", ["memories"], params=params, **opts)

        return load_page(Memory, "GET /memories", fetch, page)

    def update(
        self,
        memory_id: str,
        memory: str,
        user_id: str,
        topics: Optional[Sequence[str]] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Memory:
        """Replace a memory's text (and topics).

        Example:
            ```python
            client.memories.update(memory_id, "Prefers dark mode everywhere", user_id="u1")
            ```
        """
        return self._patch(
            ["memories", segment(memory_id, "memory_id")],
            cast_to=Memory,
            params=query(db_id=db_id, table=table),
            json_body=_body(memory, user_id, topics),
            idempotent=True,
            options=options,
        )

    def delete(
        self,
        memory_id: str,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Delete one memory.

        Example:
            ```python
            client.memories.delete(memory_id, user_id="u1")
            ```
        """
        self._delete(
            ["memories", segment(memory_id, "memory_id")],
            params=query(user_id=user_id, db_id=db_id, table=table),
            options=options,
        )

    def delete_many(
        self,
        memory_ids: Sequence[str],
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Delete several memories.

        Example:
            ```python
            client.memories.delete_many([m1, m2], user_id="u1")
            ```
        """
        body = {"memory_ids": id_list(memory_ids, "memory_ids"), "user_id": user_id}
        self._delete(
            ["memories"],
            params=query(db_id=db_id, table=table),
            json_body={k: v for k, v in body.items() if v is not None},
            options=options,
        )

    def topics(
        self,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        *,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> List[str]:
        """Every topic the stored memories use.

        Example:
            ```python
            print(client.memories.topics(user_id="u1"))      # ['preferences', 'ui']
            ```
        """
        data = self._get(["memory_topics"], params=query(user_id=user_id, db_id=db_id, table=table), options=options)
        if not isinstance(data, list):
            raise errors.ProtocolError("GET /memory_topics did not return a list")
        return [str(t) for t in data]

    def user_stats(
        self,
        limit: int = 20,
        page: int = 1,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        *,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[UserMemoryStats]:
        """How many memories each user has: a page that iterates every page lazily.

        Example:
            ```python
            for stats in client.memories.user_stats():
                print(stats.user_id, stats.total_memories)
            ```
        """

        return self._page(
            "GET",
            ["user_memory_stats"],
            cast_to=UserMemoryStats,
            page=page,
            limit=limit,
            params=query(user_id=user_id, limit=limit, db_id=db_id, table=table),
            options=options,
        )

    def optimize(
        self,
        user_id: str,
        model: Optional[str] = None,
        apply: bool = True,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> OptimizedMemories:
        """Have the server's model merge and shorten a user's memories (``apply=False``: preview only).

        Example:
            ```python
            result = client.memories.optimize("u1", apply=False)
            print(result.memories_before, "->", result.memories_after)
            ```
        """
        body = {"user_id": user_id, "model": model, "apply": bool(apply)}
        return self._post(
            ["optimize-memories"],
            cast_to=OptimizedMemories,
            params=query(db_id=db_id, table=table),
            json_body={k: v for k, v in body.items() if v is not None},
            options=options,
        )
