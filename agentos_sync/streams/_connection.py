"""The HTTP side of one run stream: its current response, the responses of a hedged resume being
opened, whether the stream was closed, its total deadline (and the timer that enforces it), and
the bytes it read.

Shared by the stream (which reads events and closes) and its reconnector (which opens new
responses); neither holds the other. See docs/architecture.md, 'Reconnecting'.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Iterator, List, Optional

from .. import errors
from ..events import RunEvent
from ..sse import iter_events
from ..transports.base import Response
from ._position import Position

__all__ = ["Closed", "Connection", "DeadlineExceeded"]


class Closed(Exception):
    """The stream was closed (from another thread) while it was reconnecting."""


class DeadlineExceeded(errors.APITimeoutError):
    """The stream's own total deadline passed: final, never a cut to resume from."""


def _counted(response: Response, total: List[int]) -> Iterator[bytes]:
    """The body's chunks, their sizes added to ``total[0]``: per read of the body (64 KiB at a
    time from the requests transport), not per event."""
    for chunk in response.iter_bytes():
        total[0] += len(chunk)
        yield chunk
        # Not held while the next read waits: an idle stream would keep its last read alive
        # (~15 KiB per stream at 1,000 idle streams after a burst, tracemalloc).
        del chunk


def _deadline_fired(ref: weakref.ReferenceType[Connection]) -> None:
    connection = ref()
    if connection is not None:
        connection.close_response()


class Connection:
    """See the module docstring. ``closed`` is set once, by `shut` (the stream's close, from any
    thread, or its end); the reconnector opens nothing after it.

    The deadline is a total budget in wall time: the read timeout bounds one silence, but a server
    that trickles a byte a second never trips it, and a reader blocked in recv checks nothing. So
    a timer closes the current response at the deadline (the transport's close() wakes a blocked
    reader), and the stream's loop, finding the deadline passed, raises; the reconnect waits are
    clipped to it too. Per-connection read timeouts clipped to the remaining time would need a
    transport knob per read and still miss a trickle.
    """

    __slots__ = (
        "__weakref__",  # the deadline timer's
        "bytes",
        "closed",
        "deadline_at",
        "deadline_s",
        "hedges",
        "max_event_bytes",
        "position",
        "response",
        "timer",
    )

    def __init__(
        self, position: Position, response: Optional[Response], *, max_event_bytes: int, deadline: Optional[float]
    ) -> None:
        self.position = position
        # Held from the start: a stream closed before its first next() still closes its response.
        self.response = response
        # The responses of a hedged resume being opened (close_response() closes them too).
        self.hedges: List[Response] = []
        self.closed = False
        self.bytes = [0]
        self.max_event_bytes = max_event_bytes
        self.deadline_s = deadline
        self.deadline_at = None if deadline is None else time.monotonic() + deadline
        self.timer: Optional[threading.Timer] = None
        if deadline is not None:
            # A weak reference: an abandoned stream must not live on until its deadline.
            self.timer = threading.Timer(deadline, _deadline_fired, args=(weakref.ref(self),))
            self.timer.daemon = True
            self.timer.start()

    def open(self, response: Response, frames: Optional[Iterator[RunEvent]] = None) -> Iterator[RunEvent]:
        """The events of ``response`` as they are decoded (``frames``, when already being read),
        meta frames included. It becomes the current response (closed by the stream's loop, by
        close(), or on error)."""
        self.response = response
        self.position.new_connection()
        if self.closed:
            raise Closed()  # closed while this response was being opened: release it at once
        self.check_deadline()  # the deadline timer may have fired while it was being opened
        return frames if frames is not None else self.decode(response)

    def decode(self, response: Response) -> Iterator[RunEvent]:
        """The typed events of ``response``'s body, its bytes counted."""
        return iter_events(_counted(response, self.bytes), self.max_event_bytes)

    def shut(self) -> bool:
        """Mark the stream closed, close its responses and stop the deadline timer; whether it
        was still open."""
        was_open = not self.closed
        self.closed = True
        self.close_response()
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()
        return was_open

    def close_response(self) -> None:
        response, self.response = self.response, None
        if response is not None:
            response.close()
        for hedge in list(self.hedges):
            hedge.close()

    def check_deadline(self) -> None:
        if self.deadline_at is not None and time.monotonic() >= self.deadline_at:
            position = self.position
            raise DeadlineExceeded(
                f"The stream of run {position.run_id} passed its deadline of {self.deadline_s}s (at event_index "
                f"{position.last_event_index}); pass a larger deadline=, or resume it later."
            )
