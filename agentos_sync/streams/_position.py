"""Where a run stream is, and what the next event means there: no I/O, only decisions.

`Position` holds a stream's place in its run (run_id, session_id, the last ``event_index``
delivered, the terminal event once seen) and the state of the current connection's answer (a
replay, and whether it comes from the server's database). It decides, for each event, whether it
is delivered, dropped as a duplicate, or a gap the stream must not deliver past (`accept`);
what a meta frame means (`on_meta`); whether a connection that closed ended the run
(`finished`), and if not, what kind of cut it was (`early_end`). See docs/architecture.md,
'Reconnecting'.

The stream's hot loop keeps an inline copy of `accept`'s in-order case (see
``RunStream._iterate``); ``tests/test_stream_position.py`` holds the two to the same output.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple

from .. import errors
from ..events import (
    ERROR_EVENTS,
    TERMINAL_EVENTS,
    ReplayEvent,
    RunEvent,
    StreamErrorEvent,
    StreamMetaEvent,
    _subclasses,
    terminal_status,
)
from ..models import RunOutput, RunStatus

__all__ = ["CONTINUE_LEG_START", "META_TYPES", "Cut", "Position", "Stale"]

#: The meta frame classes, for an exact type test on the hot path: isinstance() against a pydantic
#: model class goes through its metaclass's __instancecheck__, 75 ns against 25 ns (measured).
#: Events are only ever built from the registry's classes, so the set is complete.
META_TYPES: FrozenSet[type] = frozenset([StreamMetaEvent, *_subclasses(StreamMetaEvent)])

#: The event a continue leg starts with, per kind: a resume of a continue stream that has not
#: delivered anything yet replays the paused leg first, which is not this stream's.
CONTINUE_LEG_START: Dict[str, FrozenSet[str]] = {
    "agent": frozenset({"RunContinued"}),
    "team": frozenset({"TeamRunContinued"}),
    "workflow": frozenset({"WorkflowContinued", "StepContinued"}),
}

#: The event whose ``content`` pieces make the terminal event's ``content`` (agents and teams).
_CONTENT_EVENT = {"agent": "RunContent", "team": "TeamRunContent"}


class Cut(Exception):
    """A connection ended without the run's terminal event."""


class Stale(Exception):
    """A resume reached a process that cannot give the missing events: a worker that does not
    hold the live run (a ``replay`` RUNNING with no events) or a database replay with a gap.
    Retried on a fresh connection; ``running`` tells RunLostError from RunIncompleteError."""

    def __init__(self, reason: str, *, running: bool, missing: Optional[Tuple[int, Optional[int]]] = None) -> None:
        super().__init__(reason)
        self.running = running
        self.missing = missing


