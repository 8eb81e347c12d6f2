"""Layer 2: ``RunStream``, an iterator over one run's events that survives dropped connections.

This is the one place that knows the reconnect rules (DESIGN.md "Reconnect rules"):

- A stream is resumable when its events carry ``event_index`` (background runs, ``resume_*``).
  A cut resumable stream calls ``/resume`` with the last index it delivered; a cut foreground
  stream raises :class:`~agentos_sync.errors.StreamInterruptedError` and is never re-run.
- A cut is a broken connection, a read timeout, a clean close before the run's terminal event, an
  ``event: error`` frame saying the server's event stream failed, or 5xx/429/refused on
  ``/resume``. 400/401/403/404/422 and "run not found" are not retried.
- Events at or below the last delivered index are dropped (resumes replay them); gaps are allowed.
- The run ends at the first terminal event carrying the stream's own run_id (a workflow's nested
  agent ``RunCompleted`` is not it). What the server sends after it is still delivered, and a
  close or cut after it is the normal end. A ``replay`` reporting a terminal status ends the
  stream once its events are delivered.
- A cut before the first event (run_id unknown) finds the run the create made in its session and
  resumes it from the start; it re-sends the create only when the server provably never got it.

The stream knows nothing of HTTP: it asks a :class:`RunSource` (built by the client) to open
``/resume``, to list a session's runs, or to fetch the run's stored output.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Generator, Iterator, List, Optional, Protocol

from . import errors
from .events import (
    ERROR_EVENTS,
    TERMINAL_EVENTS,
    ReplayEvent,
    RunEvent,
    StreamErrorEvent,
    StreamMetaEvent,
    terminal_status,
)
from .models import RunOutput, RunStatus
from .retry import ReconnectPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES, TruncatedFrame, iter_events
from .transports.base import Response

if TYPE_CHECKING:
    from ._worker import StreamWorker
    from .cursors import RunCursor

__all__ = ["RunSource", "RunStream"]

logger = logging.getLogger("agentos_sync")


class RunSource(Protocol):
    """What a run stream needs from the client to reconnect. Implemented in ``_runs.py``."""

    def resume(self, run_id: str, session_id: Optional[str], last_event_index: Optional[int]) -> Response:
        """Open ``POST .../runs/{run_id}/resume``; raises status errors like any request."""

    def locate(self, session_id: str) -> Optional[str]:
        """The run_id of the run this stream's create made in ``session_id``, or None if absent."""

    def recreate(self) -> Response:
        """Send the create request again (only called when it provably created nothing)."""

    def get_run(self, run_id: str, session_id: Optional[str]) -> RunOutput:
        """The run as the server stores it."""


class _Cut(Exception):
    """A connection ended without the run's terminal event."""


class _Closed(Exception):
    """The stream was closed (from another thread) while it was reconnecting."""


class _RunNotLocated(Exception):
    """The run a cut create made is not (yet) listed in its session."""


