"""``client.learnings``: what agents learned and stored (``/learnings``): user profiles, entity
memories, ... (agno's learning machine), to list, inspect, correct and forget per user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from .._http import segment
from ..models import Learning, LearningUser
from ..pagination import SyncPage
from ._base import APIResource, CallOptions, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Learnings"]


class Learnings(APIResource):
    """Learning records: ``client.learnings``. Every method also takes ``timeout=`` and ``extra_headers=``.

    Example:
        ```python
        client.learnings.create("user_profile", {"name": "Ada"}, user_id="u1")
        for learning in client.learnings.list(user_id="u1"):
            print(learning.learning_type, learning.content)
        ```
    """

    name = "learnings"

    def list(
        self,
        learning_type: Optional[str] = None,
        user_id: Optional[str] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        session_id: Optional[str] = None,
        namespace: Optional[str] = None,
        entity_id: Optional[str] = None,
        entity_type: Optional[str] = None,
        page: int = 1,
        limit: int = 100,
        sort_by: Optional[str] = None,
        sort_order: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[Learning]:
        """Learnings, filtered: a page that iterates every page.

        Example:
            ```python
            page = client.learnings.list(learning_type="user_profile", limit=20)
            print(page.total, [l.user_id for l in page.data])
            ```
        """

        return self._page(
            "GET",
            ["learnings"],
            cast_to=Learning,
            page=page,
            limit=limit,
            params=query(
                learning_type=learning_type,
                user_id=user_id,
                agent_id=agent_id,
                team_id=team_id,
                session_id=session_id,
                namespace=namespace,
                entity_id=entity_id,
                entity_type=entity_type,
                limit=limit,
                sort_by=sort_by,
                sort_order=sort_order,
                db_id=db_id,
                table=table,
            ),
            options=options,
        )

    def create(
        self,
        learning_type: str,
        content: Dict[str, Any],
        user_id: Optional[str] = None,
        namespace: Optional[str] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        session_id: Optional[str] = None,
        entity_id: Optional[str] = None,
        entity_type: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Learning:
        """Store a learning (``content`` is its payload, a dict).

        Example:
            ```python
            l = client.learnings.create("user_profile", {"name": "Ada", "likes": ["tea"]}, user_id="u1")
            ```
        """
        if not isinstance(content, dict):
            raise TypeError(f"content must be a dict, got {type(content).__name__}")
        body = {
            "learning_type": learning_type,
            "content": content,
            "user_id": user_id,
            "namespace": namespace,
            "agent_id": agent_id,
            "team_id": team_id,
            "session_id": session_id,
            "entity_id": entity_id,
            "entity_type": entity_type,
            "metadata": metadata,
        }
        return self._post(
            ["learnings"],
            cast_to=Learning,
            params=query(db_id=db_id, table=table),
            json_body={k: v for k, v in body.items() if v is not None},
            options=options,
        )

    def get(
        self, learning_id: str, db_id: Optional[str] = None, table: Optional[str] = None, **options: Unpack[CallOptions]
    ) -> Learning:
        """One learning; ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.learnings.get(learning_id).content)
            ```
        """
        return self._get(
            ["learnings", segment(learning_id, "learning_id")],
            cast_to=Learning,
            params=query(db_id=db_id, table=table),
            options=options,
        )

    def update(
        self,
        learning_id: str,
        content: Optional[Dict[str, Any]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Learning:
        """Replace a learning's ``content`` and/or ``metadata``.

        Example:
            ```python
            client.learnings.update(learning_id, content={"name": "Ada", "likes": ["coffee"]})
            ```
        """
        body = {k: v for k, v in (("content", content), ("metadata", metadata)) if v is not None}
        if not body:
            raise ValueError("update needs content= or metadata=")
        return self._patch(
            ["learnings", segment(learning_id, "learning_id")],
            cast_to=Learning,
            params=query(db_id=db_id, table=table),
            json_body=body,
            options=options,
        )

    def delete(
        self, learning_id: str, db_id: Optional[str] = None, table: Optional[str] = None, **options: Unpack[CallOptions]
    ) -> None:
        """Delete one learning.

        Example:
            ```python
            client.learnings.delete(learning_id)
            ```
        """
        self._delete(
            ["learnings", segment(learning_id, "learning_id")], params=query(db_id=db_id, table=table), options=options
        )

    def users(
        self,
        learning_type: Optional[str] = None,
        user_id: Optional[str] = None,
        page: int = 1,
        limit: int = 20,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[LearningUser]:
        """The users who have learnings, latest first: a page that iterates every page.

        Example:
            ```python
            for user in client.learnings.users():
                print(user.user_id, user.last_learning_updated_at)
            ```
        """

        return self._page(
            "GET",
            ["learnings", "users"],
            cast_to=LearningUser,
            page=page,
            limit=limit,
            params=query(learning_type=learning_type, user_id=user_id, limit=limit, db_id=db_id, table=table),
            options=options,
        )

    def delete_user(
        self,
        user_id: str,
        learning_type: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Forget every learning of a user (of one ``learning_type`` only, with it).

        Example:
            ```python
            client.learnings.delete_user("u1")
            ```
        """
        self._delete(
            ["learnings", "users", segment(user_id, "user_id")],
            params=query(learning_type=learning_type, db_id=db_id, table=table),
            options=options,
        )
