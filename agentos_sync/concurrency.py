"""Concurrency without asyncio: many runs on a bounded thread pool, and a run stream read on a
worker thread.

What is safe to share: one :class:`~agentos_sync.AgentOSClient` between any number of threads
(it holds no per-call state; its connection pool is sized by ``pool_maxsize``). What is not: one
:class:`~agentos_sync.RunStream` has one consumer. A :class:`StreamWorker` is that consumer, and
hands the events to any thread through a ``queue.Queue``.

- :func:`run_many` runs N agent/team/workflow runs on at most ``max_workers`` threads and returns
  one :class:`RunResult` per request, in input order; a failed run is captured in its result, it
  never stops the others half-way.
- :class:`StreamWorker` reads one run stream on a daemon thread and either queues its events (the
  caller waits with ``get(timeout=...)``) or hands them to callbacks; ``cancel()`` closes the
  stream, which returns its connection to the pool.

Every callable given here is called from a plain thread: async functions are refused with a
``TypeError`` (nothing would await them).

Example::

    from agentos_sync import AgentOSClient
    from agentos_sync.concurrency import RunRequest, StreamWorker, run_many

    client = AgentOSClient("http://localhost:7777", pool_maxsize=16)
    results = run_many(client, [("assistant", "Hi"), RunRequest(kind="team", id="duo", message="Hi")])
    for r in results:
        print(r.request.id, r.output.content if r.ok else r.error)

    with StreamWorker(client.run_agent_stream("assistant", "Tell me a story", background=True)) as worker:
        for ev in worker.events(timeout=30):
            ...
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)

from . import errors
from .events import RunEvent
from .models import RunOutput, RunStatus

if TYPE_CHECKING:
    from .client import AgentOSClient
    from .streams import RunStream

__all__ = ["RunRequest", "RunRequestLike", "RunResult", "StreamWorker", "run_many", "stream_in_thread"]

logger = logging.getLogger("agentos_sync")

#: The kinds of component a run can target.
RUN_KINDS = ("agent", "team", "workflow")


# -- sync-only callables ---------------------------------------------------------------------


def _is_async_callable(fn: Any) -> bool:
    # iscoroutinefunction sees through functools.partial (3.8+); an object whose __call__ is async
    # is not a coroutine function itself.
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        return True
    call = getattr(type(fn), "__call__", None)  # noqa: B004 - the class's __call__, not callable()
    return call is not None and (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call))


def _reject_async(fn: Any, what: str) -> None:
    """Raise ``TypeError`` unless ``fn`` is None or a plain (synchronous) callable.

    Also used by the client for ``on_reconnect`` and by the framework helpers for ``transform``.
    """
    if fn is None:
        return
    if inspect.isawaitable(fn):
        if inspect.iscoroutine(fn):
            fn.close()  # not ours to run; closing it spares the "never awaited" warning
        raise TypeError(
            f"{what} must be a plain function, got an awaitable ({type(fn).__name__}); agentos_sync is "
            "synchronous and never awaits anything."
        )
    if not callable(fn):
        raise TypeError(f"{what} must be callable, got {type(fn).__name__}")
    if _is_async_callable(fn):
        name = getattr(fn, "__qualname__", None) or type(fn).__name__
        raise TypeError(
            f"{what} is an async function ({name}); agentos_sync is synchronous and calls {what} from a "
            "plain thread, where nothing would await it. Pass a regular function (to reach an event "
            "loop from it, use asyncio.run_coroutine_threadsafe)."
        )


def _call_sync(fn: Callable[..., Any], what: str, *args: Any) -> Any:
    """Call a callback; an awaitable result (an async callable that slipped past the check, such
    as a lambda returning a coroutine) is a TypeError, never silently dropped."""
    result = fn(*args)
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        raise TypeError(
            f"{what} returned an awaitable ({type(result).__name__}); agentos_sync is synchronous and "
            "never awaits it. Pass a regular function."
        )
    return result


# -- run_many ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRequest:
    """One run for :func:`run_many`: the component (``kind`` and ``id``), the message, and extra
    run fields passed to ``run_agent``/``run_team``/``run_workflow`` as keyword arguments
    (``session_id``, ``user_id``, ``session_state``, ``metadata``, ``files``, ...).

    Example::

        RunRequest(id="assistant", message="What is 2 + 2?")
        RunRequest(kind="team", id="duo", message="Plan a trip", kwargs={"user_id": "u1"})
    """

    id: str
    message: str
    kind: str = "agent"
    kwargs: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in RUN_KINDS:
            raise ValueError(f"RunRequest.kind must be one of {', '.join(RUN_KINDS)}; got {self.kind!r}")
        if not isinstance(self.id, str) or not self.id:
            raise TypeError(f"RunRequest.id must be a non-empty str (the {self.kind} id), got {self.id!r}")
        if not isinstance(self.message, str):
            raise TypeError(f"RunRequest.message must be a str, got {type(self.message).__name__}")
        if not isinstance(self.kwargs, Mapping):
            raise TypeError(f"RunRequest.kwargs must be a mapping, got {type(self.kwargs).__name__}")
        bad = {"background", "stream", "message"} & set(self.kwargs)
        if bad:
            raise ValueError(
                f"RunRequest.kwargs must not set {', '.join(sorted(bad))}: run_many waits for every "
                "run's output (use run_many(..., resumable=True) for runs that must survive dropped "
                "connections)."
            )
        object.__setattr__(self, "kwargs", dict(self.kwargs))


#: What :func:`run_many` accepts per run: a :class:`RunRequest`, ``(id, message)`` or
#: ``(id, message, kwargs)``.
RunRequestLike = Union[RunRequest, Tuple[str, str], Tuple[str, str, Mapping[str, Any]]]


@dataclass(frozen=True)
class RunResult:
    """The outcome of one :func:`run_many` request: ``output`` when it succeeded, else ``error``
    (an :class:`~agentos_sync.errors.AgentOSError` for anything the server or the network did, such
    as ``NotFoundError`` or ``RunFailedError`` for a run that ended in error, whose ``.output`` is
    the run; a ``TypeError``/``ValueError`` when the request's own arguments were refused).

    Example::

        for r in run_many(client, requests):
            if r.ok:
                print(r.output.content)
            else:
                print(r.request.id, "failed:", r.error)
        outputs = [r.unwrap() for r in results]   # raises the first captured error
    """

    request: RunRequest
    index: int
    output: Optional[RunOutput] = None
    error: Optional[Exception] = None
    #: Seconds from this run's start to its end (time spent queued for a worker excluded).
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> RunOutput:
        """The output, or raise the captured error."""
        if self.error is not None:
            raise self.error
        assert self.output is not None
        return self.output


def _as_request(item: Any, index: int, kind: str) -> RunRequest:
    if isinstance(item, RunRequest):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3):
        kwargs = item[2] if len(item) == 3 else {}
        return RunRequest(id=item[0], message=item[1], kind=kind, kwargs=kwargs)
    raise TypeError(
        f"run_many request #{index} must be a RunRequest, an (id, message) tuple or an "
        f"(id, message, kwargs) tuple; got {type(item).__name__}"
    )


class _Batch:
    """What one :func:`run_many` call has in flight, so that an interrupt can end it at once: the
    streams its threads are reading are closed (which wakes a thread blocked in recv), and no
    request not yet started is sent."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._streams: set[RunStream] = set()

    def track(self, stream: RunStream) -> None:
        with self._lock:
            if not self.stopped.is_set():
                self._streams.add(stream)
                return
        stream.close()  # opened while the batch was being stopped

    def untrack(self, stream: RunStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def stop(self) -> None:
        with self._lock:
            self.stopped.set()
            streams, self._streams = list(self._streams), set()
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.close()


def _run_one(client: AgentOSClient, request: RunRequest, index: int, resumable: bool, batch: _Batch) -> RunResult:
    start = time.monotonic()
    kwargs = dict(request.kwargs)
    try:
        output: Any
        if resumable:
            if request.kind == "agent":
                stream = client.run_agent_stream(request.id, request.message, background=True, **kwargs)
            elif request.kind == "team":
                stream = client.run_team_stream(request.id, request.message, background=True, **kwargs)
            else:
                stream = client.run_workflow_stream(request.id, request.message, background=True, **kwargs)
            batch.track(stream)
            try:
                with stream:
                    for _ in stream:
                        pass
                    if batch.stopped.is_set():
                        # Closed by the interrupt: fetching the run now would be one more request
                        # the caller has just said not to wait for.
                        raise errors.StreamError("run_many was interrupted", run_id=stream.run_id)
                    output = stream.get_final_output()
            finally:
                batch.untrack(stream)
        elif request.kind == "agent":
            output = client.run_agent(request.id, request.message, **kwargs)
        elif request.kind == "team":
            output = client.run_team(request.id, request.message, **kwargs)
        else:
            output = client.run_workflow(request.id, request.message, **kwargs)
        if not isinstance(output, RunOutput):  # pragma: no cover - background is refused above
            raise errors.ProtocolError(f"expected a RunOutput, got {type(output).__name__}")
        if str(output.status or "").upper() == RunStatus.ERROR:
            # What a stream reports as RunFailedError, a plain run reports as status ERROR: one
            # outcome, one shape in the results.
            raise errors.RunFailedError(
                f"Run {output.run_id} of {request.kind} {request.id} failed: {output.content or 'the run failed'}",
                output=output,
            )
    except Exception as exc:  # captured per run: one failure must not stop the others
        logger.debug("agentos_sync: run_many #%d (%s %s) failed: %r", index, request.kind, request.id, exc)
        return RunResult(request=request, index=index, error=exc, elapsed=time.monotonic() - start)
    return RunResult(request=request, index=index, output=output, elapsed=time.monotonic() - start)


def run_many(
    client: AgentOSClient,
    requests: Iterable[RunRequestLike],
    *,
    max_workers: int = 8,
    kind: str = "agent",
    resumable: bool = False,
    on_result: Optional[Callable[[RunResult], Any]] = None,
) -> List[RunResult]:
    """Run many agent/team/workflow runs at once on a bounded thread pool and wait for them all.

    Returns one :class:`RunResult` per request, **in input order**. A run that fails (a 404, a
    timeout, a failed run, a bad argument) is captured in its result's ``error``; it never raises
    half-way, and the other runs go on. Requests are validated before any run starts.

    - ``requests``: :class:`RunRequest` objects, or ``(id, message)`` / ``(id, message, kwargs)``
      tuples, whose kind is ``kind`` (default ``"agent"``).
    - ``max_workers``: at most this many runs in flight. Give the client a ``pool_maxsize`` at
      least this large, or connections beyond the pool are opened and discarded per run.
    - ``resumable``: run each as a background stream that resumes transparently after a dropped
      connection (``run_*_stream(..., background=True).get_final_output()``) instead of one long
      blocking request.
    - ``on_result``: called with each result as it completes (completion order), in the calling
      thread; an exception it raises stops the wait like an interrupt.

    Ctrl-C (or an ``on_result`` error) returns at once: requests not yet started are never sent,
    the streams being read (``resumable=True``) are closed, and the worker threads are daemons, so
    a plain request still waiting for its answer never holds the process at exit. The runs
    themselves go on on the server (background ones can be resumed or cancelled by run_id).

    The client is shared by the worker threads, which is safe. Example::

        results = run_many(client, [("assistant", f"Summarise chapter {n}") for n in range(1, 21)], max_workers=8)
        summaries = [r.output.content for r in results if r.ok]
        failed = [(r.request, r.error) for r in results if not r.ok]
    """
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ValueError(f"max_workers must be an int >= 1, got {max_workers!r}")
    if kind not in RUN_KINDS:
        raise ValueError(f"kind must be one of {', '.join(RUN_KINDS)}; got {kind!r}")
    _reject_async(on_result, "on_result")
    if isinstance(requests, (str, bytes, RunRequest)):
        raise TypeError("requests must be an iterable of requests, not a single one")
    batch = [_as_request(item, i, kind) for i, item in enumerate(requests)]
    if not batch:
        return []
    if getattr(client, "closed", False):
        raise RuntimeError("This AgentOSClient is closed; create a new one.")
    results: List[Optional[RunResult]] = [None] * len(batch)
    inflight = _Batch()
    todo: queue.Queue[Tuple[int, RunRequest]] = queue.Queue()
    for item in enumerate(batch):
        todo.put(item)
    done: queue.Queue[RunResult] = queue.Queue()

    def work() -> None:
        while not inflight.stopped.is_set():
            try:
                index, request = todo.get_nowait()
            except queue.Empty:
                return
            done.put(_run_one(client, request, index, resumable, inflight))

    try:
        # Daemon threads, not a ThreadPoolExecutor: the executor's threads are joined at
        # interpreter exit, so after Ctrl-C the process waited for every blocking run in flight.
        # Started inside the try: a Ctrl-C while the last ones start must stop the first ones.
        for n in range(min(max_workers, len(batch))):
            threading.Thread(target=work, name=f"agentos_sync-run_many_{n}", daemon=True).start()
        for _ in batch:
            result = done.get()
            results[result.index] = result
            if on_result is not None:
                _call_sync(on_result, "on_result", result)
    except BaseException:
        inflight.stop()
        raise
    return [r for r in results if r is not None]


# -- StreamWorker ------------------------------------------------------------------------------


class _End:
    """The last item a worker queues: the stream ended, with ``error`` when it failed."""

    __slots__ = ("error",)

    def __init__(self, error: Optional[BaseException]) -> None:
        self.error = error


_CANCELLED = _End(None)

#: How often a worker blocked on a full queue looks whether it was cancelled.
_PUT_POLL = 0.05


class _Shared:
    """State shared by a worker thread and its :class:`StreamWorker`. The thread holds only this
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
    stream: RunStream,
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
        logger.debug("agentos_sync: stream worker of run %s ended with %r", getattr(stream, "run_id", None), error)
        if on_error is not None:
            try:
                _call_sync(on_error, "on_error", error)
            except Exception:
                logger.exception("agentos_sync: the on_error callback of a StreamWorker raised")
    if on_done is not None:
        try:
            _call_sync(on_done, "on_done")
        except Exception:
            logger.exception("agentos_sync: the on_done callback of a StreamWorker raised")
    if shared.cancelled.is_set():
        with contextlib.suppress(queue.Full):
            shared.queue.put_nowait(_CANCELLED)
    else:
        shared.put(_End(error))
    shared.finished.set()


class StreamWorker:
    """Reads one :class:`~agentos_sync.RunStream` on a daemon thread, so the caller can wait with a
    timeout, do other work, or be called back.

    Events go to a bounded ``queue.Queue`` (``maxsize``; a slow consumer slows the reading, it
    never drops events): take them with :meth:`get` (``timeout`` in seconds), :meth:`events` or a
    plain ``for`` loop. An exception of the stream is re-raised to the consumer after the events
    that preceded it. With ``on_event``, events go to that callback (on the worker thread) instead
    of the queue; ``on_error(exc)`` sees a failure, ``on_done()`` runs once at the end, whatever the
    outcome. All callbacks have run when :meth:`get` reports the end or :meth:`join` returns.

    :meth:`cancel` (also on leaving a ``with`` block, and when the worker is garbage collected)
    closes the stream, which releases its connection to the pool, and stops the thread. The run
    itself is not cancelled on the server (``client.cancel_agent_run(run_id)`` does that).

    One StreamWorker is the stream's one consumer: do not iterate the stream yourself meanwhile.
    The worker's queue may be read from any thread.

    Example::

        with client.run_agent_stream("assistant", "Write a story", background=True) as stream:
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
    """

    def __init__(
        self,
        stream: RunStream,
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
        call again, or :meth:`cancel`)."""
        if self._ended or self._shared.cancelled.is_set():
            self._end()
            return None
        if not self._started:
            raise RuntimeError("This StreamWorker was created with start=False and not started.")
        item = self._shared.queue.get(timeout=timeout)
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
        Idempotent; a consumer blocked in :meth:`get` wakes with None. The run goes on on the server."""
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
        self._thread.join(timeout)
        return not self._thread.is_alive()

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
    stream: RunStream,
    *,
    on_event: Optional[Callable[[RunEvent], Any]] = None,
    on_error: Optional[Callable[[BaseException], Any]] = None,
    on_done: Optional[Callable[[], Any]] = None,
    maxsize: int = 1024,
) -> StreamWorker:
    """Start reading ``stream`` on a worker thread; see :class:`StreamWorker`. Example::

    worker = stream_in_thread(client.run_agent_stream("assistant", "Hi", background=True))
    ev = worker.get(timeout=5)
    """
    return StreamWorker(stream, on_event=on_event, on_error=on_error, on_done=on_done, maxsize=maxsize)
