"""Layer 2: ``RunStream``, an iterator over one run's events that survives dropped connections.

This is the one place that knows the reconnect rules (DESIGN.md "Reconnect rules"):

- A stream is resumable when its events carry ``event_index`` (background runs, ``resume_*``).
  A cut resumable stream calls ``/resume`` with the last index it delivered; a cut foreground
  stream raises `StreamInterruptedError` and is never re-run.
- A cut is a broken connection, a read timeout, a clean close before the run's terminal event, an
  ``event: error`` frame saying the server's event stream failed, or 5xx/429/refused on
  ``/resume``. 400/401/403/404/422 and "run not found" are not retried.
- Events at or below the last delivered index are dropped (resumes replay them), except the run's
  own terminal event while none was delivered (a database replay may number it by position).
- Gaps are allowed where the server makes them on purpose: its live buffer (``catch_up``,
  ``subscribed``, a ``replay`` with ``total_buffered``) holds every event it published, with
  indices that retries and continue legs leave gapped. A database replay (a ``replay`` without
  ``total_buffered``: another worker, or a restarted server) holds only the STORED events, and
  agno does not store RunContent by default: there a gap is a loss. The stream never delivers
  past one; it counts the answer as stale and resumes again on a fresh connection (another worker
  may hold the run), then raises `RunIncompleteError` with the
  missing ranges and the run's stored output. A ``replay`` RUNNING with no events is the same
  kind of stale answer, ending in `RunLostError`.
- The run ends at the first terminal event carrying the stream's own run_id (a workflow's nested
  agent ``RunCompleted`` is not it). What the server sends after it is still delivered, and a
  close or cut after it is the normal end. A ``replay`` reporting a terminal status ends the
  stream once its events are delivered.
- A cut before the first event (run_id unknown) finds the run the create made in its session (by
  the run_id the create asked for, or the tag it carried) and resumes it from the start; it re-sends the create (same
  ``Idempotency-Key``) only when the server provably never got it.
- A continue stream's own leg starts at its ``*Continued`` event: what a resume replays before it
  is the paused leg's (numbered from 0 again when that leg was a foreground stream).

The stream knows nothing of HTTP: it asks a `RunSource` (built by the client) to open
``/resume``, to list a session's runs, or to fetch the run's stored output.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
import warnings
import weakref
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Generator,
    Iterator,
    List,
    Optional,
    Protocol,
    Tuple,
)

from . import _waits, errors
from ._lost import CREATE_SETTLE_S, fetch_hint
from .events import (
    ERROR_EVENTS,
    TERMINAL_EVENTS,
    CatchUpEvent,
    ReplayEvent,
    RunEvent,
    StreamErrorEvent,
    StreamMetaEvent,
    SubscribedEvent,
    _subclasses,
    terminal_status,
)
from .models import RunOutput, RunStatus
from .retry import ReconnectGaveUp, ReconnectPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES, TruncatedFrame, iter_events
from .transports.base import Response

if TYPE_CHECKING:
    from ._worker import StreamWorker
    from .cursors import RunCursor

__all__ = ["RunSource", "RunStream", "StreamStats"]

logger = logging.getLogger("agentos_sync")


class RunSource(Protocol):
    """What a run stream needs from the client to reconnect. Implemented in ``_runs.py``."""

    def resume(
        self, run_id: str, session_id: Optional[str], last_event_index: Optional[int], *, fresh: bool = False
    ) -> Response:
        """Open ``POST .../runs/{run_id}/resume`` (``fresh``: on a new connection, which may reach
        another worker); raises status errors like any request."""

    def locate(self, session_id: str) -> Optional[str]:
        """The run_id of the run this stream's create made in ``session_id`` (the run_id it asked
        for, or its tag), or None if the server has not made it."""

    def recreate(self) -> Response:
        """Send the create request again (only called when it provably created nothing)."""

    def get_run(self, run_id: str, session_id: Optional[str]) -> RunOutput:
        """The run as the server stores it."""


@dataclass(frozen=True)
class StreamStats:
    """What one run stream took: ``events`` delivered, body ``bytes`` read (every connection),
    ``cuts`` (outages), ``resumes`` (successful resumes), ``time_to_first_event`` (seconds from
    the create or resume request to the first delivered event; None before it) and ``elapsed``
    (seconds from that request to the stream's end, or to now while it runs). The same figures
    end the stream's summary log line. While a stream is being read, ``events`` may trail by the
    events of the current connection; it is exact once the stream has ended.

    Example:
        ```python
        for ev in stream:
            ...
        print(stream.stats.events, stream.stats.resumes, stream.stats.time_to_first_event)
        ```
    """

    events: int
    bytes: int
    cuts: int
    resumes: int
    time_to_first_event: Optional[float]
    elapsed: float


class _Cut(Exception):
    """A connection ended without the run's terminal event."""


class _Closed(Exception):
    """The stream was closed (from another thread) while it was reconnecting."""


class _RunNotLocated(Exception):
    """The run a cut create made is not (yet) listed in its session."""


class _DeadlineExceeded(errors.APITimeoutError):
    """The stream's own total deadline passed: final, never a cut to resume from."""


class _Stale(Exception):
    """A resume reached a process that cannot give the missing events: a worker that does not
    hold the live run (a ``replay`` RUNNING with no events) or a database replay with a gap.
    Retried on a fresh connection; ``running`` tells RunLostError from RunIncompleteError."""

    def __init__(self, reason: str, *, running: bool, missing: Optional[Tuple[int, Optional[int]]] = None) -> None:
        super().__init__(reason)
        self.running = running
        self.missing = missing


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (errors.RunNotFoundError, errors.ProtocolError, errors.StreamError, _DeadlineExceeded)):
        return False
    if isinstance(exc, (errors.APIConnectionError, _Cut, TruncatedFrame, _RunNotLocated, _Stale)):
        return True
    if isinstance(exc, errors.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


_CUTS = (errors.APIConnectionError, _Cut, TruncatedFrame, _Stale)

#: A foreground stream cut after this long without an event names a gateway's idle timeout as
#: the likely cause (nginx cuts a silent upstream after proxy_read_timeout, 60 s by default).
_LONG_SILENCE_S = 1.0

#: The meta frame classes, for an exact type test on the hot path: isinstance() against a pydantic
#: model class goes through its metaclass's __instancecheck__, 75 ns against 25 ns (measured).
#: Events are only ever built from the registry's classes, so the set is complete.
_META_TYPES: FrozenSet[type] = frozenset([StreamMetaEvent, *_subclasses(StreamMetaEvent)])

#: The event a continue leg starts with, per kind: a resume of a continue stream that has not
#: delivered anything yet replays the paused leg first, which is not this stream's.
CONTINUE_LEG_START: Dict[str, FrozenSet[str]] = {
    "agent": frozenset({"RunContinued"}),
    "team": frozenset({"TeamRunContinued"}),
    "workflow": frozenset({"WorkflowContinued", "StepContinued"}),
}

#: The event whose ``content`` pieces make the terminal event's ``content`` (agents and teams).
_CONTENT_EVENT = {"agent": "RunContent", "team": "TeamRunContent"}


class _Outage:
    """Bookkeeping of one outage (a cut until the next delivered event)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.not_located = 0
        #: A stale answer was seen: the next resumes go out on fresh connections.
        self.stale = False
        self.missing: Optional[Tuple[int, Optional[int]]] = None


def _from_buffer(head: List[RunEvent]) -> bool:
    """Whether a resume's first frames come from the run's live buffer, not the database."""
    meta = next((ev for ev in head if isinstance(ev, StreamMetaEvent)), None)
    if isinstance(meta, (CatchUpEvent, SubscribedEvent)):
        return True
    return isinstance(meta, ReplayEvent) and meta.total_buffered is not None


def _drive(stream: RunStream, events: Generator[RunEvent, None, None]) -> Iterator[RunEvent]:
    """What a for loop over a stream iterates: its events, with the stream kept alive for as long
    as the loop runs (the event generator holds it only weakly, see RunStream.__init__). The
    generator frame costs less per event than RunStream.__next__'s call."""
    try:
        # Not ``yield from``: closing this loop (a loop left early, ``next(iter(stream))``) must
        # not close the stream, which can be iterated again.
        for event in events:  # noqa: UP028
            yield event
    except ValueError as exc:
        if getattr(events, "gi_running", False):  # "generator already executing": another thread is in next()
            raise _second_consumer() from exc
        raise
    finally:
        del stream  # held until here, on purpose


def _counted(response: Response, total: List[int]) -> Iterator[bytes]:
    """The body's chunks, their sizes added to ``total[0]``: per read of the body (64 KiB at a
    time from the requests transport), not per event."""
    for chunk in response.iter_bytes():
        total[0] += len(chunk)
        yield chunk


def _second_consumer() -> RuntimeError:
    return RuntimeError(
        "This RunStream is being iterated by another thread; a stream has one consumer "
        "(share the client, not the stream)."
    )


def _deadline_fired(ref: weakref.ReferenceType[RunStream]) -> None:
    stream = ref()
    if stream is not None:
        stream._close_response()


class RunStream:
    """An iterator over one run's typed events; also a context manager.

    Resumable streams (``background=True`` or ``resume_*``) survive cuts: the caller sees every
    event exactly once, in order, while ``reconnects`` counts the resumes behind its back. The
    stream owns its connection: it is closed at the end, on error, on ``close()`` and when the
    stream is garbage collected (a stream collected while still open, such as one whose loop was
    left by ``break`` outside a ``with`` block, also warns with a ``ResourceWarning``, as an
    unclosed file does).

    One stream has one consumer: iterating it from two threads at once raises RuntimeError. The
    client that made it may be shared freely. A ``for`` loop may be left early and the stream
    iterated again later (it goes on from the next event); ``next(stream)`` works too. ``iter(stream)``
    is an iterator over the stream's events that keeps the stream alive, not the stream itself.

    Example:
        ```python
        with client.agents.stream("assistant", "Write a story", background=True) as stream:
            for ev in stream:
                if isinstance(ev, events.RunContentEvent):
                    print(ev.content, end="")
        print(stream.run_id, stream.last_event_index, stream.reconnects)
        ```
    """

    def __init__(
        self,
        *,
        source: RunSource,
        kind: str,
        response: Optional[Response],
        initial_error: Optional[BaseException] = None,
        resumable: bool,
        run_id: Optional[str] = None,
        session_id: Optional[str] = None,
        last_event_index: Optional[int] = None,
        policy: Optional[ReconnectPolicy] = None,
        on_reconnect: Optional[Callable[[StreamMetaEvent], Any]] = None,
        yield_meta: bool = False,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        deadline: Optional[float] = None,
        leg_start: Optional[FrozenSet[str]] = None,
        sent_at: Optional[float] = None,
        span: Any = None,
    ) -> None:
        self.run_id = run_id
        self.session_id = session_id
        #: The highest ``event_index`` delivered so far (None before the first indexed event).
        self.last_event_index = last_event_index
        #: How many times the stream resumed after a cut.
        self.reconnects = 0
        # Per stream, never per event: the first event's time is taken on the slow path (the
        # fast lane stays shut until it is set), bytes are counted per read of the body.
        # (Runs sets it earlier, to when the create or resume request was sent.)
        self._started_at = time.monotonic()
        self._first_at: Optional[float] = None
        self._ended_at: Optional[float] = None
        self._cuts = 0
        self._bytes = [0]
        #: An OpenTelemetry span for the whole stream (``_otel``), ended with it; None without.
        self._span = span
        self._source = source
        self._kind = kind
        self._terminal_names: FrozenSet[str] = TERMINAL_EVENTS[kind]
        self._resumable = resumable
        self._policy = policy or ReconnectPolicy()
        self._on_reconnect = on_reconnect
        self._hide_meta = not yield_meta
        self._max_event_bytes = max_event_bytes
        # Events before the leg's first one are another leg's (a continue stream, see _accept).
        self._leg_start = leg_start
        self._terminal: List[RunEvent] = []
        self._replay_status: Optional[str] = None
        # What the current connection's replay promised, to tell its end from an early close.
        self._replay_expected: Optional[int] = None
        # The current connection is a database replay (no total_buffered): its gaps are losses.
        self._from_db = False
        self._received_before_replay = 0
        self._delivered = 0
        # When the last event arrived (set in _accept, which a foreground stream's events all
        # take), at first when the request was sent (a buffering gateway holds even the response
        # head): a cut after a long silence is most likely a gateway's idle timeout.
        self._last_event_at = time.monotonic() if sent_at is None else sent_at
        self._dropped = 0  # duplicates and the paused leg's events: received, not delivered
        # Characters of the run's own content delivered, when the stream saw it from its start:
        # what lets a database replay's renumbered terminal event be checked (see _accept).
        self._content_event = _CONTENT_EVENT.get(kind) if last_event_index is None else None
        self._content_chars = 0
        # Held from the start: a stream closed before its first next() still closes its response.
        self._response: Optional[Response] = response
        # The responses of a hedged resume being opened (close() closes them too).
        self._hedges: List[Response] = []
        self._closed = False
        # A total budget for the whole stream in wall time: the read timeout bounds one silence,
        # but a server that trickles a byte a second never trips it, and a reader blocked in recv
        # checks nothing. So a timer closes the current response at the deadline (the transport's
        # close() wakes a blocked reader), and the loop, finding the deadline passed, raises; the
        # reconnect waits are clipped to it too. Per-connection read timeouts clipped to the
        # remaining time would need a transport knob per read and still miss a trickle.
        self._deadline_s = deadline
        self._deadline_at = None if deadline is None else time.monotonic() + deadline
        self._timer: Optional[threading.Timer] = None
        if deadline is not None:
            # A weak reference: an abandoned stream must not live on until its deadline.
            self._timer = threading.Timer(deadline, _deadline_fired, args=(weakref.ref(self),))
            self._timer.daemon = True
            self._timer.start()
        # The generator sees the stream through a weak proxy: a strong reference would make a
        # stream <-> generator cycle, and an abandoned stream (a loop left by return) would keep
        # its socket until the cycle collector ran. With the proxy, dropping the last reference
        # runs __del__ at once, which closes the connection.
        self._gen: Generator[RunEvent, None, None] = RunStream._iterate(weakref.proxy(self), response, initial_error)
        self._next: Callable[[], RunEvent] = self._gen.__next__

    # -- iteration -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[RunEvent]:
        # A for loop drives the event generator itself: RunStream.__next__ is one more Python
        # frame per event, 0.10-0.15 us of ~2.7 (measured 2026-12-01 on 100k RunContent events).
        # next(stream) still goes through __next__, and so does a loop over a closed stream (its
        # StreamError) or one started while another thread is inside next() (its RuntimeError).
        if self._closed or getattr(self._gen, "gi_running", False):
            return self
        return _drive(self, self._gen)

    def __next__(self) -> RunEvent:
        # Kept minimal: it runs once per event (a lock here cost ~15% of the throughput). The
        # generator's own guard detects a second consumer; its `finally` does the cleanup.
        try:
            return self._next()
        except ValueError as exc:
            if getattr(self._gen, "gi_running", False):  # "generator already executing": another thread is in next()
                raise _second_consumer() from exc
            raise

    def _after_close(self) -> RunEvent:
        raise errors.StreamError(
            "This stream was closed; open a new one (or resume_run_stream with its run_id).",
            run_id=self.run_id,
            session_id=self.session_id,
            last_event_index=self.last_event_index,
        )

    def _iterate(
        self, response: Optional[Response], initial_error: Optional[BaseException]
    ) -> Generator[RunEvent, None, None]:
        # Events a resume read ahead (up to its first new one) and already accepted.
        pending: List[RunEvent] = []
        # What the fast lane below delivered and counted since the stream's own counts were last
        # brought up to date: two proxied read-modify-writes per event less (~80 ns of ~3 us).
        chars = delivered = 0
        try:
            if response is not None:
                events: Iterator[RunEvent] = self._open_events(response)
            else:
                assert initial_error is not None
                pending, events = self._after_cut(initial_error)
            while True:
                try:
                    for ev in pending:
                        if isinstance(ev, StreamMetaEvent):
                            if self._hide_meta:
                                if self._on_reconnect is not None:
                                    self._on_reconnect(ev)
                                continue
                        elif self._closed:
                            return
                        yield ev
                    pending = []
                    # The fast lane: an event that is neither terminal nor out of order, on a
                    # connection that is not a database replay nor a continue's paused leg, is
                    # accepted here without the call to _accept (it does what _accept would,
                    # with the counts kept in locals until something reads them).
                    # ``self`` is a weak proxy, each attribute costs ~18 ns: measured on 100k
                    # RunContent events, the call and its reads were 0.3 us of 3.0 us per event.
                    last, fast = self._fast_lane()
                    terminal, content_event, run_id = self._terminal_names, self._content_event, self.run_id
                    for ev in events:
                        if type(ev) in _META_TYPES:
                            assert isinstance(ev, StreamMetaEvent)
                            self._add_counts(chars, delivered)
                            chars = delivered = 0
                            self._on_meta(ev)
                            last, fast = self._fast_lane()
                            if self._hide_meta:
                                if self._on_reconnect is not None:
                                    self._on_reconnect(ev)
                                continue
                            yield ev
                            continue
                        if self._closed:
                            return  # close() from another thread: nothing is delivered after it
                        index = ev.event_index
                        if fast and index is not None and index > last and (name := ev.event) not in terminal:
                            if name == content_event and ev.run_id == run_id:
                                content = ev.content
                                if isinstance(content, str):
                                    chars += len(content)
                            self.last_event_index = last = index
                            delivered += 1
                            yield ev
                            continue
                        # _accept reads the counts: the fast lane's are added first.
                        self._add_counts(chars, delivered)
                        chars = delivered = 0
                        if self._accept(ev):
                            last, fast = self._fast_lane()
                            run_id = self.run_id
                            yield ev
                        else:
                            last, fast = self._fast_lane()
                    self._add_counts(chars, delivered)
                    chars = delivered = 0
                    self._close_response()
                    if self._finished(at_close=True):
                        return
                    self._check_deadline()  # the deadline timer closed it
                    raise self._early_end("the server closed the stream before the run's terminal event")
                except _CUTS as exc:
                    self._add_counts(chars, delivered)
                    chars = delivered = 0
                    self._close_response()
                    if self._closed:
                        return  # close() from another thread: a clean end
                    if self._finished(at_close=False):
                        return  # a cut after the terminal event
                    self._check_deadline()
                    if not self._resumable:
                        raise self._interrupted(exc) from exc
                    try:
                        pending, events = self._after_cut(exc)
                    except _Closed:
                        return
                    # Meta frames of the connections that follow are the client's business, not
                    # the caller's: they go to on_reconnect.
                    self._hide_meta = True
        finally:
            # Exhausted, failed or closed: no more events, and the connection goes back or away.
            # ReferenceError: the stream itself is gone (abandoned; its __del__ closed it).
            with contextlib.suppress(ReferenceError):
                self._closed = True
                self._close_response()
                self._cancel_timer()
                self._finish()

    def _add_counts(self, chars: int, delivered: int) -> None:
        """Bring the stream's counts up to date with what the fast lane counted in its locals."""
        self._content_chars += chars
        self._delivered += delivered

    def _fast_lane(self) -> Tuple[int, bool]:
        """The last index delivered, and whether the loop may accept in-order events itself: the
        run and session are known, no paused leg is being skipped, and the connection is not a
        database replay (whose gaps and renumbered terminal event only _accept judges)."""
        last = self.last_event_index
        fast = (
            last is not None
            and self._first_at is not None
            and self._leg_start is None
            and not self._from_db
            and self.run_id is not None
            and self.session_id is not None
        )
        return (-1 if last is None else last), fast

    def _accept(self, ev: RunEvent) -> bool:
        """Whether to deliver ``ev`` (a run event, not a meta frame), updating the position.
        Raises _Stale at a database replay's gap: nothing past it is delivered."""
        index = ev.event_index
        own_terminal = ev.event in self._terminal_names and (self.run_id is None or ev.run_id == self.run_id)
        if self._leg_start is not None:
            if ev.event not in self._leg_start:
                self._dropped += 1
                return False  # the paused leg, replayed before this stream's own leg
            self._leg_start = None
        if index is not None:
            last = self.last_event_index
            if self._from_db:
                expected = 0 if last is None else last + 1
                if own_terminal and not self._terminal:
                    # The stored terminal event may carry its published index or its position in
                    # the stored list (agno numbers unstamped events by position), so its index
                    # proves nothing either way: it is the run's end if the content delivered
                    # adds up to its content, whatever index it has.
                    content = getattr(ev, "content", None)
                    chars = len(content) if isinstance(content, str) else None
                    checked = self._content_event is not None and chars == self._content_chars
                    if not checked and not (self._content_event is None and index == expected):
                        raise _Stale(
                            f"the server replayed run {self.run_id}'s terminal event from its database, and "
                            "the events before it cannot be checked (the content delivered does not add up)",
                            running=False,
                            missing=(expected, None),
                        )
                    index = expected  # in this stream it comes next
                    ev.event_index = index
                elif index > expected:
                    missing = (expected, index - 1)
                    raise _Stale(
                        f"the server replayed run {self.run_id} from its database, which lacks events "
                        f"{missing[0]}-{missing[1]} (agno stores no RunContent events by default)",
                        running=False,
                        missing=missing,
                    )
                elif index < expected:
                    self._dropped += 1
                    return False  # a duplicate
            elif last is not None and index <= last:
                self._dropped += 1
                return False  # a resume replays what we already delivered
            self.last_event_index = index
        if self.run_id is None:
            self.run_id = ev.run_id
        if self.session_id is None:
            self.session_id = ev.session_id
        self._last_event_at = time.monotonic()
        if own_terminal:
            self._terminal.append(ev)
        elif ev.event == self._content_event and ev.run_id == self.run_id:
            content = getattr(ev, "content", None)
            if isinstance(content, str):
                self._content_chars += len(content)
        if self._first_at is None:
            self._first_at = time.monotonic()
        self._delivered += 1
        return True

    def _finished(self, *, at_close: bool) -> bool:
        if self._terminal:
            return True
        if not at_close or self._replay_status is None or self._replay_status.upper() not in RunStatus.TERMINAL:
            return False
        if self._from_db:
            return False  # a database replay without the terminal event: see _early_end
        # A replay from the live buffer of a finished run ends the stream once it has delivered
        # what it announced (the buffer holds every event: nothing after the floor is left).
        expected = self._replay_expected
        return expected is None or self._delivered + self._dropped - self._received_before_replay >= expected

    def _early_end(self, reason: str) -> Exception:
        """What a connection that closed before the run's end means: a plain cut, or a stale
        answer when it was a replay (another worker, or a database that lacks the events)."""
        status = self._replay_status
        if status is None:
            return _Cut(reason)
        if status.upper() in RunStatus.TERMINAL:
            start = 0 if self.last_event_index is None else self.last_event_index + 1
            return _Stale(
                f"the server replayed run {self.run_id} ({status}) without its events after event_index "
                f"{self.last_event_index}",
                running=False,
                missing=(start, None),
            )
        return _Stale(
            f"the server answered for run {self.run_id} with status {status} and no new events (a worker "
            "that does not hold the live run, or a server that restarted mid-run)",
            running=True,
        )

    def _open_events(self, response: Response, frames: Optional[Iterator[RunEvent]] = None) -> Iterator[RunEvent]:
        """The events of one HTTP response as they are decoded (``frames``, when already being
        read), meta frames included. The response becomes the stream's current one (closed by
        the loop, by close(), or on error)."""
        self._response = response
        self._replay_status = None
        self._replay_expected = None
        self._from_db = False
        if self._closed:
            raise _Closed()  # closed while this response was being opened: release it at once
        self._check_deadline()  # the deadline timer may have fired while it was being opened
        return frames if frames is not None else iter_events(_counted(response, self._bytes), self._max_event_bytes)

    def _on_meta(self, ev: StreamMetaEvent) -> None:
        """Error frames become errors; a replay's status decides whether its end is the run's."""
        if isinstance(ev, StreamErrorEvent):
            self._raise_error_frame(ev)
        if isinstance(ev, ReplayEvent):
            self._replay_status = ev.status
            self._replay_expected = ev.total_events
            self._received_before_replay = self._delivered + self._dropped
            # The live buffer's replay says how much it buffered; the database fallback does not.
            self._from_db = ev.total_buffered is None

    def _check_deadline(self) -> None:
        if self._deadline_at is not None and time.monotonic() >= self._deadline_at:
            raise _DeadlineExceeded(
                f"The stream of run {self.run_id} passed its deadline of {self._deadline_s}s (at event_index "
                f"{self.last_event_index}); pass a larger deadline=, or resume it later."
            )

    def _cancel_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _raise_error_frame(self, ev: StreamErrorEvent) -> None:
        text = ev.error or ev.message or "unknown error"
        if "not found" in text.lower():
            raise errors.RunNotFoundError(
                f"The server does not know run {self.run_id}: {text}. Check the run_id and the "
                "session_id (the database lookup needs it).",
                run_id=self.run_id,
                session_id=self.session_id,
                last_event_index=self.last_event_index,
            )
        raise _Cut(f"the server's event stream failed: {text}")

    def _interrupted(self, cause: BaseException) -> errors.StreamInterruptedError:
        """The error for a foreground stream's cut: which run, that it may still complete and how
        to fetch it, and, after a long silence, the gateway idle timeout that likely cut it."""
        silence = time.monotonic() - self._last_event_at
        why = ""
        if silence >= _LONG_SILENCE_S and not isinstance(cause, errors.APITimeoutError):
            why = (
                f" Nothing had arrived for {silence:.1f} s before the cut: a gateway's idle timeout (nginx's "
                "proxy_read_timeout, 60 s by default; cloud load balancers' idle timeout, often 60 s) is the likely "
                "cause, since AgentOS sends no keep-alive on a run's first stream. Run it with background=True (its "
                "stream resumes after a cut) or raise the gateway's timeout."
            )
        # Before its first event the stream knows its run only by the id its create asked for.
        run_id = self.run_id or getattr(self._source, "requested_run_id", None)
        hint = fetch_hint(self._kind + "s", getattr(self._source, "entity_id", "?"), run_id, self.session_id)
        return errors.StreamInterruptedError(
            f"The stream of foreground run {run_id or '(not started)'} (session {self.session_id}) was cut "
            f"after {self._delivered} events ({cause}). It is not re-run (it could run twice); the run may still "
            f"complete on the server: fetch its result with {hint}. "
            f"Use background=True for runs that must survive a dropped connection.{why}",
            events_received=self._delivered,
            run_id=run_id,
            session_id=self.session_id,
            request=getattr(cause, "request", None),  # its request_id is shown
        )

    # -- reconnecting ----------------------------------------------------------------------

    def _after_cut(self, cause: BaseException) -> Tuple[List[RunEvent], Iterator[RunEvent]]:
        """Resume after ``cause`` within the policy: the new connection's frames up to its first
        new event, already accepted (so that a connection which dies at once, or a stale answer,
        counts as a failed attempt), and the rest of its events."""
        if not self._resumable:
            raise cause
        self._cuts += 1
        logger.warning(
            "stream of run %s cut (%s); reconnect %d resumes after event_index %s",
            self.run_id,
            cause,
            self._cuts,
            self.last_event_index,
        )
        outage = _Outage()
        if isinstance(cause, _Stale):
            outage.stale, outage.missing = True, cause.missing

        def on_retry(attempt: int, exc: BaseException, wait: float) -> None:
            if attempt > 1:
                logger.warning("resume of run %s failed (%s); retry %d in %.2fs", self.run_id, exc, attempt, wait)

        try:
            return self._policy.reconnect(
                lambda: self._resume_once(outage),
                cause=cause,
                retry_on=_retryable,
                on_retry=on_retry,
                deadline_at=self._deadline_at,
            )
        except ReconnectGaveUp as gave_up:
            if self._closed:
                raise _Closed() from None
            self._check_deadline()
            raise self._gave_up(gave_up, outage) from gave_up.last
        except BaseException:
            if self._closed:
                raise _Closed() from None  # whatever close() made the attempt raise
            raise

    def _gave_up(self, gave_up: ReconnectGaveUp, outage: _Outage) -> errors.StreamError:
        last = gave_up.last
        where: Dict[str, Any] = dict(
            run_id=self.run_id,
            session_id=self.session_id,
            last_event_index=self.last_event_index,
            request=getattr(last, "request", None),  # the last resume's, so its request_id shows
        )
        if isinstance(last, _Stale) and last.running:
            return errors.RunLostError(
                f"Run {self.run_id} (session {self.session_id}): the server reports it "
                f"{self._replay_status or 'RUNNING'} "
                f"but no process the stream reached holds its events after event_index {self.last_event_index} "
                f"({gave_up.attempts} resumes, on fresh connections). Either the server restarted mid-run (then "
                "nothing will finish it: check it with get_*_run and start it again), or this is a multi-worker "
                "deployment (uvicorn --workers N, several replicas) without a shared event stream, and the "
                "resumes never reached the worker that runs it: configure agno's Redis event stream, "
                "AgentOS(queue=QueueConfig(redis=...)), or resume again later.",
                **where,
            )
        if outage.stale and not (isinstance(last, _Stale) and last.running):
            missing = last.missing if isinstance(last, _Stale) and last.missing else outage.missing
            output: Optional[RunOutput] = None
            if self.run_id is not None:
                with contextlib.suppress(errors.AgentOSError):
                    output = self._source.get_run(self.run_id, self.session_id)
            span = "?" if missing is None else f"{missing[0]}-{'end' if missing[1] is None else missing[1]}"
            return errors.RunIncompleteError(
                f"Run {self.run_id} (session {self.session_id}) finished, but its events {span} never arrived: "
                f"every answer of {gave_up.attempts} resumes came from the server's database, which does not "
                "hold them (agno stores no RunContent events by default). This happens on a multi-worker "
                "deployment without agno's Redis event stream (QueueConfig(redis=...)) or after a restart. "
                "exc.output is the run as stored: its content is the whole answer.",
                missing=[missing] if missing else [],
                output=output,
                **where,
            )
        return errors.ReconnectExhaustedError(
            f"Could not resume run {self.run_id or '(unknown)'} (session {self.session_id}) "
            f"after event_index {self.last_event_index}: {last}. The run may still be going on "
            "the server; resume it later with client.resume_*_run_stream(..., "
            "last_event_index=exc.last_event_index, session_id=exc.session_id).",
            attempts=gave_up.attempts,
            **where,
        )

    def _resume_once(self, outage: _Outage) -> Tuple[List[RunEvent], Iterator[RunEvent]]:
        if self._closed:
            raise _Closed()  # close() during the backoff: no new connection after it
        self._check_deadline()
        if self.run_id is None:
            response = self._open_unlocated(outage)
            frames: Optional[Iterator[RunEvent]] = None
        elif outage.stale and self._policy.hedge > 1:
            response, frames = self._hedged_resume(self.run_id)
        else:
            response, frames = self._source.resume(self.run_id, self.session_id, self.last_event_index), None
        pending: List[RunEvent] = []
        try:
            events = self._open_events(response, frames)
            for ev in events:
                if isinstance(ev, StreamMetaEvent):
                    pending.append(ev)
                    self._on_meta(ev)
                    continue
                # Checked here, not only in the loop, so that a stale answer is a failed attempt.
                if self._accept(ev):
                    pending.append(ev)
                    break
            else:
                if not self._finished(at_close=True):
                    raise self._early_end("the resumed stream closed before delivering a new event")
        except _Stale as exc:
            self._close_response()
            outage.stale, outage.missing = True, exc.missing or outage.missing
            raise
        except BaseException:
            self._close_response()
            raise
        self.reconnects += 1
        if self._span is not None:
            self._span.add_event(
                "resume", {"agentos.after_event_index": -1 if self.last_event_index is None else self.last_event_index}
            )
        return pending, events

    def _hedged_resume(self, run_id: str) -> Tuple[Response, Iterator[RunEvent]]:
        """``policy.hedge`` resumes on new connections, a few ms apart; the one answered from the
        live buffer (catch_up, subscribed, or a replay with total_buffered) is kept, the others
        closed. Without one, the first that answered at all (a stale answer, judged as usual)."""
        count = self._policy.hedge
        answers: List[Optional[Tuple[Response, List[RunEvent], Iterator[RunEvent]]]] = [None] * count
        failures: List[BaseException] = []
        last = self.last_event_index

        def probe(i: int) -> None:
            try:
                if i:
                    # Staggered, not simultaneous: a worker accepts every pending connection at
                    # once, but one busy with the first request leaves the next to another
                    # (2 ms reached both workers in 25 of 30 pairs, 0 ms in 11: measured).
                    time.sleep(0.002 * i)
                if self._closed:
                    return
                response = self._source.resume(run_id, self.session_id, last, fresh=True)
                self._hedges.append(response)
                frames = iter_events(_counted(response, self._bytes), self._max_event_bytes)
                head: List[RunEvent] = []
                for ev in frames:
                    head.append(ev)
                    if not isinstance(ev, StreamMetaEvent) or isinstance(
                        ev, (CatchUpEvent, SubscribedEvent, ReplayEvent)
                    ):
                        break
                answers[i] = (response, head, frames)
            except Exception as exc:  # judged by the caller like any failed resume
                failures.append(exc)

        helpers = [threading.Thread(target=probe, args=(i,), daemon=True) for i in range(1, count)]
        for helper in helpers:
            helper.start()
        probe(0)
        for helper in helpers:
            _waits.join(helper)
        got = [a for a in answers if a is not None]
        chosen = next((a for a in got if _from_buffer(a[1])), got[0] if got else None)
        for answer in got:
            if answer is not chosen:
                answer[0].close()
        self._hedges = []
        if chosen is None:
            if self._closed:
                raise _Closed()
            raise failures[0]
        return chosen[0], itertools.chain(chosen[1], chosen[2])

    def _open_unlocated(self, outage: _Outage) -> Response:
        """The create was cut before its first event: find the run it made, or make it once."""
        assert self.session_id is not None, "creates always send a session_id"
        run_id = self._source.locate(self.session_id)
        if run_id is not None:
            self.run_id = run_id
            return self._source.resume(run_id, self.session_id, None, fresh=outage.stale)
        outage.not_located += 1
        if outage.not_located < 2 or time.monotonic() - outage.started < CREATE_SETTLE_S:
            raise _RunNotLocated(f"no run in session {self.session_id} yet")
        # Absent from two listings, the last one CREATE_SETTLE_S after the cut: the server never
        # made the run. (A server still inside the create handler lists it moments later: 1 of
        # 200 header cuts was listed only after two lookups 20 ms apart.) The re-sent create
        # carries the same Idempotency-Key and run_id: a durable-queue server re-attaches it.
        logger.warning("create in session %s never reached the server; sending it again", self.session_id)
        return self._source.recreate()

    # -- results and lifecycle -------------------------------------------------------------

    def in_thread(
        self,
        *,
        on_event: Optional[Callable[[RunEvent], Any]] = None,
        on_error: Optional[Callable[[BaseException], Any]] = None,
        on_done: Optional[Callable[[], Any]] = None,
        maxsize: int = 1024,
    ) -> StreamWorker:
        """Consume this stream on a worker thread; wait on its queue with a timeout, or get
        callbacks. ``cancel()`` closes the stream. See `agentos_sync.concurrency.StreamWorker`.

        Example:
            ```python
            with client.agents.stream("assistant", "Hi", background=True).in_thread() as worker:
                while (ev := worker.get(timeout=30)) is not None:
                    print(ev.event)
            ```
        """
        from ._worker import StreamWorker

        return StreamWorker(self, on_event=on_event, on_error=on_error, on_done=on_done, maxsize=maxsize)

    def get_final_output(self) -> RunOutput:
        """Drain the stream and return the run's result, built from its terminal event.

        Raises `RunFailedError` when the run ended with an error
        event. When the stream ended on a ``replay`` without the terminal event (the server had
        no stored events), the run is fetched from the server.

        Example:
            ```python
            out = client.agents.stream("assistant", "Hi", background=True).get_final_output()
            print(out.status, out.content)
            ```
        """
        for _ in self:
            pass
        if not self._terminal:
            if self.run_id is None:
                raise errors.StreamError("The stream ended before the run started; there is no output.")
            return self._source.get_run(self.run_id, self.session_id)
        return self._output_from_terminal()

    def _output_from_terminal(self) -> RunOutput:
        first = self._terminal[0]
        last = self._terminal[-1]
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

    @property
    def terminal_event(self) -> Optional[RunEvent]:
        """The run's own terminal event, once delivered."""
        return self._terminal[0] if self._terminal else None

    def close(self) -> None:
        """Stop reading and release the connection. Idempotent; the run itself is not cancelled
        (a background run goes on on the server: resume it or cancel it by run_id)."""
        if self._closed:
            return
        self._closed = True
        self._close_response()
        self._cancel_timer()
        self._finish()
        self._next = self._after_close
        # ValueError: another thread is inside next(); its read fails on the closed response, and it stops.
        with contextlib.suppress(ValueError):
            self._gen.close()

    def _close_response(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()
        for hedge in list(self._hedges):
            hedge.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def stats(self) -> StreamStats:
        """What this stream took so far: see `StreamStats`.

        Example:
            ```python
            stream.get_final_output()
            print(stream.stats)     # StreamStats(events=42, bytes=16384, cuts=3, resumes=3, ...)
            ```
        """
        end = self._ended_at if self._ended_at is not None else time.monotonic()
        first = self._first_at
        return StreamStats(
            events=self._delivered,
            bytes=self._bytes[0],
            cuts=self._cuts,
            resumes=self.reconnects,
            time_to_first_event=None if first is None else first - self._started_at,
            elapsed=end - self._started_at,
        )

    def _finish(self) -> None:
        """Once, at the stream's end (exhausted, failed, closed or collected): the summary log
        line and the end of its span."""
        if self._ended_at is not None:
            return
        self._ended_at = time.monotonic()
        span, self._span = self._span, None
        if span is None and not logger.isEnabledFor(logging.INFO):
            return
        stats = self.stats
        first = "-" if stats.time_to_first_event is None else f"{stats.time_to_first_event * 1000:.1f} ms"
        logger.info(
            "stream of run %s (session %s) ended: %d events, %d bytes, %d cuts, %d resumes, first event after %s, "
            "%.1f ms in all",
            self.run_id,
            self.session_id,
            stats.events,
            stats.bytes,
            stats.cuts,
            stats.resumes,
            first,
            stats.elapsed * 1000,
        )
        if span is not None:
            from ._otel import set_run_fields

            set_run_fields(span, {"run_id": self.run_id, "session_id": self.session_id})
            span.set_attribute("agentos.events", stats.events)
            span.set_attribute("agentos.reconnects", stats.resumes)
            span.set_attribute("agentos.cuts", stats.cuts)
            span.set_attribute("agentos.bytes", stats.bytes)
            span.end()

    # -- cursor (issue 16: taking a stream over in another process) -------------------------

    @property
    def cursor(self) -> RunCursor:
        """Where this stream is: a `RunCursor` naming the run and the
        last ``event_index`` delivered so far. ``client.resume(cursor)``, in any process, yields
        what follows it. Take it after handling an event to checkpoint that event.

        Raises `StreamError` on a stream that cannot be resumed (a
        foreground run: its events have no index) or whose run is not known yet.

        Example:
            ```python
            for ev in stream:
                handle(ev)
                redis.set(key, stream.cursor.to_string())
            ```
        """
        from .cursors import RunCursor

        entity_id = getattr(self._source, "entity_id", None)
        if not self._resumable or entity_id is None:
            raise errors.StreamError(
                "Only a resumable stream (background=True, or resume_*) has a cursor: a foreground "
                "run's events carry no event_index to resume from.",
                run_id=self.run_id,
                session_id=self.session_id,
            )
        if self.run_id is None:
            raise errors.StreamError(
                "This stream has not received its first event, so its run is not known yet; take the "
                "cursor after the first event.",
                session_id=self.session_id,
            )
        return RunCursor(
            kind=self._kind,
            entity_id=entity_id,
            run_id=self.run_id,
            session_id=self.session_id,
            last_event_index=self.last_event_index,
        )

    def __enter__(self) -> RunStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            was_open = not self._closed
            self._closed = True
            self._close_response()
            self._cancel_timer()
            self._finish()
            if was_open:
                # As an unclosed file or socket does: a stream left open (a loop left by break
                # without `with`) is closed above, and the warning (shown by `python -X dev`,
                # -W default and pytest) says where to close it.
                warnings.warn(
                    f"unclosed {self!r}: its connection is closed now; use `with ... as stream:` "
                    "or stream.close() when leaving a loop early",
                    ResourceWarning,
                    stacklevel=2,
                    source=self,
                )

    def __repr__(self) -> str:
        return (
            f"<RunStream kind={self._kind} run_id={self.run_id} last_event_index={self.last_event_index} "
            f"reconnects={self.reconnects} closed={self._closed}>"
        )
