"""Run checkpoints (``GET /{agents|teams}/{id}/runs/{run_id}/checkpoints[/{message_index}]``):
the message boundaries of a stored run a continue can start from (``continue_from=``). A mixin
of `Runs`, so ``client.agents`` and ``client.teams`` have them;
workflows have no such route, and say so before anything is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from pydantic import Field

from ._http import segment, validate
from ._resource import CallOptions
from .api_models import _Model

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._http import HTTPCore
    from ._runs import RunKind

__all__ = ["RunCheckpoint", "RunCheckpoints", "RunSnapshot"]


class RunCheckpoint(_Model):
    """One boundary: ``message_index`` is what ``continue_from=`` takes; ``checkpoint_id`` is a
    1-based display ordinal; ``reason`` is ``checkpoint``, ``end`` or ``snapshot``."""

    message_index: int
    checkpoint_id: Optional[int] = None
    reason: Optional[str] = None
    status: Optional[str] = None
    message_role: Optional[str] = None
    message_preview: Optional[str] = None
    is_latest: Optional[bool] = None


class RunCheckpoints(_Model):
    """A run's checkpoints (agno derives them from the stored transcript)."""

    run_id: str
    session_id: Optional[str] = None
    checkpoints: List[RunCheckpoint] = Field(default_factory=list)


class RunSnapshot(_Model):
    """The run cut at one message boundary: its ``checkpoint`` and the stored run as it was
    there (``snapshot``: the run's JSON, ``messages`` up to that boundary)."""

    checkpoint: RunCheckpoint
    snapshot: Dict[str, Any]


class _Checkpoints:
    """The checkpoint methods of ``Runs`` (a mixin: ``self`` is a ``Runs``)."""

    _http: HTTPCore
    kind: RunKind

    def _checkpoint_path(self, entity_id: str, run_id: str, *rest: str) -> List[str]:
        if self.kind.path == "workflows":
            raise TypeError("workflows have no checkpoint route; agents and teams do")
        return [
            self.kind.path,
            segment(entity_id, self.kind.id_name),
            "runs",
            segment(run_id, "run_id"),
            "checkpoints",
            *rest,
        ]

    def checkpoints(
        self, entity_id: str, run_id: str, session_id: str, **options: Unpack[CallOptions]
    ) -> RunCheckpoints:
        """The message boundaries of a stored run; ``NotFoundError`` for an unknown run.

        Example:
            ```python
            marks = client.agents.checkpoints("assistant", out.run_id, out.session_id)
            print([c.message_index for c in marks.checkpoints])
            ```
        """
        data = self._http.json(
            "GET",
            self._checkpoint_path(entity_id, run_id),
            params={"session_id": segment(session_id, "session_id")},
            **self._options(options, self.checkpoints),  # type: ignore[attr-defined]
        )
        return validate(RunCheckpoints, data, "AgentOS")

    def checkpoint(
        self, entity_id: str, run_id: str, message_index: int, session_id: str, **options: Unpack[CallOptions]
    ) -> RunSnapshot:
        """The run cut at ``message_index`` (a ``BadRequestError`` for an index that is no boundary).

        Example:
            ```python
            snap = client.agents.checkpoint("assistant", out.run_id, 1, out.session_id)
            print(len(snap.snapshot["messages"]))
            ```
        """
        if isinstance(message_index, bool) or not isinstance(message_index, int):
            raise TypeError(f"message_index must be an int, got {type(message_index).__name__}")
        data = self._http.json(
            "GET",
            self._checkpoint_path(entity_id, run_id, str(message_index)),
            params={"session_id": segment(session_id, "session_id")},
            **self._options(options, self.checkpoint),  # type: ignore[attr-defined]
        )
        return validate(RunSnapshot, data, "AgentOS")