class _DeadlineExceeded(errors.APITimeoutError):
    """The stream's own total deadline passed: final, never a cut to resume from."""


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (errors.RunNotFoundError, errors.ProtocolError, _DeadlineExceeded)):
        return False
    if isinstance(exc, (errors.APIConnectionError, _Cut, TruncatedFrame, _RunNotLocated)):
        return True
    if isinstance(exc, errors.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


_CUTS = (errors.APIConnectionError, _Cut, TruncatedFrame)

#: How many resumes in a row may answer "replay, still running, no events" before the run counts
#: as lost. One can be a race with a replica; three, backoff apart, is a server that restarted.
_STALE_REPLAYS_BEFORE_LOST = 3


class _Outage:
    """Bookkeeping of one outage (a cut until the next delivered event)."""

    def __init__(self) -> None:
        self.not_located = 0
        self.stale_replays = 0


class RunStream:
    """An iterator over one run's typed events; also a context manager.

    Resumable streams (``background=True`` or ``resume_*``) survive cuts: the caller sees every
    event exactly once, in order, while ``reconnects`` counts the resumes behind its back. The
    stream owns its connection: it is closed at the end, on error, on ``close()`` and when the
    stream is garbage collected.

    One stream has one consumer: iterating it from two threads at once raises RuntimeError. The
    client that made it may be shared freely.

    Example::

        with client.run_agent_stream("assistant", "Write a story", background=True) as stream:
            for ev in stream:
                if isinstance(ev, events.RunContentEvent):
                    print(ev.content, end="")
        print(stream.run_id, stream.last_event_index, stream.reconnects)
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
    ) -> None:
        self.run_id = run_id
        self.session_id = session_id
        #: The highest ``event_index`` delivered so far (None before the first indexed event).
        self.last_event_index = last_event_index
        #: How many times the stream resumed after a cut.
        self.reconnects = 0
        self._source = source
        self._kind = kind
        self._terminal_names: FrozenSet[str] = TERMINAL_EVENTS[kind]
        self._resumable = resumable
        self._policy = policy or ReconnectPolicy()
        self._on_reconnect = on_reconnect
        self._hide_meta = not yield_meta
        self._max_event_bytes = max_event_bytes
        # A total budget for the whole stream: the read timeout bounds one silence, but a server
        # that trickles a byte a second never trips it.
        self._deadline_s = deadline
        self._deadline_at = None if deadline is None else time.monotonic() + deadline
        self._terminal: List[RunEvent] = []
        self._replay_status: Optional[str] = None
        # What the current connection's replay promised, to tell its end from an early close.
        self._replay_expected: Optional[int] = None
        self._received_before_replay = 0
        self._delivered = 0
        self._received = 0  # delivered plus dropped duplicates
        # Held from the start: a stream closed before its first next() still closes its response.
        self._response: Optional[Response] = response
        self._closed = False
        self._gen: Generator[RunEvent, None, None] = self._iterate(response, initial_error)
        self._next: Callable[[], RunEvent] = self._gen.__next__

    # -- iteration -------------------------------------------------------------------------

    def __iter__(self) -> RunStream:
        return self

    def __next__(self) -> RunEvent:
        # Kept minimal: it runs once per event (a lock here cost ~15% of the throughput). The
        # generator's own guard detects a second consumer; its `finally` does the cleanup.
        try:
            return self._next()
        except ValueError as exc:
            if getattr(self._gen, "gi_running", False):  # "generator already executing": another thread is in next()
                raise RuntimeError(
                    "This RunStream is being iterated by another thread; a stream has one consumer "
                    "(share the client, not the stream)."
                ) from exc
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
        try:
            if response is not None:
                events: Iterator[RunEvent] = self._open_events(response)
            else:
                assert initial_error is not None
                events = self._after_cut(initial_error)
            while True:
                try:
                    for ev in events:
                        if isinstance(ev, StreamMetaEvent):
                            self._on_meta(ev)
                            if self._hide_meta:
                                if self._on_reconnect is not None:
                                    self._on_reconnect(ev)
                                continue
                            yield ev
                            continue
                        index = ev.event_index
                        if index is not None:
                            last = self.last_event_index
                            if last is not None and index <= last:
                                self._received += 1
                                continue  # a resume replays what we already delivered
                            self.last_event_index = index
                        if self.run_id is None:
                            self.run_id = ev.run_id
                        if self.session_id is None:
                            self.session_id = ev.session_id
                        if ev.event in self._terminal_names and ev.run_id == self.run_id:
                            self._terminal.append(ev)
                        self._delivered += 1
                        self._received += 1
                        yield ev
                    self._close_response()
                    if self._finished(at_close=True):
                        return
                    raise _Cut("the server closed the stream before the run's terminal event")
                except _CUTS as exc:
                    self._close_response()
                    if isinstance(exc, _DeadlineExceeded):
                        raise
                    if self._finished(at_close=False) or self._closed:
                        return  # a cut after the terminal event, or close() from another thread
                    if not self._resumable:
                        raise errors.StreamInterruptedError(
                            f"The stream of run {self.run_id or '(not started)'} was cut after "
                            f"{self._delivered} events ({exc}). A foreground run cannot be resumed and "
                            "is not re-run; use background=True for runs that must survive a dropped "
                            "connection.",
                            events_received=self._delivered,
                            run_id=self.run_id,
                            session_id=self.session_id,
                        ) from exc
                    try:
                        events = self._after_cut(exc)
                    except _Closed:
                        return
                    # Meta frames of the connections that follow are the client's business, not
                    # the caller's: they go to on_reconnect.
                    self._hide_meta = True
        finally:
            # Exhausted, failed or closed: no more events, and the connection goes back or away.
            self._closed = True
            self._close_response()

    def _finished(self, *, at_close: bool) -> bool:
        if self._terminal:
            return True
        if not at_close or self._replay_status is None or self._replay_status.upper() not in RunStatus.TERMINAL:
            return False
        # A replay of a finished run ends the stream once it has delivered what it announced.
        expected = self._replay_expected
        return expected is None or self._received - self._received_before_replay >= expected

    def _open_events(self, response: Response) -> Iterator[RunEvent]:
        """The events of one HTTP response as they are decoded, meta frames included. The response
        becomes the stream's current one (closed by the loop, by close(), or on error)."""
        self._response = response
        self._replay_status = None
        self._replay_expected = None
        chunks = response.iter_bytes()
        if self._deadline_at is not None:
            chunks = self._within_deadline(chunks)
        return iter_events(chunks, self._max_event_bytes)

    def _on_meta(self, ev: StreamMetaEvent) -> None:
        """Error frames become errors; a replay's status decides whether its end is the run's."""
        if isinstance(ev, StreamErrorEvent):
            self._raise_error_frame(ev)
        if isinstance(ev, ReplayEvent):
            self._replay_status = ev.status
            self._replay_expected = ev.total_events
            self._received_before_replay = self._received

    def _within_deadline(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self._check_deadline()
            yield chunk

    def _check_deadline(self) -> None:
        if self._deadline_at is not None and time.monotonic() > self._deadline_at:
            raise _DeadlineExceeded(
                f"The stream of run {self.run_id} passed its deadline of {self._deadline_s}s (at event_index "
                f"{self.last_event_index}); pass a larger deadline=, or resume it later."
            )

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

    # -- reconnecting ----------------------------------------------------------------------

    def _after_cut(self, cause: BaseException) -> Iterator[RunEvent]:
        """Resume after ``cause`` within the policy; the events of the new connection, read up to
        the first new event so that a connection which dies at once counts as a failed attempt."""
        if not self._resumable:
            raise cause
        logger.warning(
            "agentos_sync: stream of run %s cut (%s); resuming after event_index %s",
            self.run_id,
            cause,
            self.last_event_index,
        )
        outage = _Outage()

        def before_sleep(attempt: int, exc: BaseException, wait: float) -> None:
            if attempt > 1:
                logger.warning(
                    "agentos_sync: resume of run %s failed (%s); retry %d in %.2fs",
                    self.run_id,
                    exc,
                    attempt,
                    wait,
                )

        retrying = self._policy.retrying(retry_on=_retryable, before_sleep=before_sleep)
        first = True
        try:
            for attempt in retrying:
                with attempt:
                    if first:
                        # The cut is attempt one, so tenacity backs off before the first resume.
                        first = False
                        raise cause
                    return self._resume_once(outage)
        except Exception as exc:
            if not _retryable(exc):
                raise
            raise errors.ReconnectExhaustedError(
                f"Could not resume run {self.run_id or '(unknown)'} (session {self.session_id}) "
                f"after event_index {self.last_event_index}: {exc}. The run may still be going on "
                "the server; resume it later with client.resume_*_run_stream(..., "
                "last_event_index=exc.last_event_index, session_id=exc.session_id).",
                attempts=retrying.statistics.get("attempt_number", 1) - 1,
                run_id=self.run_id,
                session_id=self.session_id,
                last_event_index=self.last_event_index,
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover - tenacity returns or raises

    def _resume_once(self, outage: _Outage) -> Iterator[RunEvent]:
        if self._closed:
            raise _Closed()  # close() during the backoff: no new connection after it
        self._check_deadline()
        if self.run_id is None:
            response = self._open_unlocated(outage)
        else:
            response = self._source.resume(self.run_id, self.session_id, self.last_event_index)
        events = self._open_events(response)
        pending: List[RunEvent] = []
        try:
            for ev in events:
                pending.append(ev)
                if isinstance(ev, StreamMetaEvent):
                    self._on_meta(ev)
                elif ev.event_index is None or self.last_event_index is None or ev.event_index > self.last_event_index:
                    break
            else:
                if not self._finished(at_close=True):
                    if self._replay_status is not None:
                        outage.stale_replays += 1
                        if outage.stale_replays >= _STALE_REPLAYS_BEFORE_LOST:
                            raise self._lost()
                    raise _Cut(self._no_progress_reason())
        except BaseException:
            self._close_response()
            raise
        self.reconnects += 1
        return itertools.chain(pending, events)

    def _lost(self) -> errors.RunLostError:
        return errors.RunLostError(
            f"Run {self.run_id} is lost: the server reports it {self._replay_status} but has no events after "
            f"event_index {self.last_event_index} and nothing is producing them (it probably restarted "
            "mid-run). Check it with get_*_run, and start it again if it must finish.",
            run_id=self.run_id,
            session_id=self.session_id,
            last_event_index=self.last_event_index,
        )

    def _open_unlocated(self, outage: _Outage) -> Response:
        """The create was cut before its first event: find the run it made, or make it once."""
        assert self.session_id is not None, "creates always send a session_id"
        run_id = self._source.locate(self.session_id)
        if run_id is not None:
            self.run_id = run_id
            return self._source.resume(run_id, self.session_id, None)
        outage.not_located += 1
        if outage.not_located < 2:
            raise _RunNotLocated(f"no run in session {self.session_id} yet")
        # Listed twice, backoff apart, and absent: the server never got the create.
        logger.warning("agentos_sync: create in session %s never reached the server; sending it again", self.session_id)
        return self._source.recreate()

    def _no_progress_reason(self) -> str:
        if self._replay_status is not None:
            return (
                f"the server replayed run {self.run_id} with status {self._replay_status} and no new "
                "events (it may have restarted mid-run; its database says the run is not finished)"
            )
        return "the resumed stream closed before delivering a new event"

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
        callbacks. ``cancel()`` closes the stream. See :class:`agentos_sync.concurrency.StreamWorker`.

        Example::

            with client.run_agent_stream("assistant", "Hi", background=True).in_thread() as worker:
                while (ev := worker.get(timeout=30)) is not None:
                    print(ev.event)
        """
        from ._worker import StreamWorker

        return StreamWorker(self, on_event=on_event, on_error=on_error, on_done=on_done, maxsize=maxsize)

    def get_final_output(self) -> RunOutput:
        """Drain the stream and return the run's result, built from its terminal event.

        Raises :class:`~agentos_sync.errors.RunFailedError` when the run ended with an error
        event. When the stream ended on a ``replay`` without the terminal event (the server had
        no stored events), the run is fetched from the server.

        Example::

            out = client.run_agent_stream("assistant", "Hi", background=True).get_final_output()
            print(out.status, out.content)
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
        self._next = self._after_close
        # ValueError: another thread is inside next(); its read fails on the closed response, and it stops.
        with contextlib.suppress(ValueError):
            self._gen.close()

    def _close_response(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- cursor (issue 16: taking a stream over in another process) -------------------------

    @property
    def cursor(self) -> RunCursor:
        """Where this stream is: a :class:`~agentos_sync.cursors.RunCursor` naming the run and the
        last ``event_index`` delivered so far. ``client.resume(cursor)``, in any process, yields
        what follows it. Take it after handling an event to checkpoint that event.

        Raises :class:`~agentos_sync.errors.StreamError` on a stream that cannot be resumed (a
        foreground run: its events have no index) or whose run is not known yet.

        Example::

            for ev in stream:
                handle(ev)
                redis.set(key, stream.cursor.to_string())
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
            self._close_response()

    def __repr__(self) -> str:
        return (
            f"<RunStream kind={self._kind} run_id={self.run_id} last_event_index={self.last_event_index} "
            f"reconnects={self.reconnects} closed={self._closed}>"
        )
