"""Celery helper: a task that streams an AgentOS background run and survives its worker's death.

Needs the ``celery`` extra (``pip install "agentos_sync[celery]"``). A task:

```python
from agentos_sync.contrib.celery import TASK_OPTIONS, RedisCursorStore, stream_run

store = RedisCursorStore(redis.Redis.from_url(REDIS_URL))

@app.task(bind=True, **TASK_OPTIONS)          # acks_late + reject_on_worker_lost
def ask(self, question):
    output = stream_run(self, client, store=store, agent="assistant", message=question,
                        on_event=lambda ev: progress(self.request.id, ev))
    return output.content
```

What it does: the first delivery records the run's session in ``store`` before it creates the
run, then checkpoints the stream's `RunCursor` after each event
handed to ``on_event``. If the worker process dies (``kill -9``, the OOM killer, a deploy), Celery
delivers the task again (``TASK_OPTIONS``), to another worker process; the new delivery finds the
record under the task's id and re-attaches to the *same* run after the checkpointed event,
instead of starting a new one. A run is created once per task id.

What "once" means for ``on_event`` (``delivery=``). A worker can die after ``on_event`` handled an
event and before the checkpoint of that event was written; no ordering of the two avoids both a
repeat and a loss, so choose:

- ``"at_least_once"`` (the default, the safe one: nothing is lost): the checkpoint is written
  after ``on_event`` returns. Every event reaches ``on_event``, in order. Each worker death can
  hand **one** event again: the event that was being handled when the worker died, with the same
  ``run_id`` and ``event_index``, as the first event of the next delivery. No other event ever
  repeats. Make ``on_event`` idempotent on ``(run_id, event_index)`` (a ``SET`` keyed on it, an
  upsert) and the effect is exactly once.
- ``"at_most_once"``: the checkpoint is written before ``on_event``. No event is handed twice;
  each worker death can lose the one event that was being handled.

The store holds small strings for ``ttl`` seconds (default a day) and is never cleared by the
helper: a worker that dies after the run ended but before Celery got the ack must find the record,
or the redelivery would start the run again. Stores: `RedisCursorStore` (the ``redis``
package), `DjangoCacheCursorStore` (Django's cache; use a shared backend such as Redis or
Memcached, never the per-process local-memory cache), or any object with ``get``/``set``
(`CursorStore`).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Protocol, Tuple

try:
    import celery  # noqa: F401 - fail at import, not at the first task
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('agentos_sync.contrib.celery needs Celery: pip install "agentos_sync[celery]"') from exc

from .. import errors
from .._callables import call_sync as _call_sync
from .._callables import reject_async as _reject_async
from ..cursors import RunCursor
from ..events import RunEvent
from ..models import RunOutput, RunStatus
from ..streams._source import own_run

if TYPE_CHECKING:
    from ..client import AgentOSClient
    from ..streams import RunStream

__all__ = ["TASK_OPTIONS", "CursorStore", "DjangoCacheCursorStore", "RedisCursorStore", "stream_run"]

logger = logging.getLogger("agentos_sync")

TASK_OPTIONS: Dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True}
"""The Celery task options without which a dead worker's task is never delivered again: ack the
message only when the task has returned, and give it back to the broker when the worker process
running it is lost. ``@app.task(bind=True, **TASK_OPTIONS)``."""

#: How long a record is kept (seconds): far beyond any run, and beyond the broker's redelivery.
DEFAULT_TTL = 24 * 3600

_DELIVERIES = ("at_least_once", "at_most_once")


class CursorStore(Protocol):
    """Where `stream_run` keeps its record: short strings under keys, kept ``ttl`` seconds,
    visible to every worker process (a shared store, not process memory)."""

    def get(self, key: str) -> Optional[str]:
        """The value stored under ``key``, or None."""

    def set(self, key: str, value: str, ttl: int) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds."""


