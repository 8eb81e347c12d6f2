"""The one poll-until-done loop of the ``wait`` methods that ask the server again and again
(``knowledge.wait``, ``approvals.wait``): argument checks, the deadline, and the timeout error that
says what was still awaited."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from . import errors

T = TypeVar("T")

__all__ = ["poll"]


def poll(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    still: Callable[[T], str],
    *,
    timeout: float,
    poll_interval: float,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``fetch()`` until ``done(answer)``, sleeping ``poll_interval`` between asks; after
    ``timeout`` seconds an ``APITimeoutError`` whose message is ``still(last answer)``."""
    for name, value in (("timeout", timeout), ("poll_interval", poll_interval)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name} must be a number of seconds > 0, got {value!r}")
    deadline = time.monotonic() + timeout
    while True:
        answer = fetch()
        if done(answer):
            return answer
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.APITimeoutError(still(answer))
        sleep(min(poll_interval, remaining))
