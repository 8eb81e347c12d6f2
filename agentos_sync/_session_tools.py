"""Session fork, compaction and media (``POST /{agents|teams}/{id}/sessions/{sid}/fork``,
``POST /agents/{id}/sessions/{sid}/compact``, ``GET /sessions/{sid}/media/{storage_key}``):
a mixin of `Sessions`, so they are ``client.sessions.fork``,
``.compact`` and ``.media``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional

from ._http import segment, validate
from ._paging import query
from ._resource import CallOptions
from .api_models import _Model

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._http import HTTPCore

__all__ = ["Compaction", "ForkedSession"]


class ForkedSession(_Model):
    """A fork: the new ``session_id`` (every run copied with a fresh run_id) and its source."""

    session_id: str
    forked_from_session_id: Optional[str] = None


class Compaction(_Model):
    """What a compaction did: ``compacted`` True with its ``record`` (token counts), or False with a
    ``status`` saying why not (``not_enabled``, ``nothing_to_fold``, ``no_history``, ...) and a
    ``message`` to show the user."""

    status: str
    compacted: bool = False
    message: Optional[str] = None
    record: Optional[Any] = None


class _SessionTools:
    """Fork, compact and media of ``Sessions`` (a mixin: ``self`` is a ``Sessions``)."""

    _http: HTTPCore

    @staticmethod
    def _owner(agent_id: Optional[str], team_id: Optional[str]) -> List[str]:
        if (agent_id is None) == (team_id is None):
            raise TypeError("pass exactly one of agent_id= or team_id= (the session's owner)")
        if agent_id is not None:
            return ["agents", segment(agent_id, "agent_id")]
        return ["teams", segment(team_id, "team_id")]

    def fork(
        self,
        session_id: str,
        *,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> ForkedSession:
        """Deep-copy a session into a new one (the original is untouched); name its agent or team.

        Example:
            ```python
            fork = client.sessions.fork(out.session_id, agent_id="assistant")
            client.agents.run("assistant", "Try another way", session_id=fork.session_id)
            ```
        """
        data = self._http.json(
            "POST",
            [*self._owner(agent_id, team_id), "sessions", segment(session_id, "session_id"), "fork"],
            params=query(user_id=user_id),
            **self._options(options, self.fork),  # type: ignore[attr-defined]
        )
        return validate(ForkedSession, data, "AgentOS")

    def compact(
        self,
        session_id: str,
        agent_id: str,
        user_id: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Compaction:
        """Fold an agent session's older history into a summary now. A compaction that declines
        is an answer, not an error: check ``compacted`` and show ``message``.

        Example:
            ```python
            result = client.sessions.compact(out.session_id, agent_id="assistant")
            print(result.compacted, result.message)
            ```
        """
        data = self._http.json(
            "POST",
            ["agents", segment(agent_id, "agent_id"), "sessions", segment(session_id, "session_id"), "compact"],
            params=query(user_id=user_id),
            idempotent=True,
            **self._options(options, self.compact),  # type: ignore[attr-defined]
        )
        return validate(Compaction, data, "AgentOS")

    def media(
        self,
        session_id: str,
        storage_key: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> bytes:
        """The bytes of a media the server offloaded to its media storage (``storage_key`` as the
        session's run stores it). ``InternalServerError`` (503) when the server has no media storage,
        ``NotFoundError`` when the key is not this session's.

        Example:
            ```python
            png = client.sessions.media(session_id, "images/abc.png")
            ```
        """
        if not isinstance(storage_key, str) or not storage_key.strip("/"):
            raise ValueError(f"storage_key must be a non-empty str, got {storage_key!r}")
        # the route takes the key as a path with its slashes: each part is one quoted segment
        parts = [segment(p, "storage_key") for p in storage_key.split("/")]
        response = self._http.send(
            "GET",
            ["sessions", segment(session_id, "session_id"), "media", *parts],
            params=query(type=session_type, user_id=user_id, db_id=db_id, table=table),
            **self._options(options, self.media),  # type: ignore[attr-defined]
        )
        try:
            return response.read()
        finally:
            response.close()
