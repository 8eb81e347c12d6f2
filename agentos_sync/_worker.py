"""StreamWorker: one run stream read on a daemon thread, its events handed over a queue.

Kept apart from `agentos_sync.concurrency` (which re-exports it) so that
`RunStream.in_thread <agentos_sync.streams.RunStream.in_thread>` can build one. It reads any
`EventStream` (what it needs of a `RunStream`), so it imports nothing of ``streams``: the
dependency runs one way, streams -> worker.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from typing import Any, Callable, Iterator, Optional, Protocol

from . import _waits, errors
from ._callables import call_sync as _call_sync
from ._callables import reject_async as _reject_async
from .events import RunEvent

__all__ = ["EventStream", "StreamWorker", "stream_in_thread"]

logger = logging.getLogger("agentos_sync")


class EventStream(Protocol):
    """What a `StreamWorker` reads: a `RunStream <agentos_sync.streams.RunStream>` (an iterator of
    events it closes at the end, whose ``run_id`` names its thread and messages)."""

    @property
    def run_id(self) -> Optional[str]: ...

    def __next__(self) -> RunEvent: ...

    def __iter__(self) -> Iterator[RunEvent]: ...

    def close(self) -> None: ...


class _End:
    """The last item a worker queues: the stream ended, with ``error`` when it failed."""

    __slots__ = ("error",)

    def __init__(self, error: Optional[BaseException]) -> None:
        self.error = error


_CANCELLED = _End(None)

#: How often a worker blocked on a full queue looks whether it was cancelled.
_PUT_POLL = 0.05


class _Shared:
    """State shared by a worker thread and its `StreamWorker`. The thread holds only this
    (never the StreamWorker), so a worker dropped without ``cancel()`` is garbage collected, and
    its finaliser closes the stream instead of leaving a thread blocked on a full queue."""

    def __init__(self, maxsize: int) -> None:
        self.queue: queue.Queue[Any] = queue.Queue(maxsize)
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        self.error: Optional[BaseException] = None

    def put(self, item: Any) -> bool:
        """Queue ``item``, waiting while the queue is full; False when cancelled meanwhile."""
        while not self.cancelled.is_set():
            try:
                self.queue.put(item, timeout=_PUT_POLL)
                return True
            except queue.Full:
                continue
        return False


def _pump(
    shared: _Shared,
    stream: EventStream,
    on_event: Optional[Callable[[RunEvent], Any]],
    on_error: Optional[Callable[[BaseException], Any]],
    on_done: Optional[Callable[[], Any]],
) -> None:
    """The worker thread: read the stream to its end, then report how it ended."""
    error: Optional[BaseException] = None
    try:
        for event in stream:
            if shared.cancelled.is_set():
                break
            if on_event is not None:
                _call_sync(on_event, "on_event", event)
            elif not shared.put(event):
                break
    except BaseException as exc:  # delivered to the consumer, re-raised there
        if not shared.cancelled.is_set():
            error = exc  # after cancel(), what the closed stream raises is the cancel itself
    finally:
        with contextlib.suppress(Exception):
            stream.close()
    shared.error = error
    if error is not None:
        logger.debug("stream worker of run %s ended with %r", getattr(stream, "run_id", None), error)
        if on_error is not None:
            try:
                _call_sync(on_error, "on_error", error)
            except Exception:
                logger.exception("the on_error callback of a StreamWorker raised")
    if on_done is not None:
        try:
            _call_sync(on_done, "on_done")
        except Exception:
            logger.exception("the on_done callback of a StreamWorker raised")
    if shared.cancelled.is_set():
        with contextlib.suppress(queue.Full):
            shared.queue.put_nowait(_CANCELLED)
    else:
        shared.put(_End(error))
    shared.finished.set()


class StreamWorker:
    """Reads one `RunStream` on a daemon thread, so the caller can wait with a
    timeout, do other work, or be called back.

    Events go to a bounded ``queue.Queue`` (``maxsize``; a slow consumer slows the reading, it
    never drops events): take them with `get` (``timeout`` in seconds), `events` or a
    plain ``for`` loop. An exception of the stream is re-raised to the consumer after the events
    that preceded it. With ``on_event``, events go to that callback (on the worker thread) instead
    of the queue; ``on_error(exc)`` sees a failure, ``on_done()`` runs once at the end, whatever the
    outcome. All callbacks have run when `get` reports the end or `join` returns.

    `cancel` (also on leaving a ``with`` block, and when the worker is garbage collected)
    closes the stream, which releases its connection to the pool, and stops the thread. The run
    itself is not cancelled on the server (``client.cancel_agent_run(run_id)`` does that).

    One StreamWorker is the stream's one consumer: do not iterate the stream yourself meanwhile.
    The worker's queue may be read from any thread.

    Example:
        ```python
        with client.agents.stream("assistant", "Write a story", background=True) as stream:
            worker = StreamWorker(stream)
            while True:
                try:
                    ev = worker.get(timeout=1.0)
                except queue.Empty:
                    print("still waiting...")
                    continue
                if ev is None:
                    break
                print(ev.event)

        StreamWorker(stream, on_event=print, on_done=lambda: print("done"))   # callbacks only
        ```
    """

    def __init__(
        self,
        stream: EventStream,
        *,
        on_event: Optional[Callable[[RunEvent], Any]] = None,
        on_error: Optional[Callable[[BaseException], Any]] = None,
        on_done: Optional[Callable[[], Any]] = None,
        maxsize: int = 1024,
        start: bool = True,
        name: Optional[str] = None,
    ) -> None:
        _reject_async(on_event, "on_event")
        _reject_async(on_error, "on_error")
        _reject_async(on_done, "on_done")
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 0:
            raise ValueError(f"maxsize must be an int >= 0 (0: unbounded), got {maxsize!r}")
        if not hasattr(stream, "__next__") or not callable(getattr(stream, "close", None)):
            raise TypeError(f"stream must be a RunStream, got {type(stream).__name__}")
        if getattr(stream, "closed", False):
            raise errors.StreamError(
                "This stream is already closed; open a new one (or resume_*_run_stream with its run_id).",
                run_id=getattr(stream, "run_id", None),
                session_id=getattr(stream, "session_id", None),
                last_event_index=getattr(stream, "last_event_index", None),
            )
        self.stream = stream
        self._shared = _Shared(maxsize)
        self._ended = False
        self._thread = threading.Thread(
            target=_pump,
            args=(self._shared, stream, on_event, on_error, on_done),
            name=name or f"agentos_sync-stream-{getattr(stream, 'run_id', None) or 'new'}",
            daemon=True,
        )
        self._start_lock = threading.Lock()
        self._started = False
        if start:
            self.start()

    def start(self) -> StreamWorker:
        """Start the thread (done by the constructor unless ``start=False``). Returns self."""
        with self._start_lock:
            if self._started:
                raise RuntimeError("This StreamWorker is already started.")
            self._started = True
        self._thread.start()
        return self

    # -- consuming -------------------------------------------------------------------------

    def get(self, timeout: Optional[float] = None) -> Optional[RunEvent]:
        """The next event; None once the stream has ended (or was cancelled), and on every call
        after that. Raises the stream's exception if it failed (once its earlier events are taken),
        and ``queue.Empty`` when no event came within ``timeout`` seconds (the stream goes on:
        call again, or `cancel`)."""
        if self._ended or self._shared.cancelled.is_set():
            self._end()
            return None
        if not self._started:
            raise RuntimeError("This StreamWorker was created with start=False and not started.")
        item = _waits.get(self._shared.queue, timeout)
        if isinstance(item, _End):
            self._ended = True
            # Put the end back for any other thread blocked in get().
            with contextlib.suppress(queue.Full):
                self._shared.queue.put_nowait(item)
            self._end()
            return None
        assert isinstance(item, RunEvent)
        return item

    def _end(self) -> None:
        """Mark the end as seen; raise the stream's error if it failed (and was not cancelled)."""
        self._ended = True
        error = self._shared.error
        if error is not None and not self._shared.cancelled.is_set():
            raise error

    def events(self, timeout: Optional[float] = None) -> Iterator[RunEvent]:
        """Iterate the events until the stream ends. With ``timeout``, raise ``TimeoutError`` when
        no event comes within that many seconds (the worker keeps reading; call again or cancel)."""
        while True:
            try:
                event = self.get(timeout)
            except queue.Empty:
                raise TimeoutError(
                    f"No event from run {self.stream.run_id or '(not started)'} within {timeout} s; "
                    "the stream is still open: wait again, or cancel()."
                ) from None
            if event is None:
                return
            yield event

    def __iter__(self) -> Iterator[RunEvent]:
        return self.events()

    # -- lifecycle -------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop reading: close the stream (its connection returns to the pool) and end the thread.
        Idempotent; a consumer blocked in `get` wakes with None. The run goes on on the server."""
        shared = self._shared
        if shared.finished.is_set() or shared.cancelled.is_set():
            return
        shared.cancelled.set()
        with contextlib.suppress(Exception):
            self.stream.close()
        with contextlib.suppress(queue.Full):
            shared.queue.put_nowait(_CANCELLED)

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the thread to end (at most ``timeout`` seconds); True when it has."""
        if not self._started:
            return self._shared.finished.is_set()
        return _waits.join(self._thread, timeout)

    @property
    def done(self) -> bool:
        """The thread has ended (stream exhausted, failed or cancelled) and its callbacks have run."""
        return self._shared.finished.is_set()

    @property
    def cancelled(self) -> bool:
        return self._shared.cancelled.is_set()

    @property
    def error(self) -> Optional[BaseException]:
        """The exception that ended the stream, once it has ended (None if it completed)."""
        return self._shared.error if self._shared.finished.is_set() else None

    def __enter__(self) -> StreamWorker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.cancel()

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled else "done" if self.done else "running" if self._started else "new"
        return f"<StreamWorker {state} run_id={getattr(self.stream, 'run_id', None)}>"


def stream_in_thread(
    stream: EventStream,
    *,
    on_event: Optional[Callable[[RunEvent], Any]] = None,
    on_error: Optional[Callable[[BaseException], Any]] = None,
    on_done: Optional[Callable[[], Any]] = None,
    maxsize: int = 1024,
) -> StreamWorker:
    """Start reading ``stream`` on a worker thread; see `StreamWorker`.

    Example:
        ```python
        worker = stream_in_thread(client.agents.stream("assistant", "Hi", background=True))
        ev = worker.get(timeout=5)
        ```
    """
    return StreamWorker(stream, on_event=on_event, on_error=on_error, on_done=on_done, maxsize=maxsize)