class RedisCursorStore:
    """A `CursorStore` on Redis (a ``redis.Redis`` client; the Celery broker's will do).

    Example:
        ```python
        store = RedisCursorStore(redis.Redis.from_url("redis://127.0.0.1:6379/0"))
        ```
    """

    def __init__(self, redis_client: Any, *, prefix: str = "agentos_sync:run:") -> None:
        self._redis = redis_client
        self._prefix = prefix

    def get(self, key: str) -> Optional[str]:
        value = self._redis.get(self._prefix + key)
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def set(self, key: str, value: str, ttl: int) -> None:
        self._redis.set(self._prefix + key, value, ex=ttl)


class DjangoCacheCursorStore:
    """A `CursorStore` on a Django cache (``caches[alias]``). The cache must be shared by
    the worker processes (Redis, Memcached, database): a local-memory cache dies with its worker."""

    def __init__(self, alias: str = "default", *, prefix: str = "agentos_sync:run:") -> None:
        self._alias = alias
        self._prefix = prefix

    def get(self, key: str) -> Optional[str]:
        from django.core.cache import caches  # type: ignore[import-untyped, unused-ignore]

        value = caches[self._alias].get(self._prefix + key)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str, ttl: int) -> None:
        from django.core.cache import caches  # type: ignore[import-untyped, unused-ignore]

        caches[self._alias].set(self._prefix + key, value, timeout=ttl)


def stream_run(
    task: Any,
    client: AgentOSClient,
    *,
    store: CursorStore,
    message: str,
    agent: Optional[str] = None,
    team: Optional[str] = None,
    workflow: Optional[str] = None,
    on_event: Optional[Callable[[RunEvent], Any]] = None,
    delivery: str = "at_least_once",
    key: Optional[str] = None,
    session_id: Optional[str] = None,
    ttl: int = DEFAULT_TTL,
    **run_kwargs: Any,
) -> RunOutput:
    """Stream one background run of ``agent``/``team``/``workflow`` from a Celery task, created
    once per task id and taken over by the next delivery if this worker dies; returns the run's
    output (raises `RunFailedError` if it failed: it pickles).

    ``task`` is the bound task (``bind=True``) declared with `TASK_OPTIONS`; its
    ``request.id``, the same on every delivery, keys the record (``key=`` overrides it, e.g.
    outside Celery). ``on_event(event)`` sees the run's events in order, once each in the sense
    of ``delivery`` (see the module docstring). ``session_id`` and ``run_kwargs`` go to the
    create (``user_id``, ``session_state``, ...); without a session_id each task's run gets a
    session of its own.

    Example:
        ```python
        @app.task(bind=True, **TASK_OPTIONS)
        def ask(self, question):
            return stream_run(self, client, store=store, agent="assistant", message=question).content
        ```
    """
    kind, entity_id = _target(agent, team, workflow)
    if delivery not in _DELIVERIES:
        raise ValueError(f"delivery must be one of {', '.join(_DELIVERIES)}; got {delivery!r}")
    _reject_async(on_event, "on_event")
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 1:
        raise ValueError(f"ttl must be whole seconds >= 1, got {ttl!r}")
    record_key = key if key is not None else _task_key(task)
    stream = _attach(client, store, record_key, kind, entity_id, message, session_id, ttl, run_kwargs)
    checkpoint_first = delivery == "at_most_once"
    with stream:
        for event in stream:
            if checkpoint_first:
                store.set(record_key, _dump({"cursor": stream.cursor.to_json()}), ttl)
            if on_event is not None:
                _call_sync(on_event, "on_event", event)
            if not checkpoint_first:
                store.set(record_key, _dump({"cursor": stream.cursor.to_json()}), ttl)
        output = stream.get_final_output()
    if str(output.status or "").upper() == RunStatus.ERROR:
        # A delivery that re-attached after the run's error event fetches the stored run; it
        # fails the same way as the delivery that saw the event.
        raise errors.RunFailedError(f"Run {output.run_id} failed: {output.content or 'the run failed'}", output=output)
    return output


def _target(agent: Optional[str], team: Optional[str], workflow: Optional[str]) -> Tuple[str, str]:
    given = [(kind, value) for kind, value in (("agent", agent), ("team", team), ("workflow", workflow)) if value]
    if len(given) != 1:
        raise TypeError("pass exactly one of agent=, team= or workflow= (the id of what to run)")
    kind, entity_id = given[0]
    if not isinstance(entity_id, str):
        raise TypeError(f"{kind} must be a str id, got {type(entity_id).__name__}")
    return kind, entity_id


