"""What a run stream does after a cut: resume within its `ReconnectPolicy`, and say why when it
cannot.

`Reconnector.after_cut` rides out one outage: it backs off and resumes (``/resume`` with the last
``event_index`` delivered), on fresh connections and hedged once an answer was stale, or, for a
create cut before its first event, finds the run the create made (or makes it once), until a
resume delivers a new event. When the policy is spent it raises the error that names what is
missing: `ReconnectExhaustedError`, `RunLostError` or `RunIncompleteError`. A foreground
stream's cut becomes `StreamInterruptedError` (`interrupted`). `cursor` gives the coordinates
another process resumes from. The client's side of these requests is a `RunSource`. See
docs/architecture.md, 'Reconnecting'.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Protocol, Tuple

from .. import _waits, errors, retry
from .._lost import CREATE_SETTLE_S, fetch_hint
from ..cursors import RunCursor
from ..events import CatchUpEvent, ReplayEvent, RunEvent, StreamMetaEvent, SubscribedEvent
from ..models import RunOutput
from ..retry import ReconnectGaveUp, ReconnectPolicy
from ..sse import TruncatedFrame
from ..transports.base import Response
from ._connection import Closed, Connection, DeadlineExceeded
from ._position import Cut, Position, Stale

__all__ = ["CUTS", "Reconnector", "RunSource"]

logger = logging.getLogger("agentos_sync")


class RunSource(Protocol):
    """What a run stream needs from the client to reconnect. Implemented by
    ``agentos_sync.streams._source.HTTPRunSource``."""

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


class RunNotLocated(Exception):
    """The run a cut create made is not (yet) listed in its session."""


#: What ends a connection as a cut (resumed when the stream is resumable).
CUTS = (errors.APIConnectionError, Cut, TruncatedFrame, Stale)

#: A foreground stream cut after this long without an event names a gateway's idle timeout as
#: the likely cause (nginx cuts a silent upstream after proxy_read_timeout, 60 s by default).
_LONG_SILENCE_S = 1.0


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (errors.RunNotFoundError, errors.ProtocolError, errors.StreamError, DeadlineExceeded)):
        return False
    if isinstance(exc, (errors.APIConnectionError, Cut, TruncatedFrame, RunNotLocated, Stale)):
        return True
    if isinstance(exc, errors.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


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


class Reconnector:
    """The reconnect loop of one stream, over its `Position` and `Connection` (which it shares
    with the stream, and never the stream itself). ``cuts`` counts outages, ``reconnects`` the
    resumes that delivered."""

    def __init__(
        self,
        position: Position,
        connection: Connection,
        source: RunSource,
        *,
        kind: str,
        resumable: bool,
        policy: ReconnectPolicy,
        on_reconnect: Optional[Callable[[StreamMetaEvent], Any]] = None,
        yield_meta: bool = False,
    ) -> None:
        self.position = position
        self.connection = connection
        self.source = source
        self.kind = kind
        self.resumable = resumable
        self.policy = policy
        self.on_reconnect = on_reconnect
        # Meta frames are the caller's only on a stream opened to show them (resume(include_meta=
        # True)), and only on its first connection: those of the resumes that follow are the
        # client's business, and go to on_reconnect.
        self.hide_meta = not yield_meta
        self.cuts = 0
        self.reconnects = 0

    def shown(self, ev: StreamMetaEvent) -> bool:
        """Whether the caller sees meta frame ``ev``; a hidden one goes to ``on_reconnect``."""
        if not self.hide_meta:
            return True
        if self.on_reconnect is not None:
            self.on_reconnect(ev)
        return False

    def after_cut(self, cause: BaseException) -> Tuple[List[RunEvent], Iterator[RunEvent]]:
        """Resume after ``cause`` within the policy: the new connection's frames up to its first
        new event, already accepted (so that a connection which dies at once, or a stale answer,
        counts as a failed attempt), and the rest of its events. Raises `Closed` when the stream
        was closed meanwhile, `StreamInterruptedError` for a stream that cannot resume."""
        if not self.resumable:
            raise self.interrupted(cause) from cause
        self.hide_meta = True
        position = self.position
        self.cuts += 1
        logger.warning(
            "stream of run %s cut (%s); reconnect %d resumes after event_index %s",
            position.run_id,
            cause,
            self.cuts,
            position.last_event_index,
        )
        outage = _Outage()
        if isinstance(cause, Stale):
            outage.stale, outage.missing = True, cause.missing

        def on_retry(attempt: int, exc: BaseException, wait: float) -> None:
            if attempt > 1:
                logger.warning("resume of run %s failed (%s); retry %d in %.2fs", position.run_id, exc, attempt, wait)

        try:
            return self.policy.reconnect(
                lambda: self._resume_once(outage),
                cause=cause,
                retry_on=_retryable,
                on_retry=on_retry,
                deadline_at=self.connection.deadline_at,
            )
        except ReconnectGaveUp as gave_up:
            if self.connection.closed:
                raise Closed() from None
            self.connection.check_deadline()
            raise self._gave_up(gave_up, outage) from gave_up.last
        except BaseException:
            if self.connection.closed:
                raise Closed() from None  # whatever close() made the attempt raise
            raise

    def _resume_once(self, outage: _Outage) -> Tuple[List[RunEvent], Iterator[RunEvent]]:
        position, connection, policy = self.position, self.connection, self.policy
        hedged = outage.stale and policy.hedge > 1
        # The client's pace (ReconnectPolicy.max_resume_rate): a herd of streams goes out spread.
        # A hedged resume's probes each take their own turn, just before they are sent.
        if (position.run_id is None or not hedged) and not policy.admit(1, connection.deadline_at):
            raise retry._OutOfTime()
        if connection.closed:
            raise Closed()  # close() during the backoff: no new connection after it
        connection.check_deadline()
        if position.run_id is None:
            response = self._open_unlocated(outage)
            frames: Optional[Iterator[RunEvent]] = None
        elif hedged:
            response, frames = self._hedged_resume(position.run_id)
        else:
            response = self.source.resume(position.run_id, position.session_id, position.last_event_index)
            frames = None
        pending: List[RunEvent] = []
        try:
            events = connection.open(response, frames)
            for ev in events:
                if isinstance(ev, StreamMetaEvent):
                    pending.append(ev)
                    position.on_meta(ev)
                    continue
                # Checked here, not only in the stream's loop, so that a stale answer is a failed attempt.
                if position.accept(ev):
                    pending.append(ev)
                    break
            else:
                if not position.finished(at_close=True):
                    raise position.early_end("the resumed stream closed before delivering a new event")
        except Stale as exc:
            connection.close_response()
            outage.stale, outage.missing = True, exc.missing or outage.missing
            raise
        except BaseException:
            connection.close_response()
            raise
        self.reconnects += 1
        return pending, events

    def _hedged_resume(self, run_id: str) -> Tuple[Response, Iterator[RunEvent]]:
        """``policy.hedge`` resumes on new connections, a few ms apart; the one answered from the
        live buffer (catch_up, subscribed, or a replay with total_buffered) is kept, the others
        closed. Without one, the first that answered at all (a stale answer, judged as usual)."""
        count = self.policy.hedge
        connection = self.connection
        answers: List[Optional[Tuple[Response, List[RunEvent], Iterator[RunEvent]]]] = [None] * count
        failures: List[BaseException] = []
        session_id, last = self.position.session_id, self.position.last_event_index

        def probe(i: int) -> None:
            try:
                if i:
                    # Staggered, not simultaneous: a worker accepts every pending connection at
                    # once, but one busy with the first request leaves the next to another
                    # (2 ms reached both workers in 25 of 30 pairs, 0 ms in 11: measured).
                    time.sleep(0.002 * i)
                if not self.policy.admit(1, connection.deadline_at):
                    raise retry._OutOfTime()
                if connection.closed:
                    return
                response = self.source.resume(run_id, session_id, last, fresh=True)
                connection.hedges.append(response)
                frames = connection.decode(response)
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
        connection.hedges = []
        if chosen is None:
            if connection.closed:
                raise Closed()
            # Out of time outranks a probe's failure: that one is judged against an outage
            # which has no time left to retry it.
            raise next((f for f in failures if isinstance(f, retry._OutOfTime)), failures[0])
        return chosen[0], itertools.chain(chosen[1], chosen[2])

    def _open_unlocated(self, outage: _Outage) -> Response:
        """The create was cut before its first event: find the run it made, or make it once."""
        position = self.position
        assert position.session_id is not None, "creates always send a session_id"
        run_id = self.source.locate(position.session_id)
        if run_id is None:
            outage.not_located += 1
            settle = outage.started + CREATE_SETTLE_S - time.monotonic()
            if outage.not_located >= 2 and settle > 0:
                # A fast policy can spend all its attempts inside the settle window: wait the rest
                # of it here, once, so "never made" is the rule's verdict, not the retries' speed.
                self._wait(settle)
                run_id = self.source.locate(position.session_id)
        if run_id is not None:
            position.run_id = run_id
            return self.source.resume(run_id, position.session_id, None, fresh=outage.stale)
        if outage.not_located < 2:
            raise RunNotLocated(f"no run in session {position.session_id} yet")
        # Absent from two listings, the last one CREATE_SETTLE_S after the cut: the server never
        # made the run. (A server still inside the create handler lists it moments later: 1 of
        # 200 header cuts was listed only after two lookups 20 ms apart.) The re-sent create
        # carries the same Idempotency-Key and run_id: a durable-queue server re-attaches it.
        logger.warning("create in session %s never reached the server; sending it again", position.session_id)
        return self.source.recreate()

    def _wait(self, seconds: float) -> None:
        """Sleep ``seconds`` unless that ends at or past the stream's deadline (`retry._OutOfTime`:
        the one deadline rule); a stream closed meanwhile stops here."""
        deadline_at = self.connection.deadline_at
        if deadline_at is not None and time.monotonic() + seconds >= deadline_at:
            raise retry._OutOfTime()
        retry._sleep(seconds)
        if self.connection.closed:
            raise Closed()

    def cursor(self) -> RunCursor:
        """Where another process resumes this stream from (``RunStream.cursor``)."""
        position = self.position
        entity_id = getattr(self.source, "entity_id", None)
        if not self.resumable or entity_id is None:
            raise errors.StreamError(
                "Only a resumable stream (background=True, or resume_*) has a cursor: a foreground "
                "run's events carry no event_index to resume from.",
                run_id=position.run_id,
                session_id=position.session_id,
            )
        if position.run_id is None:
            raise errors.StreamError(
                "This stream has not received its first event, so its run is not known yet; take the "
                "cursor after the first event.",
                session_id=position.session_id,
            )
        return RunCursor(
            kind=self.kind,
            entity_id=entity_id,
            run_id=position.run_id,
            session_id=position.session_id,
            last_event_index=position.last_event_index,
        )

    # -- what the caller is told ---------------------------------------------------------------

    def _gave_up(self, gave_up: ReconnectGaveUp, outage: _Outage) -> errors.StreamError:
        last = gave_up.last
        position = self.position
        run_id, session_id, last_index = position.run_id, position.session_id, position.last_event_index
        where: Dict[str, Any] = dict(
            run_id=run_id,
            session_id=session_id,
            last_event_index=last_index,
            request=getattr(last, "request", None),  # the last resume's, so its request_id shows
        )
        if isinstance(last, Stale) and last.running:
            return errors.RunLostError(
                f"Run {run_id} (session {session_id}): the server reports it {position.replay_status or 'RUNNING'} "
                f"but no process the stream reached holds its events after event_index {last_index} "
                f"({gave_up.attempts} resumes, on fresh connections). Either the server restarted mid-run (then "
                "nothing will finish it: check it with get_*_run and start it again), or this is a multi-worker "
                "deployment (uvicorn --workers N, several replicas) without a shared event stream, and the "
                "resumes never reached the worker that runs it: configure agno's Redis event stream, "
                "AgentOS(queue=QueueConfig(redis=...)), or resume again later.",
                **where,
            )
        if outage.stale:
            missing = last.missing if isinstance(last, Stale) and last.missing else outage.missing
            output: Optional[RunOutput] = None
            if run_id is not None:
                with contextlib.suppress(errors.AgentOSError):
                    output = self.source.get_run(run_id, session_id)
            span = "?" if missing is None else f"{missing[0]}-{'end' if missing[1] is None else missing[1]}"
            return errors.RunIncompleteError(
                f"Run {run_id} (session {session_id}) finished, but its events {span} never arrived: "
                f"every answer of {gave_up.attempts} resumes came from the server's database, which does not "
                "hold them (agno stores no RunContent events by default). This happens on a multi-worker "
                "deployment without agno's Redis event stream (QueueConfig(redis=...)) or after a restart. "
                "exc.output is the run as stored: its content is the whole answer.",
                missing=[missing] if missing else [],
                output=output,
                **where,
            )
        return errors.ReconnectExhaustedError(
            f"Could not resume run {run_id or '(unknown)'} (session {session_id}) "
            f"after event_index {last_index}: {last}. The run may still be going on "
            "the server; resume it later with client.resume_*_run_stream(..., "
            "last_event_index=exc.last_event_index, session_id=exc.session_id).",
            attempts=gave_up.attempts,
            **where,
        )

    def interrupted(self, cause: BaseException) -> errors.StreamInterruptedError:
        """The error for a foreground stream's cut: which run, that it may still complete and how
        to fetch it, and, after a long silence, the gateway idle timeout that likely cut it."""
        position = self.position
        silence = time.monotonic() - position.last_event_at
        why = ""
        if silence >= _LONG_SILENCE_S and not isinstance(cause, errors.APITimeoutError):
            why = (
                f" Nothing had arrived for {silence:.1f} s before the cut: a gateway's idle timeout (nginx's "
                "proxy_read_timeout, 60 s by default; cloud load balancers' idle timeout, often 60 s) is the likely "
                "cause, since AgentOS sends no keep-alive on a run's first stream. Run it with background=True (its "
                "stream resumes after a cut) or raise the gateway's timeout."
            )
        # Before its first event the stream knows its run only by the id its create asked for.
        run_id = position.run_id or getattr(self.source, "requested_run_id", None)
        session_id = position.session_id
        hint = fetch_hint(self.kind + "s", getattr(self.source, "entity_id", "?"), run_id, session_id)
        return errors.StreamInterruptedError(
            f"The stream of foreground run {run_id or '(not started)'} (session {session_id}) was cut "
            f"after {position.delivered} events ({cause}). It is not re-run (it could run twice); the run may still "
            f"complete on the server: fetch its result with {hint}. "
            f"Use background=True for runs that must survive a dropped connection.{why}",
            events_received=position.delivered,
            run_id=run_id,
            session_id=session_id,
            request=getattr(cause, "request", None),  # its request_id is shown
        )
