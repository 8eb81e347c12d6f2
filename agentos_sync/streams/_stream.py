"""`RunStream`: the iterator a user holds. It reads events, delivers them on its fast path, and
owns the stream's lifecycle (close, garbage collection, results, stats and the summary log line);
its `Position` decides about each event, its `Connection` holds the response and the deadline,
and its `Reconnector` rides out cuts. See docs/architecture.md, 'Reconnecting'.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, FrozenSet, Generator, Iterator, Optional

from .. import errors
from .._worker import StreamWorker
from ..events import RunEvent, StreamMetaEvent
from ..models import RunOutput
from ..retry import ReconnectPolicy
from ..sse import DEFAULT_MAX_EVENT_BYTES
from ..transports.base import Response
from ._connection import Closed, Connection
from ._position import META_TYPES, Position
from ._reconnector import CUTS, Reconnector, RunSource

if TYPE_CHECKING:
    from ..cursors import RunCursor

__all__ = ["RunStream", "StreamStats"]

logger = logging.getLogger("agentos_sync")


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


def _second_consumer() -> RuntimeError:
    return RuntimeError(
        "This RunStream is being iterated by another thread; a stream has one consumer "
        "(share the client, not the stream)."
    )


def _report(stream: RunStream, span: Any) -> None:
    """The summary log line of a stream that ended, and the end of its span."""
    if span is None and not logger.isEnabledFor(logging.INFO):
        return
    stats = stream.stats
    first = "-" if stats.time_to_first_event is None else f"{stats.time_to_first_event * 1000:.1f} ms"
    logger.info(
        "stream of run %s (session %s) ended: %d events, %d bytes, %d cuts, %d resumes, first event after %s, "
        "%.1f ms in all",
        stream.run_id,
        stream.session_id,
        stats.events,
        stats.bytes,
        stats.cuts,
        stats.resumes,
        first,
        stats.elapsed * 1000,
    )
    if span is not None:
        from .._otel import set_run_fields

        set_run_fields(span, {"run_id": stream.run_id, "session_id": stream.session_id})
        span.set_attribute("agentos.events", stats.events)
        span.set_attribute("agentos.reconnects", stats.resumes)
        span.set_attribute("agentos.cuts", stats.cuts)
        span.set_attribute("agentos.bytes", stats.bytes)
        span.end()


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
        # Runs sets it earlier, to when the create or resume request was sent.
        self._started_at = time.monotonic()
        self._ended_at: Optional[float] = None
        #: An OpenTelemetry span for the whole stream (``_otel``), ended with it; None without.
        self._span = span
        self._source = source
        self._position = position = Position(kind, run_id, session_id, last_event_index, leg_start, sent_at)
        self._connection = Connection(position, response, max_event_bytes=max_event_bytes, deadline=deadline)
        self._reconnector = Reconnector(
            position,
            self._connection,
            source,
            kind=kind,
            resumable=resumable,
            policy=policy or ReconnectPolicy(),
            on_reconnect=on_reconnect,
            yield_meta=yield_meta,
        )
        # The generator sees the stream through a weak proxy: a strong reference would make a
        # stream <-> generator cycle, and an abandoned stream (a loop left by return) would keep
        # its socket until the cycle collector ran. With the proxy, dropping the last reference
        # runs __del__ at once, which closes the connection.
        self._gen: Generator[RunEvent, None, None] = RunStream._iterate(weakref.proxy(self), response, initial_error)
        self._next: Callable[[], RunEvent] = self._gen.__next__

    @property
    def run_id(self) -> Optional[str]:
        """The run's id (None until the first event when the create's answer was lost)."""
        return self._position.run_id

    @property
    def session_id(self) -> Optional[str]:
        return self._position.session_id

    @property
    def last_event_index(self) -> Optional[int]:
        """The highest ``event_index`` delivered so far (None before the first indexed event)."""
        return self._position.last_event_index

    @property
    def reconnects(self) -> int:
        """How many times the stream resumed after a cut."""
        return self._reconnector.reconnects

    # -- iteration -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[RunEvent]:
        # A for loop drives the event generator itself: __next__ is one more frame per event,
        # 0.10-0.15 us of ~2.7 (2026-12-01). next(stream) still goes through __next__, as does a
        # loop over a closed stream (StreamError) or one racing another thread's next().
        if self._connection.closed or getattr(self._gen, "gi_running", False):
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
        # ``self`` is a weak proxy (~18 ns an attribute): the loop holds what it reads per event.
        position, connection, reconnector = self._position, self._connection, self._reconnector
        # What the fast lane delivered and counted since the position's counts were last brought
        # up to date: two read-modify-writes per event less (~80 ns of ~3 us).
        chars = delivered = 0
        # A cut to resume from before reading on (at first, the create's when its answer was lost).
        cut = initial_error
        try:
            events = connection.open(response) if response is not None else iter(())
            while True:
                try:
                    if cut is not None:
                        events = yield from RunStream._resumed(self, cut)
                        cut = None
                    # The fast lane: an event that is neither terminal nor out of order, on a
                    # connection that is not a database replay nor a continue's paused leg, is
                    # accepted here as Position.accept would (the differential test in
                    # tests/test_stream_position.py holds the two equal), its counts kept in
                    # locals until something reads them: the call and its reads were 0.3 us of
                    # 3.0 us per event (measured on 100k RunContent events).
                    last, fast = position.fast_lane()
                    terminal, content_event, run_id = position.terminal_names, position.content_event, position.run_id
                    for ev in events:
                        if type(ev) in META_TYPES:
                            assert isinstance(ev, StreamMetaEvent)
                            chars = delivered = position.add_counts(chars, delivered)
                            position.on_meta(ev)
                            last, fast = position.fast_lane()
                            if reconnector.shown(ev):
                                yield ev
                            continue
                        if connection.closed:
                            return  # close() from another thread: nothing is delivered after it
                        # From __dict__ (its validator sets every field): 0.05 us/event < 4 getattrs.
                        fields = ev.__dict__
                        index = fields["event_index"]
                        if fast and index is not None and index > last and (name := fields["event"]) not in terminal:
                            if name == content_event and fields["run_id"] == run_id:
                                content = fields["content"]
                                if isinstance(content, str):
                                    chars += len(content)
                            position.last_event_index = last = index
                            delivered += 1
                            yield ev
                            continue
                        # accept reads the counts: the fast lane's are added first.
                        chars = delivered = position.add_counts(chars, delivered)
                        accepted = position.accept(ev)
                        last, fast = position.fast_lane()
                        if accepted:
                            run_id = position.run_id
                            yield ev
                    chars = delivered = position.add_counts(chars, delivered)
                    if position.finished(at_close=True):
                        return
                    raise position.early_end("the server closed the stream before the run's terminal event")
                except CUTS as exc:
                    chars = delivered = position.add_counts(chars, delivered)
                    connection.close_response()
                    if connection.closed or position.finished(at_close=False):
                        return  # close() from another thread, or a cut after the terminal event
                    connection.check_deadline()  # the deadline timer may be what closed it
                    cut = exc
        except Closed:
            return  # closed (from another thread) while it was reconnecting: a clean end
        finally:
            # Exhausted, failed or closed: no more events, and the connection goes back or away.
            # ReferenceError: the stream itself is gone (abandoned; its __del__ closed it).
            position.add_counts(chars, delivered)
            with contextlib.suppress(ReferenceError):
                self._shut()

    def _resumed(self, cause: BaseException) -> Generator[RunEvent, None, Iterator[RunEvent]]:
        """Resume after ``cause`` (Reconnector.after_cut): yield what the new connection read
        ahead (its meta frames, as the caller sees them, and its first new event) and return the
        rest of its events. Called on the weak proxy, as _iterate is."""
        pending, events = self._reconnector.after_cut(cause)
        if self._span is not None:
            last = self._position.last_event_index
            self._span.add_event("resume", {"agentos.after_event_index": -1 if last is None else last})
        for ev in pending:
            if type(ev) in META_TYPES:
                assert isinstance(ev, StreamMetaEvent)
                if not self._reconnector.shown(ev):
                    continue
            elif self._connection.closed:
                raise Closed()  # nothing is delivered after close()
            yield ev
        return events

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
        position = self._position
        if position.terminal:
            return position.output()
        if position.run_id is None:
            raise errors.StreamError("The stream ended before the run started; there is no output.")
        return self._source.get_run(position.run_id, position.session_id)

    @property
    def terminal_event(self) -> Optional[RunEvent]:
        """The run's own terminal event, once delivered."""
        return self._position.terminal[0] if self._position.terminal else None

    def close(self) -> None:
        """Stop reading and release the connection. Idempotent; the run itself is not cancelled
        (a background run goes on on the server: resume it or cancel it by run_id)."""
        if self._connection.closed:
            return
        self._next = self._after_close
        # The generator's `finally` adds the counts of its connection, then shuts the stream.
        # ValueError: another thread is in next(); _shut() closes the response under it and it stops.
        with contextlib.suppress(ValueError):
            self._gen.close()
        self._shut()

    def _shut(self) -> bool:
        """Close the stream's connection (see Connection.shut) and, once, log its summary and end
        its span. Whether it was still open."""
        was_open = self._connection.shut()
        if self._ended_at is None:
            self._ended_at = time.monotonic()
            span, self._span = self._span, None
            _report(self, span)
        return was_open

    @property
    def closed(self) -> bool:
        return self._connection.closed

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
        first = self._position.first_at
        return StreamStats(
            events=self._position.delivered,
            bytes=self._connection.bytes[0],
            cuts=self._reconnector.cuts,
            resumes=self._reconnector.reconnects,
            time_to_first_event=None if first is None else first - self._started_at,
            elapsed=end - self._started_at,
        )

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
        return self._reconnector.cursor()

    def __enter__(self) -> RunStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if self._shut():
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
            f"<RunStream kind={self._reconnector.kind} run_id={self.run_id} last_event_index={self.last_event_index} "
            f"reconnects={self.reconnects} closed={self.closed}>"
        )