def _task_key(task: Any) -> str:
    request = getattr(task, "request", None)
    task_id = getattr(request, "id", None)
    if not isinstance(task_id, str) or not task_id:
        raise TypeError(
            "stream_run needs the bound task (@app.task(bind=True, **TASK_OPTIONS), then pass self) "
            "running in a worker, or key= naming the work"
        )
    if not getattr(task, "acks_late", False) or not getattr(task, "reject_on_worker_lost", False):
        # Without them a dead worker's message is acked (or dropped) and never delivered again:
        # the checkpoints would wait for a takeover that cannot come.
        raise ValueError(
            f"task {getattr(task, 'name', '?')} must be declared with acks_late=True and "
            "reject_on_worker_lost=True (**TASK_OPTIONS) to be delivered again when its worker dies"
        )
    return task_id


def _dump(record: Dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"))


def _attach(
    client: AgentOSClient,
    store: CursorStore,
    key: str,
    kind: str,
    entity_id: str,
    message: str,
    session_id: Optional[str],
    ttl: int,
    run_kwargs: Dict[str, Any],
) -> RunStream:
    """The stream of this task's run: resumed from the record, or created (recording first)."""
    record = _load(store.get(key), key)
    if record is not None and "cursor" in record:
        cursor = RunCursor.from_json(record["cursor"])
        logger.info(
            "task %s re-attaches to run %s after event_index %s",
            key,
            cursor.run_id,
            cursor.last_event_index,
        )
        return client.resume(cursor)
    run_id: Optional[str] = None
    own_session = session_id is None
    if record is not None:
        # A delivery died between recording the session and the first checkpoint: the create may
        # or may not have reached the server. Its session tells, by the rule a stream's own cut
        # create follows (the run_id the create asked for; the newest run of a session this
        # helper made up). A record written before run_id was recorded has neither: its create
        # is sent again.
        pending = record["pending"]
        session_id = pending["session_id"]
        run_id, own_session = pending.get("run_id"), bool(pending.get("own_session"))
        found = own_run(_session_runs(client, kind, entity_id, session_id), run_id=run_id, own_session=own_session)
        if found is not None:
            logger.info("task %s re-attaches to run %s from its first event", key, found)
            return client.resume(RunCursor(kind, entity_id, found, session_id, None))
    elif session_id is None:
        session_id = str(uuid.uuid4())
    # The run is named before it is created (the create's run_id form field, which the server
    # takes as the run's id), so a redelivery finds it by that id, and a create sent again asks
    # for the same one. A run_id the caller passes in extra_body is kept.
    extra_body = dict(run_kwargs.pop("extra_body", None) or {})
    run_id = extra_body.setdefault("run_id", run_id or str(uuid.uuid4()))
    # "at": what deliveries of older versions read from a pending record.
    pending = {"session_id": session_id, "run_id": run_id, "own_session": own_session, "at": time.time()}
    store.set(key, _dump({"pending": pending}), ttl)
    start: Dict[str, Callable[..., RunStream]] = {
        "agent": client.run_agent_stream,
        "team": client.run_team_stream,
        "workflow": client.run_workflow_stream,
    }
    return start[kind](entity_id, message, background=True, session_id=session_id, extra_body=extra_body, **run_kwargs)


def _load(value: Optional[str], key: str) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    try:
        record = json.loads(value)
        if isinstance(record, dict) and ("cursor" in record or isinstance(record.get("pending"), dict)):
            return record
    except ValueError:
        pass
    raise ValueError(f"the record of task {key} in the cursor store is not one stream_run wrote: {value[:80]!r}")


def _session_runs(client: AgentOSClient, kind: str, entity_id: str, session_id: str) -> List[RunOutput]:
    lister: Dict[str, Callable[..., List[RunOutput]]] = {
        "agent": client.list_agent_runs,
        "team": client.list_team_runs,
        "workflow": client.list_workflow_runs,
    }
    try:
        return lister[kind](entity_id, session_id)
    except errors.NotFoundError:
        return []  # no session yet: the create never got that far
