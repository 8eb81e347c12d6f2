"""The Celery app the integration suite runs in a real worker (``celery -A celery_tasks worker``).

Configured from the environment the test sets: ``IT_REDIS_URL`` (broker, results and the cursor
store), ``IT_AGENTOS_URL``. The client is built and *used* at import, in the worker's main
process, before the prefork pool forks its children: the module-level client the README
recommends, inherited by every child with a pooled connection in it.

Each task records in Redis what the test checks: ``attempts:<task id>`` (the pid of each delivery),
``seen:<task id>`` (``pid:event_index`` per event handed to the callback), ``answer:<task id>``.
"""

import json
import os
import signal

import redis
from celery import Celery

from agentos_sync import AgentOSClient, ReconnectPolicy
from agentos_sync.contrib.celery import TASK_OPTIONS, RedisCursorStore, stream_run

REDIS_URL = os.environ["IT_REDIS_URL"]

app = Celery("agentos_sync_it", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    # One message at a time per child: a killed child must not take prefetched tasks with it.
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="pickle",
    accept_content=["json", "pickle"],
    result_accept_content=["json", "pickle"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

client = AgentOSClient(
    os.environ["IT_AGENTOS_URL"],
    timeout=(5.0, 30.0),
    reconnect=ReconnectPolicy(max_attempts=8, initial_backoff=0.1, max_backoff=1.0, deadline=60.0),
)
client.health()  # a pooled connection in the parent, inherited by each forked child

r = redis.Redis.from_url(REDIS_URL)
store = RedisCursorStore(r)


@app.task(bind=True, **TASK_OPTIONS)
def stream_answer(self, message, die_after_handling=None):  # type: ignore[no-untyped-def]
    task_id = self.request.id
    first_delivery = r.rpush(f"attempts:{task_id}", os.getpid()) == 1

    def on_event(event):  # type: ignore[no-untyped-def]
        r.rpush(f"seen:{task_id}", f"{os.getpid()}:{event.event_index}")
        if first_delivery and event.event_index == die_after_handling:
            # The worst moment: the event is handled, its checkpoint not yet written.
            os.kill(os.getpid(), signal.SIGKILL)

    output = stream_run(self, client, store=store, agent="assistant", message=message, on_event=on_event)
    answer = {"content": output.content, "run_id": output.run_id, "session_id": output.session_id, "pid": os.getpid()}
    r.set(f"answer:{task_id}", json.dumps(answer))
    return answer


@app.task(bind=True, **TASK_OPTIONS)
def get_missing_agent(self):  # type: ignore[no-untyped-def]
    return client.get_agent("no-such-agent").model_dump()


@app.task(bind=True, **TASK_OPTIONS)
def ping(self):  # type: ignore[no-untyped-def]
    return os.getpid()
