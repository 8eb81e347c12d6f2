"""Blocking waits that a Ctrl-C always ends.

CPython can sleep through a SIGINT sent to a thread blocked on a lock (``Queue.get``,
``Thread.join``, ``Event.wait`` without a timeout). The signal's C handler only records it; the
interpreter acts on it at its next check between bytecodes. When the signal lands while the main
thread is handing the GIL to another thread, that check has already passed, and the main thread
goes on into ``sem_wait``, which nothing wakes: the Ctrl-C acts only when another signal comes.
(Seen here: 1 in ~25-150 runs of ``tests/test_run_many_interrupt.py`` under load, on CPython
3.10; the recorded handler ran only when pytest-timeout's SIGALRM came, seconds later.)

So the main thread waits in slices of `SLICE_S`: each slice ends in the interpreter, which
then runs the recorded handler. A lost Ctrl-C acts within one slice, and a wait that is not
interrupted costs a wake-up per slice. Other threads never receive signals in Python and wait in
one piece.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Callable, Optional, TypeVar

T = TypeVar("T")

#: Longest a recorded but unhandled Ctrl-C waits in the main thread.
SLICE_S = 0.1


def _until(ready: Callable[[Optional[float]], bool], timeout: Optional[float]) -> bool:
    """Call ``ready(slice)`` until it returns True (then True) or ``timeout`` passes (False)."""
    if threading.current_thread() is not threading.main_thread():
        return ready(timeout)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = SLICE_S if deadline is None else min(SLICE_S, deadline - time.monotonic())
        if ready(max(left, 0.0)):
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False


def get(q: queue.Queue[T], timeout: Optional[float] = None) -> T:
    """``q.get(timeout=timeout)``; raises ``queue.Empty`` when nothing came within ``timeout``."""
    got: list[T] = []

    def ready(wait: Optional[float]) -> bool:
        try:
            got.append(q.get(timeout=wait))
        except queue.Empty:
            return False
        return True

    if not _until(ready, timeout):
        raise queue.Empty
    return got[0]


def join(thread: threading.Thread, timeout: Optional[float] = None) -> bool:
    """``thread.join(timeout)``; True when the thread has ended."""

    def ready(wait: Optional[float]) -> bool:
        thread.join(wait)
        return not thread.is_alive()

    return _until(ready, timeout)


def wait(event: threading.Event, timeout: Optional[float] = None) -> bool:
    """``event.wait(timeout)``; True when the event is set."""
    return _until(event.wait, timeout)
