"""``RunCursor``: where a run stream is, as a small value that crosses processes.

A background run goes on in AgentOS when the process streaming it dies; to take the stream over
elsewhere, another process needs what the stream knew: which runnable (kind and id), which run,
its session (the server's database lookup needs it) and the last ``event_index`` delivered. A
cursor holds exactly that, and nothing live: it is a frozen dataclass that serializes to a short
URL-safe string (`RunCursor.to_string`, also ``str(cursor)``) and to a JSON-ready dict
(`RunCursor.to_json`), and parses back with validation (a bad cursor is a ``ValueError``
that names the problem, never a half-built value).

Example:
    ```python
    stream = client.agents.stream("assistant", "Write a report", background=True)
    for ev in stream:
        handle(ev)
        store.save(str(stream.cursor))            # after handling: the checkpoint

    # later, in any process, with any client for the same server:
    stream = client.resume(RunCursor.from_string(store.load()))
    for ev in stream:                              # the events after the checkpoint, once each
        handle(ev)
    ```
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

__all__ = ["RunCursor"]

#: The kinds of runnable a cursor may name (events.TERMINAL_EVENTS keys).
_KINDS = ("agent", "team", "workflow")

#: The string form's prefix; a new layout gets a new one, and old strings keep parsing.
_PREFIX = "rc1."

#: Far above any real cursor (ids are UUIDs), low enough that a forged header costs nothing.
_MAX_STRING = 2048


@dataclass(frozen=True)
class RunCursor:
    """Where one background run's stream is: resume it after ``last_event_index`` (None: from
    the first event). Build one with ``stream.cursor``; re-attach with ``client.resume(cursor)``.

    Example:
        ```python
        cursor = RunCursor(kind="agent", entity_id="assistant", run_id=run_id, session_id=sid, last_event_index=4)
        text = cursor.to_string()                 # "rc1.eyJrIjoiYWdlbnQiLC..."
        assert RunCursor.from_string(text) == cursor
        ```
    """

    kind: str
    entity_id: str
    run_id: str
    session_id: Optional[str] = None
    last_event_index: Optional[int] = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"RunCursor.kind must be one of {', '.join(_KINDS)}; got {self.kind!r}")
        for name in ("entity_id", "run_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"RunCursor.{name} must be a non-empty str, got {value!r}")
        if self.session_id is not None and (not isinstance(self.session_id, str) or not self.session_id):
            raise ValueError(f"RunCursor.session_id must be a non-empty str or None, got {self.session_id!r}")
        index = self.last_event_index
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise ValueError(f"RunCursor.last_event_index must be an int >= 0 or None, got {index!r}")

    def after(self, last_event_index: Optional[int]) -> RunCursor:
        """The same run's cursor at another index (a browser's ``Last-Event-ID``, say)."""
        return dataclasses.replace(self, last_event_index=last_event_index)

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> Dict[str, Any]:
        """A dict of plain JSON values (Celery's default serializer, a database column)."""
        return {
            "kind": self.kind,
            "entity_id": self.entity_id,
            "run_id": self.run_id,
            "session_id": self.session_id,
            "last_event_index": self.last_event_index,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunCursor:
        """The cursor of `to_json`'s dict; ``ValueError`` names what is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a RunCursor's JSON must be an object, got {type(data).__name__}")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(f"a RunCursor's JSON has unknown fields: {', '.join(map(str, unknown))}")
        missing = sorted(name for name in ("kind", "entity_id", "run_id") if name not in data)
        if missing:
            raise ValueError(f"a RunCursor's JSON lacks {', '.join(missing)}")
        return cls(**dict(data))

    # -- string ----------------------------------------------------------------------------

    def to_string(self) -> str:
        """A compact, URL- and header-safe string (no ``=``, ``/``, ``+``, spaces or line breaks)."""
        # Short keys: the string goes into SSE ids and Last-Event-ID headers of every event.
        short = [self.kind[0], self.entity_id, self.run_id, self.session_id, self.last_event_index]
        raw = json.dumps(short, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return _PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def from_string(cls, text: str) -> RunCursor:
        """The cursor of `to_string`'s string; ``ValueError`` names what is wrong."""
        if not isinstance(text, str):
            raise ValueError(f"a RunCursor string must be a str, got {type(text).__name__}")
        text = text.strip()
        if len(text) > _MAX_STRING:
            raise ValueError(f"a RunCursor string is at most {_MAX_STRING} characters, got {len(text)}")
        if not text.startswith(_PREFIX):
            raise ValueError(f"not a RunCursor string (it must start with {_PREFIX!r}): {text[:40]!r}")
        body = text[len(_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            short = json.loads(raw.decode("utf-8"))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"a RunCursor string is corrupt (not base64url JSON): {text[:40]!r}") from exc
        if not isinstance(short, list) or len(short) != 5:
            raise ValueError("a RunCursor string is corrupt: expected 5 fields")
        kinds = {k[0]: k for k in _KINDS}
        if short[0] not in kinds:
            raise ValueError(f"a RunCursor string names an unknown kind {short[0]!r}")
        return cls(
            kind=kinds[short[0]],
            entity_id=short[1],
            run_id=short[2],
            session_id=short[3],
            last_event_index=short[4],
        )

    def __str__(self) -> str:
        return self.to_string()
