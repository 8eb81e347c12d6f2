"""Response bodies of the fake server: produced frame by frame, shared by both transports."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional

__all__ = ["Body", "Frame"]


@dataclass(frozen=True)
class Frame:
    """A piece of a response body. ``is_event`` marks a run-event frame (what ``after_events``
    faults count); meta frames, comments and JSON bodies are not events."""

    data: bytes
    is_event: bool = False


class Body:
    """A lazily produced body. Pulling a frame may produce run events (the time model); a pull
    may raise ``APIConnectionError``/``APITimeoutError`` (a fault cut or stalled the stream).

    ``on_disconnect`` runs once when the body ends without reaching its natural end: closed early
    by the client, or cut. That is how a foreground stream's run learns its client went away.
    Thread-safe; ``close()`` is idempotent.
    """

    def __init__(self, frames: Iterable[Frame], on_disconnect: Optional[Callable[[], None]] = None) -> None:
        self._frames: Iterator[Frame] = iter(frames)
        self._on_disconnect = on_disconnect
        self._lock = threading.Lock()
        self.completed = False
        self.closed = False
        self._disconnected = False

    def next_frame(self) -> Optional[Frame]:
        """The next frame, or None at the end of the body."""
        with self._lock:
            if self.closed or self.completed:
                return None
            try:
                return next(self._frames)
            except StopIteration:
                self.completed = True
                return None
            except BaseException:
                self.closed = True
                self._close_frames()
                self._disconnect()
                raise

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        frame = self.next_frame()
        if frame is None:
            raise StopIteration
        return frame.data

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._close_frames()
            if not self.completed:
                self._disconnect()

    def _close_frames(self) -> None:
        close = getattr(self._frames, "close", None)
        if close is not None:
            close()

    def _disconnect(self) -> None:
        if self._disconnected:
            return
        self._disconnected = True
        if self._on_disconnect is not None:
            self._on_disconnect()
