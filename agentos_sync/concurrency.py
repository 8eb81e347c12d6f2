"""Concurrency without asyncio: many runs on a bounded thread pool, and a run stream read on a
worker thread.

What is safe to share: one `AgentOSClient` between any number of threads
(it holds no per-call state; its connection pool is sized by ``pool_maxsize``). What is not: one
`RunStream` has one consumer. A `StreamWorker` is that consumer, and
hands the events to any thread through a ``queue.Queue``.

- `run_many` runs N agent/team/workflow runs on at most ``max_workers`` threads and returns
  one `RunResult` per request, in input order; a failed run is captured in its result, it
  never stops the others half-way.
- `StreamWorker` reads one run stream on a daemon thread and either queues its events (the
  caller waits with ``get(timeout=...)``) or hands them to callbacks; ``cancel()`` closes the
  stream, which returns its connection to the pool.

Every callable given here is called from a plain thread: async functions are refused with a
``TypeError`` (nothing would await them).

Example:
    ```python
    from agentos_sync import AgentOSClient
    from agentos_sync.concurrency import RunRequest, StreamWorker, run_many

    client = AgentOSClient("http://localhost:7777", pool_maxsize=16)
    results = run_many(client, [("assistant", "Hi"), RunRequest(kind="team", id="duo", message="Hi")])
    for r in results:
        print(r.request.id, r.output.content if r.ok else r.error)

    with StreamWorker(client.agents.stream("assistant", "Tell me a story", background=True)) as worker:
        for ev in worker.events(timeout=30):
            ...
    ```
"""

from __future__ import annotations

import contextlib
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
    List,
    Mapping,
    Optional,
    Protocol,
    Tuple,
    TypedDict,
    Union,
)

from . import _waits, errors
from ._callables import call_sync as _call_sync
from ._callables import reject_async as _reject_async
from ._worker import StreamWorker, stream_in_thread
from .models import RunOutput, RunStatus

if TYPE_CHECKING:
    from .resources.runs import Runs
    from .streams import RunStream

__all__ = [
    "RunClient",
    "RunManyOptions",
    "RunRequest",
    "RunRequestLike",
    "RunResult",
    "StreamWorker",
    "run_many",
    "stream_in_thread",
]


class RunClient(Protocol):
    """What `run_many` needs of a client (`AgentOSClient` is one): the runs of a kind, by name."""

    def for_kind(self, kind: str) -> Runs[Any]: ...


logger = logging.getLogger("agentos_sync")

#: The kinds of component a run can target.
RUN_KINDS = ("agent", "team", "workflow")


# -- run_many ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRequest:
    """One run for `run_many`: the component (``kind`` and ``id``), the message, and extra
    run fields passed to ``client.agents.run`` / ``teams.run`` / ``workflows.run`` as keyword
    arguments (``session_id``, ``user_id``, ``session_state``, ``metadata``, ``files``, ...; an
    unknown one fails that run with a ``TypeError``).

    Example:
        ```python
        RunRequest(id="assistant", message="What is 2 + 2?")
        RunRequest(kind="team", id="duo", message="Plan a trip", kwargs={"user_id": "u1"})
        ```
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


RunRequestLike = Union[RunRequest, Tuple[str, str], Tuple[str, str, Mapping[str, Any]]]
"""What `run_many` accepts per run: a `RunRequest`, ``(id, message)`` or ``(id, message, kwargs)``."""


@dataclass(frozen=True)
class RunResult:
    """The outcome of one `run_many` request: ``output`` when it succeeded, else ``error``
    (an `AgentOSError` for anything the server or the network did, such
    as ``NotFoundError`` or ``RunFailedError`` for a run that ended in error, whose ``.output`` is
    the run; a ``TypeError``/``ValueError`` when the request's own arguments were refused).

    Example:
        ```python
        for r in run_many(client, requests):
            if r.ok:
                print(r.output.content)
            else:
                print(r.request.id, "failed:", r.error)
        outputs = [r.unwrap() for r in results]   # raises the first captured error
        ```
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
    """What one `run_many` call has in flight, so that an interrupt can end it at once: the
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


def _run_one(client: RunClient, request: RunRequest, index: int, resumable: bool, batch: _Batch) -> RunResult:
    start = time.monotonic()
    kwargs = dict(request.kwargs)
    try:
        output: Any
        runs = client.for_kind(request.kind)
        if resumable:
            stream = runs.stream(request.id, request.message, background=True, **kwargs)
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
        else:
            output = runs.run(request.id, request.message, **kwargs)
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
        logger.debug("run_many #%d (%s %s) failed: %r", index, request.kind, request.id, exc)
        return RunResult(request=request, index=index, error=exc, elapsed=time.monotonic() - start)
    return RunResult(request=request, index=index, output=output, elapsed=time.monotonic() - start)


class RunManyOptions(TypedDict, total=False):
    """The keyword arguments of `run_many` (and ``AgentOSClient.run_many``), in one place."""

    max_workers: int
    kind: str
    resumable: bool
    on_result: Optional[Callable[[RunResult], Any]]


def run_many(
    client: RunClient,
    requests: Iterable[RunRequestLike],
    *,
    max_workers: int = 8,
    kind: str = "agent",
    resumable: bool = False,
    on_result: Optional[Callable[[RunResult], Any]] = None,
) -> List[RunResult]:
    """Run many agent/team/workflow runs at once on a bounded thread pool and wait for them all.

    Returns one `RunResult` per request, **in input order**. A run that fails (a 404, a
    timeout, a failed run, a bad argument) is captured in its result's ``error``; it never raises
    half-way, and the other runs go on. Requests are validated before any run starts.

    - ``requests``: `RunRequest` objects, or ``(id, message)`` / ``(id, message, kwargs)``
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

    The client is shared by the worker threads, which is safe. Example:

    ```python
    results = run_many(client, [("assistant", f"Summarise chapter {n}") for n in range(1, 21)], max_workers=8)
    summaries = [r.output.content for r in results if r.ok]
    failed = [(r.request, r.error) for r in results if not r.ok]
    ```
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
            result = _waits.get(done)  # a plain get() can sleep through Ctrl-C: see _waits
            results[result.index] = result
            if on_result is not None:
                _call_sync(on_result, "on_result", result)
    except BaseException:
        inflight.stop()
        raise
    return [r for r in results if r is not None]