class Position:
    """One run stream's place in its run; see the module docstring.

    ``clock`` stamps the first delivered event and the last one (for ``stream.stats`` and the
    message of a foreground cut); ``sent_at`` is when the request was sent, the "last event" time
    until one arrives (a buffering gateway holds even the response head).
    """

    __slots__ = (
        "_clock",
        "content_chars",
        "content_event",
        "delivered",
        "dropped",
        "first_at",
        "from_db",
        "last_event_at",
        "last_event_index",
        "leg_start",
        "received_before_replay",
        "replay_expected",
        "replay_status",
        "run_id",
        "session_id",
        "terminal",
        "terminal_names",
    )

    def __init__(
        self,
        kind: str,
        run_id: Optional[str] = None,
        session_id: Optional[str] = None,
        last_event_index: Optional[int] = None,
        leg_start: Optional[FrozenSet[str]] = None,
        sent_at: Optional[float] = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run_id = run_id
        self.session_id = session_id
        #: The highest ``event_index`` delivered so far (None before the first indexed event).
        self.last_event_index = last_event_index
        self.terminal_names: FrozenSet[str] = TERMINAL_EVENTS[kind]
        #: The run's own terminal event(s): the first one ends the run.
        self.terminal: List[RunEvent] = []
        # Events before the leg's first one are another leg's (a continue stream, see accept).
        self.leg_start = leg_start
        # Characters of the run's own content delivered, when the stream saw it from its start:
        # what lets a database replay's renumbered terminal event be checked (see accept).
        self.content_event = _CONTENT_EVENT.get(kind) if last_event_index is None else None
        self.content_chars = 0
        self.delivered = 0
        self.dropped = 0  # duplicates and the paused leg's events: received, not delivered
        self.replay_status: Optional[str] = None
        # What the current connection's replay promised, to tell its end from an early close.
        self.replay_expected: Optional[int] = None
        # The current connection is a database replay (no total_buffered): its gaps are losses.
        self.from_db = False
        self.received_before_replay = 0
        self.first_at: Optional[float] = None
        self.last_event_at = clock() if sent_at is None else sent_at
        self._clock = clock

    def new_connection(self) -> None:
        """A new connection's answer starts: what the last one's replay said no longer holds."""
        self.replay_status = None
        self.replay_expected = None
        self.from_db = False

    def fast_lane(self) -> Tuple[int, bool]:
        """The last index delivered, and whether the stream may accept in-order events itself: the
        run and session are known, a first event was delivered (so no paused leg is being skipped:
        that ends before it), and the connection is not a database replay (whose gaps and
        renumbered terminal event only `accept` judges)."""
        last = self.last_event_index
        fast = (
            last is not None
            and self.first_at is not None
            and not self.from_db
            and self.run_id is not None
            and self.session_id is not None
        )
        return (-1 if last is None else last), fast

    def add_counts(self, chars: int, delivered: int) -> int:
        """Add what the stream's fast lane delivered and counted in its own locals; returns 0,
        what those locals start again from."""
        self.content_chars += chars
        self.delivered += delivered
        return 0

    def accept(self, ev: RunEvent) -> bool:
        """Whether to deliver ``ev`` (a run event, not a meta frame), updating the position.
        Raises `Stale` at a database replay's gap: nothing past it is delivered."""
        index = ev.event_index
        own_terminal = ev.event in self.terminal_names and (self.run_id is None or ev.run_id == self.run_id)
        if self.leg_start is not None:
            if ev.event not in self.leg_start:
                self.dropped += 1
                return False  # the paused leg, replayed before this stream's own leg
            self.leg_start = None
        if index is not None:
            last = self.last_event_index
            if self.from_db:
                expected = 0 if last is None else last + 1
                if own_terminal and not self.terminal:
                    self._check_stored_terminal(ev, index, expected)
                    index = expected  # in this stream it comes next
                    ev.event_index = index
                elif index > expected:
                    missing = (expected, index - 1)
                    raise Stale(
                        f"the server replayed run {self.run_id} from its database, which lacks events "
                        f"{missing[0]}-{missing[1]} (agno stores no RunContent events by default)",
                        running=False,
                        missing=missing,
                    )
                elif index < expected:
                    self.dropped += 1
                    return False  # a duplicate
            elif last is not None and index <= last:
                self.dropped += 1
                return False  # a resume replays what we already delivered
            self.last_event_index = index
        if self.run_id is None:
            self.run_id = ev.run_id
        if self.session_id is None:
            self.session_id = ev.session_id
        now = self._clock()
        self.last_event_at = now
        if own_terminal:
            self.terminal.append(ev)
        elif ev.event == self.content_event and ev.run_id == self.run_id:
            content = getattr(ev, "content", None)
            if isinstance(content, str):
                self.content_chars += len(content)
        if self.first_at is None:
            self.first_at = now
        self.delivered += 1
        return True

    def _check_stored_terminal(self, ev: RunEvent, index: int, expected: int) -> None:
        """The stored terminal event may carry its published index or its position in the stored
        list (agno numbers unstamped events by position), so its index proves nothing either way:
        it is the run's end if the content delivered adds up to its content, whatever its index."""
        content = getattr(ev, "content", None)
        chars = len(content) if isinstance(content, str) else None
        checked = self.content_event is not None and chars == self.content_chars
        if not checked and not (self.content_event is None and index == expected):
            raise Stale(
                f"the server replayed run {self.run_id}'s terminal event from its database, and "
                "the events before it cannot be checked (the content delivered does not add up)",
                running=False,
                missing=(expected, None),
            )

    def on_meta(self, ev: StreamMetaEvent) -> None:
        """Error frames become errors; a replay's status decides whether its end is the run's."""
        if isinstance(ev, StreamErrorEvent):
            text = ev.error or ev.message or "unknown error"
            if "not found" in text.lower():
                raise errors.RunNotFoundError(
                    f"The server does not know run {self.run_id}: {text}. Check the run_id and the "
                    "session_id (the database lookup needs it).",
                    run_id=self.run_id,
                    session_id=self.session_id,
                    last_event_index=self.last_event_index,
                )
            raise Cut(f"the server's event stream failed: {text}")
        if isinstance(ev, ReplayEvent):
            self.replay_status = ev.status
            self.replay_expected = ev.total_events
            self.received_before_replay = self.delivered + self.dropped
            # The live buffer's replay says how much it buffered; the database fallback does not.
            self.from_db = ev.total_buffered is None

    def finished(self, *, at_close: bool) -> bool:
        """Whether the run is over: its terminal event was delivered, or (``at_close``: the
        connection closed cleanly) a replay from the live buffer of a finished run has delivered
        what it announced (the buffer holds every event: nothing after the floor is left)."""
        if self.terminal:
            return True
        if not at_close or self.replay_status is None or self.replay_status.upper() not in RunStatus.TERMINAL:
            return False
        if self.from_db:
            return False  # a database replay without the terminal event: see early_end
        expected = self.replay_expected
        return expected is None or self.delivered + self.dropped - self.received_before_replay >= expected

    def early_end(self, reason: str) -> Exception:
        """What a connection that closed before the run's end means: a plain cut, or a stale
        answer when it was a replay (another worker, or a database that lacks the events)."""
        status = self.replay_status
        if status is None:
            return Cut(reason)
        if status.upper() in RunStatus.TERMINAL:
            start = 0 if self.last_event_index is None else self.last_event_index + 1
            return Stale(
                f"the server replayed run {self.run_id} ({status}) without its events after event_index "
                f"{self.last_event_index}",
                running=False,
                missing=(start, None),
            )
        return Stale(
            f"the server answered for run {self.run_id} with status {status} and no new events (a worker "
            "that does not hold the live run, or a server that restarted mid-run)",
            running=True,
        )

    def output(self) -> RunOutput:
        """The run's result, built from its terminal event; `RunFailedError` after an error event."""
        first = self.terminal[0]
        last = self.terminal[-1]
        status = terminal_status(first.event) or RunStatus.COMPLETED
        data: Dict[str, Any] = {k: v for k, v in last.model_dump(exclude_none=True).items() if k != "event"}
        data.pop("event_index", None)
        data["status"] = status
        data.setdefault("run_id", self.run_id)
        data.setdefault("session_id", self.session_id)
        output = RunOutput.model_validate(data)
        if first.event in ERROR_EVENTS:
            message = first.content or getattr(first, "error", None) or "the run failed"
            raise errors.RunFailedError(f"Run {self.run_id} failed: {message}", event=first, output=output)
        return output
