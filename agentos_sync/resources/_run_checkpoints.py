"""Run checkpoints (``GET /{agents|teams}/{id}/runs/{run_id}/checkpoints[/{message_index}]``):
the message boundaries of a stored run a continue can start from (``continue_from=``). A mixin
of `Runs`, so ``client.agents`` and ``client.teams`` have them;
workflows have no such route, and say so before anything is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Protocol

from .._http import segment
from ..models import RunCheckpoints, RunSnapshot
from ._base import APIResource, CallOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack


class _Kind(Protocol):
    """What the checkpoint routes need of a run kind (`runs.RunKind` is one)."""

    @property
    def path(self) -> str: ...

    @property
    def id_name(self) -> str: ...


class _Checkpoints(APIResource):
    """The checkpoint methods of ``Runs`` (a mixin: ``self`` is a ``Runs``)."""

    kind: _Kind

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
        return self._get(
            self._checkpoint_path(entity_id, run_id),
            cast_to=RunCheckpoints,
            params={"session_id": segment(session_id, "session_id")},
            options=options,
        )

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
        return self._get(
            self._checkpoint_path(entity_id, run_id, str(message_index)),
            cast_to=RunSnapshot,
            params={"session_id": segment(session_id, "session_id")},
            options=options,
        )
