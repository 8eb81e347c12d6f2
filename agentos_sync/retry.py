"""Retry and reconnect policy: the only module that knows tenacity.

Two loops use it: plain requests (``max_retries``: connection errors and 429/502/503/504,
honouring ``Retry-After``, all within an optional total time bound) and run-stream reconnects
(`ReconnectPolicy`). Both use full jitter (a uniform wait in
``[0, min(max, initial * 2**n)]``) so that many clients cut at once by a server restart do not
come back in step.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Optional, TypeVar

import tenacity

from .errors import APIConnectionError, APIStatusError, APITimeoutError

__all__ = ["ReconnectGaveUp", "ReconnectPolicy", "call_with_retries", "deadline_after", "remaining", "request_retrying"]

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

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise TypeError(f"ReconnectPolicy.max_attempts must be an int, got {self.max_attempts!r}")
        if self.max_attempts < 0:
            raise ValueError(f"ReconnectPolicy.max_attempts must be >= 0, got {self.max_attempts}")
        if isinstance(self.hedge, bool) or not isinstance(self.hedge, int) or not 1 <= self.hedge <= 8:
            raise ValueError(f"ReconnectPolicy.hedge must be an int in [1, 8], got {self.hedge!r}")
        for name in ("initial_backoff", "max_backoff", "deadline"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"ReconnectPolicy.{name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"ReconnectPolicy.{name} must be a finite number >= 0, got {value!r}")
        if self.max_backoff < self.initial_backoff:
            raise ValueError(
                f"ReconnectPolicy.max_backoff ({self.max_backoff}) must be >= initial_backoff ({self.initial_backoff})"
            )

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
        instant: the stream's own deadline), where the outage stops. tenacity is the engine;
        the caller only sees attempts, waits and exhaustion.
        """
        backoff = (
            tenacity.wait_random_exponential(multiplier=self.initial_backoff, max=self.max_backoff)
            if self.initial_backoff > 0
            else tenacity.wait_none()
        )

        def remaining() -> float:
            return math.inf if deadline_at is None else deadline_at - time.monotonic()

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            after = _retry_after(exc) if exc is not None else None
            seconds = after if after is not None else float(backoff(state))
            return max(0.0, min(seconds, remaining()))

        class _PastDeadline(tenacity.stop.stop_base):
            def __call__(self, state: tenacity.RetryCallState) -> bool:
                return remaining() <= 0

        def hook(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if on_retry is not None and exc is not None:
                on_retry(state.attempt_number, exc, state.next_action.sleep if state.next_action else 0.0)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts + 1)
            | tenacity.stop_after_delay(self.deadline)
            | _PastDeadline(),
            wait=wait,
            retry=tenacity.retry_if_exception(retry_on),
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


def call_with_retries(
    attempt: Callable[[], T],
    max_retries: int,
    *,
    idempotent: bool,
    deadline: Optional[float] = None,
    sleep: Optional[Callable[[float], None]] = None,
) -> T:
    """``attempt()`` under `request_retrying`'s loop, built only when the first attempt
    fails: that failure is replayed into the loop as its first attempt, so the loop's rules
    (what is retried, the waits, ``Retry-After``, the attempt count, the deadline) apply exactly
    as if the loop had made it. The common case, a first attempt that succeeds, then costs one
    call: building and entering a tenacity loop was ~80 us of CPU per request against a real
    AgentOS (measured 2026-12-01, cold caches between runs), a third of this client's overhead
    over requests alone."""
    try:
        return attempt()
    except Exception as exc:  # the loop below decides what to do with it, as it would have
        failure = exc
    return request_retrying(max_retries, idempotent=idempotent, deadline=deadline, sleep=sleep)(
        _replaying(failure, attempt)
    )


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
    """Stop when the wait before the next attempt would end at or past ``deadline``."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        # tenacity computes the wait before it asks whether to stop: upcoming_sleep is known.
        return remaining(self.deadline) - retry_state.upcoming_sleep <= 0


def request_retrying(
    max_retries: int,
    *,
    idempotent: bool,
    initial_backoff: float = 0.5,
    max_backoff: float = 8.0,
    sleep: Optional[Callable[[float], None]] = None,
    deadline: Optional[float] = None,
) -> tenacity.Retrying:
    """The loop for one plain request: retries connection errors and 429/502/503/504, waiting
    ``Retry-After`` when the server sends one. A request that is not ``idempotent`` (creating a
    run) is retried only when it provably never reached the server.

    ``deadline`` (a `deadline_after` reading) bounds the whole loop: a wait that would end at
    or past it is not slept, the loop stops and the last error is raised (a server asking for
    longer than the caller allows is the news, and sleeping first would only delay it)."""

    def should_retry(exc: BaseException) -> bool:
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

    backoff = tenacity.wait_random_exponential(multiplier=initial_backoff, max=max_backoff)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None:
            after = _retry_after(exc)
            if after is not None:
                return after
        return float(backoff(state))

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max_retries + 1)
        if deadline is None
        else tenacity.stop_after_attempt(max_retries + 1) | _StopBeforeDeadline(deadline),
        wait=wait,
        retry=tenacity.retry_if_exception(should_retry),
        sleep=sleep or (lambda seconds: _sleep(seconds)),
        reraise=True,
    )
