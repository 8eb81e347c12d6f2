"""contrib.celery.stream_run over the fake: one run per task id, a redelivery re-attaches after the
checkpoint, and on_event's "once" is what the docstring promises for each delivery mode.

A worker's death is a BaseException raised from on_event (or after it): nothing after it runs in
that "process", exactly as with SIGKILL; the store and the server keep what was written.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import pytest
from _support import FAST_RECONNECT

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.contrib.celery import TASK_OPTIONS, DjangoCacheCursorStore, RedisCursorStore, stream_run
from agentos_sync.testing import FakeAgentOS, FakeTransport

LONG = " ".join(f"tok{i}" for i in range(12))


class WorkerDied(BaseException):
    """What SIGKILL would do: the delivery stops where it is, nothing else runs."""


class DictStore:
    def __init__(self) -> None:
        self.data: Dict[str, str] = {}
        self.ttls: List[int] = []

    def get(self, key: str) -> Optional[str]:
        return self.data.get(key)

    def set(self, key: str, value: str, ttl: int) -> None:
        self.data[key] = value
        self.ttls.append(ttl)


def task(task_id: str = "task-1", **options: Any) -> Any:
    return SimpleNamespace(request=SimpleNamespace(id=task_id), name="ask", **{**TASK_OPTIONS, **options})


@pytest.fixture
def long_fake(fake: FakeAgentOS) -> FakeAgentOS:
    fake.add_agent("assistant", reply=LONG)
    return fake


@pytest.fixture
def worker_client(long_fake: FakeAgentOS) -> AgentOSClient:
    return AgentOSClient("http://fake.local", transport=FakeTransport(long_fake), reconnect=FAST_RECONNECT)


def deliver(client: AgentOSClient, store: DictStore, on_event: Any = None, **kwargs: Any) -> Any:
    """One delivery of task-1 (same task id every time, as Celery redelivers it)."""
    return stream_run(task(), client, store=store, agent="assistant", message="go", on_event=on_event, **kwargs)


def content_of(evs: List[events.RunEvent]) -> str:
    return "".join(str(e.content) for e in evs if isinstance(e, events.RunContentEvent))


def dies_at(index: int, seen: List[events.RunEvent], *, after_handling: bool) -> Any:
    def on_event(ev: events.RunEvent) -> None:
        if ev.event_index == index and not after_handling:
            raise WorkerDied()
        seen.append(ev)
        if ev.event_index == index:
            raise WorkerDied()

    return on_event


def test_one_delivery_streams_the_run_and_checkpoints_after_each_event(
    long_fake: FakeAgentOS, worker_client: AgentOSClient
) -> None:
    store = DictStore()
    seen: List[events.RunEvent] = []
    out = deliver(worker_client, store, on_event=seen.append)
    assert out.content == LONG == content_of(seen)
    record = json.loads(store.data["task-1"])
    assert record["cursor"]["last_event_index"] == seen[-1].event_index
    assert record["cursor"]["run_id"] == out.run_id
    assert set(store.ttls) == {24 * 3600}
    assert long_fake.run_count("assistant") == 1


@pytest.mark.parametrize("after_handling", [True, False], ids=["after-handling", "inside-on_event"])
def test_at_least_once_a_death_repeats_at_most_the_event_in_hand_and_loses_nothing(
    long_fake: FakeAgentOS, worker_client: AgentOSClient, after_handling: bool
) -> None:
    store = DictStore()
    seen: List[events.RunEvent] = []
    with pytest.raises(WorkerDied):
        deliver(worker_client, store, on_event=dies_at(5, seen, after_handling=after_handling))
    out = deliver(worker_client, store, on_event=seen.append)
    indices = [e.event_index for e in seen]
    tail = list(range(6, len(indices) - (1 if after_handling else 0)))
    # Died after handling 5 but before its checkpoint: 5 comes again, first, and nothing else does.
    assert indices == [0, 1, 2, 3, 4, 5, *([5] if after_handling else []), *tail]
    assert out.content == LONG == content_of([e for i, e in enumerate(seen) if i != 6 or not after_handling])
    assert long_fake.run_count("assistant") == 1


def test_at_most_once_never_repeats_and_loses_at_most_the_event_in_hand(
    long_fake: FakeAgentOS, worker_client: AgentOSClient
) -> None:
    store = DictStore()
    seen: List[events.RunEvent] = []
    with pytest.raises(WorkerDied):
        deliver(
            worker_client,
            store,
            on_event=dies_at(5, seen, after_handling=False),
            delivery="at_most_once",
        )
    out = deliver(
        worker_client,
        store,
        on_event=seen.append,
        delivery="at_most_once",
    )
    indices = [e.event_index for e in seen]
    assert 5 not in indices and indices == [i for i in range(len(indices) + 1) if i != 5]
    assert out.content == LONG and long_fake.run_count("assistant") == 1


def test_a_redelivery_after_the_run_ended_returns_its_output_without_a_new_run(
    long_fake: FakeAgentOS, worker_client: AgentOSClient
) -> None:
    store = DictStore()
    first = deliver(worker_client, store)
    seen: List[events.RunEvent] = []
    again = deliver(worker_client, store, on_event=seen.append)
    assert seen == [] and again.content == first.content == LONG
    assert long_fake.run_count("assistant") == 1


def dies_before_its_first_event(fake: FakeAgentOS, client: AgentOSClient, store: DictStore, **kwargs: Any) -> Any:
    """A first delivery that records the session, creates the run, and dies before any event;
    its pending record."""
    fake.faults.cut(after_events=0, path="/agents/assistant/runs", method="POST")
    with pytest.raises(WorkerDied):
        deliver(client, store, on_event=dies_at(0, [], after_handling=False), **kwargs)
    return json.loads(store.data["task-1"])["pending"]


def test_a_death_between_create_and_first_event_reattaches_to_the_run_it_made(
    long_fake: FakeAgentOS, worker_client: AgentOSClient
) -> None:
    store = DictStore()
    dies_before_its_first_event(long_fake, worker_client, store)
    seen: List[events.RunEvent] = []
    out = deliver(worker_client, store, on_event=seen.append)
    assert out.content == LONG == content_of(seen)
    assert long_fake.run_count("assistant") == 1


def test_a_death_before_the_first_event_in_a_shared_session_reattaches_to_its_own_run_only(
    long_fake: FakeAgentOS, worker_client: AgentOSClient
) -> None:
    # The caller's session holds another run of the same message, made after this task's record:
    # the redelivery finds its own run by the run_id its create asked for, never that one.
    store = DictStore()
    pending = dies_before_its_first_event(long_fake, worker_client, store, session_id="shared")
    other = worker_client.run_agent_stream("assistant", "go", background=True, session_id="shared").get_final_output()
    out = deliver(worker_client, store, session_id="shared")
    assert out.run_id == pending["run_id"] != other.run_id and out.content == LONG
    assert long_fake.run_count("assistant") == 2


def test_a_redelivery_whose_create_never_arrived_sends_it_again_under_the_same_run_id(
    long_fake: FakeAgentOS, worker_client: AgentOSClient
) -> None:
    store = DictStore()
    recorded = {"session_id": "shared", "run_id": "run-of-task-1", "own_session": False, "at": 0.0}
    store.data["task-1"] = json.dumps({"pending": recorded})
    other = worker_client.run_agent_stream("assistant", "go", background=True, session_id="shared").get_final_output()
    out = deliver(worker_client, store, session_id="shared")
    assert out.run_id == "run-of-task-1" != other.run_id and out.session_id == "shared"
    assert long_fake.run_count("assistant") == 2


def test_a_pending_record_whose_create_never_arrived_creates_the_run_in_the_recorded_session(
    long_fake: FakeAgentOS, worker_client: AgentOSClient
) -> None:
    store = DictStore()
    store.data["task-1"] = json.dumps({"pending": {"session_id": "sess-recorded", "at": 0.0}})
    out = deliver(worker_client, store)
    assert out.session_id == "sess-recorded" and out.content == LONG
    assert long_fake.run_count("assistant") == 1


def test_a_failed_run_raises_run_failed_on_every_delivery(fake: FakeAgentOS) -> None:
    fake.add_agent("broken", error="the model exploded")
    client = AgentOSClient("http://fake.local", transport=FakeTransport(fake), reconnect=FAST_RECONNECT)
    store = DictStore()
    for _ in range(2):
        with pytest.raises(errors.RunFailedError, match="exploded"):
            stream_run(task(), client, store=store, agent="broken", message="go")


def test_tasks_without_redelivery_options_and_bad_arguments_are_refused(worker_client: AgentOSClient) -> None:
    store = DictStore()
    with pytest.raises(ValueError, match="acks_late"):
        stream_run(task(acks_late=False), worker_client, store=store, agent="assistant", message="go")
    with pytest.raises(ValueError, match="reject_on_worker_lost"):
        stream_run(task(reject_on_worker_lost=None), worker_client, store=store, agent="assistant", message="go")
    with pytest.raises(TypeError, match="bound task"):
        stream_run(object(), worker_client, store=store, agent="assistant", message="go")
    with pytest.raises(TypeError, match="exactly one"):
        stream_run(task(), worker_client, store=store, agent="assistant", team="duo", message="go")
    with pytest.raises(ValueError, match="delivery"):
        deliver(worker_client, store, delivery="exactly_once")
    store.data["task-1"] = "garbage"
    with pytest.raises(ValueError, match="not one stream_run wrote"):
        deliver(worker_client, store)
    assert stream_run(None, worker_client, store=store, key="by-hand", agent="assistant", message="go").content == LONG


def test_redis_store_prefixes_keys_and_sets_their_ttl() -> None:
    class FakeRedis:
        def __init__(self) -> None:
            self.calls: List[Any] = []
            self.data: Dict[str, bytes] = {}

        def get(self, key: str) -> Optional[bytes]:
            return self.data.get(key)

        def set(self, key: str, value: str, ex: int) -> None:
            self.calls.append((key, ex))
            self.data[key] = value.encode()

    redis = FakeRedis()
    store = RedisCursorStore(redis)
    assert store.get("t") is None
    store.set("t", "v", 60)
    assert store.get("t") == "v" and redis.calls == [("agentos_sync:run:t", 60)]


def test_django_cache_store_uses_the_named_cache() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    store = DjangoCacheCursorStore()
    assert store.get("t2") is None
    store.set("t2", "v2", 60)
    assert store.get("t2") == "v2"
