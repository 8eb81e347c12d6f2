"""Retry and reconnect policy: the only module that knows tenacity.

Two policies, two loops, one set of rules: plain requests (`RetryPolicy`: connection errors and
429/502/503/504, honouring ``Retry-After``) and run-stream reconnects (`ReconnectPolicy`). Both
wait with full jitter (a uniform wait in ``[0, min(max, initial * 2**n)]``) so that many clients
cut at once by a server restart do not come back in step, and both keep one deadline rule: a wait
that would end at or past the deadline is not slept; the loop stops and the last error is the
answer (sleeping first would only delay the news).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, fields
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

import tenacity

from .errors import APIConnectionError, APIStatusError, APITimeoutError

__all__ = ["ReconnectGaveUp", "ReconnectPolicy", "RetryPolicy", "deadline_after", "remaining"]

T = TypeVar("T")


_RETRYABLE_STATUS = frozenset({429, 502, 503, 504})


def _sleep(seconds: float) -> None:
    # Looked up at call time, so tests can replace it with a recorder (no real waiting).
    time.sleep(seconds)


def _now() -> float:
    # The clock of total time bounds; looked up at call time, so a test's recorded sleeps can
    # advance a fake one.
    return time.monotonic()


def deadline_after(total: Optional[float]) -> Optional[float]:
    """The clock reading at which ``total`` seconds from now have passed (None: no bound)."""
    return None if total is None else _now() + total


def remaining(deadline: float) -> float:
    """Seconds left before ``deadline`` (negative once it has passed)."""
    return deadline - _now()


#: A server asking for more than this is treated as asking for this much; a client that obeys a
#: Retry-After of an hour looks hung.
_MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class ReconnectPolicy:
    """How a resumable run stream reconnects after a cut.

    A budget covers one outage: from a cut to the next event delivered. ``max_attempts`` resume
    requests are made at most, each after a jittered exponential backoff starting at
    ``initial_backoff`` seconds and capped at ``max_backoff``; the outage is abandoned once
    ``deadline`` seconds have passed since the cut. Then the stream raises
    `ReconnectExhaustedError`. A delivered event resets the budget.

    The streams of one client (of one policy object: clients given the same policy share it)
    also share a pace: at most ``resume_burst`` resume requests at once, then
    ``max_resume_rate`` per second, so that a thousand streams cut by one server restart reach
    it spread out (at most ``resume_burst + max_resume_rate * t`` in any ``t`` seconds) rather
    than in the few milliseconds their backoffs would allow. A stream waiting its turn waits
    within its deadline; ``max_resume_rate=None`` turns the pace off.

    Example:
        ```python
        client = AgentOSClient(url, reconnect=ReconnectPolicy(max_attempts=20, deadline=600))
        ReconnectPolicy.disabled()   # no reconnects: the first cut raises
        ```
    """

    max_attempts: int = 10
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    deadline: float = 300.0
    #: After a stale answer (a worker that does not hold the run), send this many resumes a
    #: few milliseconds apart, each on its own new connection, and keep the one the live buffer
    #: answers: a worker busy with the first is not the one that accepts the second (measured on
    #: ``uvicorn --workers 2``: docs/deployments.md). 1 turns hedging off.
    hedge: int = 2
    #: Resume requests per second, over every stream of this policy (None: no limit).
    max_resume_rate: Optional[float] = 500.0
    #: Resume requests sent at once before the rate applies.
    resume_burst: int = 50

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise TypeError(f"ReconnectPolicy.max_attempts must be an int, got {self.max_attempts!r}")
        if self.max_attempts < 0:
            raise ValueError(f"ReconnectPolicy.max_attempts must be >= 0, got {self.max_attempts}")
        if isinstance(self.hedge, bool) or not isinstance(self.hedge, int) or not 1 <= self.hedge <= 8:
            raise ValueError(f"ReconnectPolicy.hedge must be an int in [1, 8], got {self.hedge!r}")
        _check_backoff("ReconnectPolicy", self.initial_backoff, self.max_backoff)
        if isinstance(self.deadline, bool) or not isinstance(self.deadline, (int, float)):
            raise TypeError(f"ReconnectPolicy.deadline must be a number, got {self.deadline!r}")
        if not math.isfinite(self.deadline) or self.deadline < 0:
            raise ValueError(f"ReconnectPolicy.deadline must be a finite number >= 0, got {self.deadline!r}")
        rate, burst = self.max_resume_rate, self.resume_burst
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < float("inf")
        ):
            raise ValueError(f"ReconnectPolicy.max_resume_rate must be a finite number > 0 or None, got {rate!r}")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"ReconnectPolicy.resume_burst must be an int >= 1, got {burst!r}")
        # Not a field: equal policies are equal whatever their streams have sent.
        object.__setattr__(self, "_pace", None if rate is None else _Pace(rate, burst))

    def __getstate__(self) -> Dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()  # a copy (or an unpickled policy) paces its own streams

    def admit(self, requests: int = 1, deadline_at: Optional[float] = None) -> bool:
        """Wait until this policy's pace lets ``requests`` more resume requests go (see the class
        docstring) and return True; at once without a pace. Under the module's one deadline rule,
        a turn that would come at or past ``deadline_at`` (a ``time.monotonic()`` instant) is not
        waited for: it returns False at once, and the caller stops with its last error.

        Example:
            ```python
            policy = ReconnectPolicy(max_resume_rate=100, resume_burst=10)
            policy.admit()   # the first ten return at once, then one every 10 ms
            ```
        """
        pace: Optional[_Pace] = getattr(self, "_pace", None)
        if pace is not None and requests > 0:
            return pace.wait(requests, deadline_at)
        return True

    @classmethod
    def disabled(cls) -> ReconnectPolicy:
        """A policy that never reconnects."""
        return cls(max_attempts=0, initial_backoff=0.0, max_backoff=0.0, deadline=0.0)

    def reconnect(
        self,
        attempt: Callable[[], T],
        *,
        cause: BaseException,
        retry_on: Callable[[BaseException], bool],
        on_retry: Optional[Callable[[int, BaseException, float], None]] = None,
        deadline_at: Optional[float] = None,
        sleep: Optional[Callable[[float], None]] = None,
    ) -> T:
        """Ride out one outage that ``cause`` started: back off, call ``attempt`` (one resume),
        and again while it fails with an error ``retry_on`` accepts, within this policy. Returns
        what the first successful attempt returns; re-raises an error ``retry_on`` refuses; raises
        `ReconnectGaveUp` (the last error, the attempts made) once the policy is spent.

        The cut counts as attempt zero, so there is one backoff before the first resume and
        ``max_attempts`` resumes at most. A wait honours the ``Retry-After`` of a 429/503 answer
        (capped at 60 s), and no wait reaches past ``deadline_at`` (a ``time.monotonic()``
        instant: the stream's own deadline): a wait that would end there is not slept, the outage
        stops with the last error (the module's one deadline rule). An attempt whose own wait
        would reach past it (a pace's turn: `admit` returned False) raises `_OutOfTime`, and the
        outage stops the same way. tenacity is the engine; the caller only sees attempts, waits
        and exhaustion.
        """
        backoff = (
            tenacity.wait_random_exponential(multiplier=self.initial_backoff, max=self.max_backoff)
            if self.initial_backoff > 0
            else tenacity.wait_none()
        )

        # The last failure and the resumes made before it, for an attempt that runs out of time.
        failed: List[Tuple[BaseException, int]] = [(cause, 0)]

        def hook(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if exc is not None:
                failed[0] = (exc, state.attempt_number - 1)
                if on_retry is not None:
                    on_retry(state.attempt_number, exc, state.next_action.sleep if state.next_action else 0.0)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts + 1)
            | tenacity.stop_after_delay(self.deadline)
            | _StopBeforeDeadline(deadline_at, time.monotonic),
            wait=_waiting(backoff),
            retry=tenacity.retry_if_exception(lambda exc: not isinstance(exc, _OutOfTime) and retry_on(exc)),
            before_sleep=hook,
            sleep=sleep or (lambda seconds: _sleep(seconds)),
        )
        try:
            return retrying(_replaying(cause, attempt))
        except tenacity.RetryError as exc:
            last = exc.last_attempt
            error = last.exception()
            assert error is not None  # tenacity only gives up on failures
            raise ReconnectGaveUp(error, last.attempt_number - 1) from error
        except _OutOfTime:
            error, attempts = failed[0]
            raise ReconnectGaveUp(error, attempts) from error


class _Pace:
    """The pace of `ReconnectPolicy`: at most ``burst + rate * t`` resumes in any ``t`` seconds,
    counted when each is let go. A generic cell rate algorithm (GCRA, the token bucket told in
    times) run twice: waiters first book a turn in arrival order and sleep until it, so a herd
    sleeps once each with no polling; then each is let go only if the bound still holds at the
    moment it wakes. The second check is what keeps the bound when the process is too busy to
    wake threads on time: late sleepers would otherwise all go at once (measured: 127 resumes in
    100 ms against a booked 100 with 1,000 streams on 2 cores). Written here because tenacity
    paces one loop, not many threads."""

    __slots__ = ("_booked", "_burst", "_interval", "_lock", "_sent", "_tolerance")

    def __init__(self, rate: float, burst: int) -> None:
        self._burst = burst
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        # Theoretical arrival times; from minus infinity, a full burst is there at once.
        self._booked = self._sent = float("-inf")
        self._lock = threading.Lock()

    def wait(self, requests: int, deadline_at: Optional[float]) -> bool:
        """Return True when ``requests`` more may go (they are then counted); False, without
        waiting further, once the turn would come at or past ``deadline_at`` (a
        ``time.monotonic()`` instant). A turn refused before it is booked leaves the schedule as
        it was."""
        # GCRA: n requests conform when due + (n - 1) x interval - tolerance <= now, and then push
        # the theoretical arrival time to due + n x interval. More than a burst counts as a burst.
        cost = min(requests, self._burst) * self._interval
        with self._lock:
            now = _now()
            due = max(self._booked, now)
            delay = due + cost - self._interval - self._tolerance - now
            if delay > 0 and deadline_at is not None and now + delay >= deadline_at:
                return False
            self._booked = due + cost
        while True:
            if delay > 0:
                if deadline_at is not None and _now() + delay >= deadline_at:
                    return False  # woken late and pushed back: the turn is past the deadline
                _sleep(delay)
            with self._lock:
                now = _now()
                due = max(self._sent, now)
                delay = due + cost - self._interval - self._tolerance - now
                if delay <= 0:
                    self._sent = due + cost
                    return True


class _OutOfTime(Exception):
    """Raised by a `ReconnectPolicy.reconnect` attempt whose own wait (the pace's turn, a settle
    window) would end at or past the deadline: under the one deadline rule it is not slept, and
    the outage stops with its last failure, as when the loop's own wait would
    (`_StopBeforeDeadline`)."""


class ReconnectGaveUp(Exception):
    """A `ReconnectPolicy.reconnect` budget was spent: ``last`` failed last, after
    ``attempts`` resume requests. The stream turns it into the error the user sees."""

    def __init__(self, last: BaseException, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempts: {last}")
        self.last = last
        self.attempts = attempts


def _retry_after(exc: BaseException) -> Optional[float]:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def _replaying(failure: BaseException, attempt: Callable[[], T]) -> Callable[[], T]:
    """What a tenacity loop calls when an attempt was already made and failed with ``failure``:
    its first call raises that failure (so the loop counts it, and waits before the next), the
    others call ``attempt``. Both loops of this module start from a failure they did not make."""
    pending: Optional[BaseException] = failure

    def call() -> T:
        nonlocal pending
        if pending is not None:
            exc, pending = pending, None
            raise exc
        return attempt()

    return call


class _StopBeforeDeadline(tenacity.stop.stop_base):
    """The one deadline rule of both loops: stop when the wait before the next attempt would end at
    or past ``deadline`` (None: no bound), a reading of ``clock`` (by default the clock of
    `deadline_after`; a stream's deadline is a ``time.monotonic()`` reading)."""

    def __init__(self, deadline: Optional[float], clock: Optional[Callable[[], float]] = None) -> None:
        self.deadline = deadline
        self.clock = clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        if self.deadline is None:
            return False
        now = self.clock() if self.clock is not None else _now()
        # tenacity computes the wait before it asks whether to stop: upcoming_sleep is known.
        return self.deadline - now - retry_state.upcoming_sleep <= 0


def _waiting(backoff: tenacity.wait.wait_base) -> Callable[[tenacity.RetryCallState], float]:
    """The wait before the next attempt: the server's ``Retry-After`` when it sent one, else
    ``backoff``'s jittered exponential wait."""

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc) if exc is not None else None
        return after if after is not None else float(backoff(state))

    return wait


def _retryable_request(exc: BaseException, idempotent: bool) -> bool:
    """Whether a plain request that failed with ``exc`` may be sent again."""
    if isinstance(exc, APITimeoutError) and exc.reached_server:
        # A read timeout: the server took the request and said nothing for as long as the
        # caller said it would wait. Asking again would multiply that wait (a list with
        # timeout=2 took 6.4 s on a silent server), and a slow server is not a dropped one.
        return False
    if isinstance(exc, APIConnectionError):
        return idempotent or not exc.reached_server
    if isinstance(exc, APIStatusError):
        return idempotent and exc.status_code in _RETRYABLE_STATUS
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How a plain request (not a stream: see `ReconnectPolicy`) is retried.

    Connection errors and 429/502/503/504 answers are retried up to ``max_retries`` times, after
    a jittered exponential backoff starting at ``initial_backoff`` seconds and capped at
    ``max_backoff``, or after the server's ``Retry-After`` (capped at 60 s). A request that is not
    idempotent (creating a run) is retried only when it provably never reached the server, and a
    read timeout is never retried (a slow server is not a dropped one). A call's total timeout
    bounds the whole loop: a wait that would end past it is not slept.

    Example:
        ```python
        from agentos_sync import AgentOSClient, RetryPolicy

        client = AgentOSClient(url, retry=RetryPolicy(max_retries=5, max_backoff=30))
        AgentOSClient(url, retry=RetryPolicy.disabled())   # one attempt per call
        ```
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {self.max_retries!r}")
        _check_backoff("RetryPolicy", self.initial_backoff, self.max_backoff)

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never retries: one attempt per call."""
        return cls(max_retries=0)

    def call(
        self,
        attempt: Callable[[], T],
        *,
        idempotent: bool,
        deadline: Optional[float] = None,
        retries: Optional[int] = None,
        sleep: Optional[Callable[[float], None]] = None,
    ) -> T:
        """``attempt()`` under this policy (``retries`` instead of ``max_retries`` for this call;
        ``deadline`` a `deadline_after` reading). The loop is built only when the first attempt
        fails: that failure is replayed into the loop as its first attempt, so the loop's rules
        apply exactly as if the loop had made it. The common case, a first attempt that
        succeeds, then costs one call: building and entering a tenacity loop was ~80 us of CPU
        per request against a real AgentOS (measured 2026-12-01), a third of this client's
        overhead over requests alone."""
        try:
            return attempt()
        except Exception as exc:  # the loop below decides what to do with it, as it would have
            failure = exc
        loop = self._retrying(self.max_retries if retries is None else retries, idempotent, deadline, sleep)
        return loop(_replaying(failure, attempt))

    def _retrying(
        self, retries: int, idempotent: bool, deadline: Optional[float], sleep: Optional[Callable[[float], None]]
    ) -> tenacity.Retrying:
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(retries + 1) | _StopBeforeDeadline(deadline),
            wait=_waiting(tenacity.wait_random_exponential(multiplier=self.initial_backoff, max=self.max_backoff)),
            retry=tenacity.retry_if_exception(lambda exc: _retryable_request(exc, idempotent)),
            sleep=sleep or (lambda seconds: _sleep(seconds)),
            reraise=True,
        )


def _check_backoff(policy: str, initial: Any, maximum: Any) -> None:
    for name, value in (("initial_backoff", initial), ("max_backoff", maximum)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{policy}.{name} must be a number, got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{policy}.{name} must be a finite number >= 0, got {value!r}")
    if maximum < initial:
        raise ValueError(f"{policy}.max_backoff ({maximum}) must be >= initial_backoff ({initial})")


def call_with_retries(
    attempt: Callable[[], T],
    max_retries: int,
    *,
    idempotent: bool,
    deadline: Optional[float] = None,
    sleep: Optional[Callable[[float], None]] = None,
) -> T:
    """``RetryPolicy(max_retries=max_retries).call(...)``, under the name it had before
    `RetryPolicy`; kept for code that imported it."""
    return RetryPolicy(max_retries=max_retries).call(attempt, idempotent=idempotent, deadline=deadline, sleep=sleep)


def request_retrying(
    max_retries: int,
    *,
    idempotent: bool,
    initial_backoff: float = 0.5,
    max_backoff: float = 8.0,
    sleep: Optional[Callable[[float], None]] = None,
    deadline: Optional[float] = None,
) -> tenacity.Retrying:
    """`RetryPolicy`'s loop for one plain request, under the name it had before `RetryPolicy`;
    kept for code that imported it."""
    return RetryPolicy(max_retries, initial_backoff, max_backoff)._retrying(max_retries, idempotent, deadline, sleep)
