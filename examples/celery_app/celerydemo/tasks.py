"""The task: stream one background run, keep the progress in the cache, store the answer.

``stream_run`` checkpoints the run's cursor in the cache after each event; if this worker process
dies, Celery delivers the task again (``TASK_OPTIONS``) and the next process re-attaches to the
same run after the checkpoint. ``on_event`` is at-least-once: after a death, the one event that was
being handled may come again. ``progress`` skips an index it already has, so the text is exact.
"""

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from agentos_sync import events
from agentos_sync.contrib.celery import TASK_OPTIONS, DjangoCacheCursorStore, stream_run
from agentos_sync.contrib.django import get_client

DAY = 24 * 3600
store = DjangoCacheCursorStore()


def progress_key(task_id: str) -> str:
    return f"celerydemo:progress:{task_id}"


@shared_task(bind=True, **TASK_OPTIONS)
def ask(self, question: str) -> str:  # type: ignore[no-untyped-def]
    key = progress_key(self.request.id)

    def on_event(event: events.RunEvent) -> None:
        state = cache.get(key) or {"text": "", "last": -1, "done": False, "events": 0}
        if event.event_index is not None and event.event_index <= state["last"]:
            return  # handled by the delivery that died: idempotent on event_index
        if isinstance(event, events.RunContentEvent) and isinstance(event.content, str):
            state["text"] += event.content
        state["last"] = event.event_index if event.event_index is not None else state["last"]
        state["events"] += 1
        cache.set(key, state, DAY)

    output = stream_run(
        self, get_client(), store=store, agent=settings.AGENTOS_AGENT, message=question, on_event=on_event
    )
    state = cache.get(key) or {"text": "", "last": -1, "events": 0}
    state.update(done=True, answer=output.content, run_id=output.run_id)
    cache.set(key, state, DAY)
    return str(output.content)
