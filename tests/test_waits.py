"""The main thread's blocking waits end on a Ctrl-C that the interpreter recorded while the thread
was already asleep on a lock (what CPython's lost-wakeup race leaves: see agentos_sync/_waits.py).

``_thread.interrupt_main()`` records a SIGINT exactly that way: no OS signal, so nothing wakes a
thread blocked in ``sem_wait``; a plain ``queue.Queue().get()`` would sleep through it for ever.
The tests' timeout bounds that hang.
"""

from __future__ import annotations

import _thread
import contextlib
import queue
import threading
import time
from typing import Callable, List, Optional

import pytest

from agentos_sync import _waits


def started(target: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "block",
    [
        lambda: _waits.get(queue.Queue()),
        lambda: _waits.join(started(threading.Event().wait)),
        lambda: _waits.wait(threading.Event()),
    ],
    ids=["queue", "thread", "event"],
)
def test_a_recorded_ctrl_c_ends_a_wait_of_the_main_thread(block: Callable[[], object]) -> None:
    def fire() -> None:
        time.sleep(0.05)  # let the main thread block first
        _thread.interrupt_main()

    interrupter = started(fire)
    try:
        with pytest.raises(KeyboardInterrupt):
            block()
    finally:
        interrupter.join()
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(0.01)  # had block() failed early, the interrupt lands here, not in pytest


def test_join_of_a_thread_never_started_is_refused_like_thread_join() -> None:
    with pytest.raises(RuntimeError):
        _waits.join(threading.Thread(target=lambda: None))


class Recording(queue.Queue[int]):
    def __init__(self, items: List[int], empty_calls: int = 0) -> None:
        super().__init__()
        self.timeouts: List[Optional[float]] = []
        self._empty_calls = empty_calls
        for item in items:
            self.put(item)

    def get(self, block: bool = True, timeout: Optional[float] = None) -> int:
        self.timeouts.append(timeout)
        if self._empty_calls:
            self._empty_calls -= 1
            raise queue.Empty
        return super().get(block, timeout)


def test_the_main_thread_waits_in_slices_and_still_gets_what_comes() -> None:
    q = Recording([7], empty_calls=3)
    assert _waits.get(q) == 7
    assert len(q.timeouts) == 4 and all(t == _waits.SLICE_S for t in q.timeouts)


def test_a_timeout_is_kept_across_slices() -> None:
    q = Recording([])
    with pytest.raises(queue.Empty):
        _waits.get(q, timeout=0.25)
    assert q.timeouts and all(t is not None and 0 <= t <= _waits.SLICE_S for t in q.timeouts)
    assert sum(t for t in q.timeouts if t is not None) == pytest.approx(0.25, abs=0.05)
    assert _waits.wait(threading.Event(), timeout=0) is False


def test_other_threads_wait_in_one_piece() -> None:
    q = Recording([1])
    seen: List[object] = []
    worker = threading.Thread(target=lambda: seen.append(_waits.get(q)))
    worker.start()
    worker.join()
    assert seen == [1] and q.timeouts == [None]


def test_a_finished_thread_and_a_set_event_return_at_once() -> None:
    thread = threading.Thread(target=lambda: None)
    thread.start()
    assert _waits.join(thread) is True
    event = threading.Event()
    event.set()
    assert _waits.wait(event) is True
