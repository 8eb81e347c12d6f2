"""The durable queue's jobs (``/queue``): off until ``fake.durable_queue = True`` (agno's 503);
the jobs are the server's runs."""

from __future__ import annotations

from typing import Any, Dict

from .._model import FakeRun
from .._state import _State
from .._wire import _Call, _detail, _json, _Reply
from ._common import Route, feature_on, found, limit_page, paged

_JOB_STATUS = {
    "PENDING": "queued",
    "RUNNING": "running",
    "COMPLETED": "completed",
    "ERROR": "failed",
    "CANCELLED": "cancelled",
    "PAUSED": "paused",
}


def _queue_on(state: _State) -> None:
    feature_on(state.durable_queue, "Queue", "queue=QueueConfig(durable=True)")


def _status(run: FakeRun) -> str:
    return _JOB_STATUS.get(run.status, run.status.lower())


def _job(run: FakeRun) -> Dict[str, Any]:
    return {
        "id": run.run_id,
        "component_type": run.kind,
        "component_id": run.component_id,
        "session_id": run.session_id,
        "job_type": "run",
        "user_id": run.user_id,
        "payload": {"message": run.message},
        "status": _status(run),
        "attempt": 1,
        "max_attempts": 1,
        "idempotency_key": run.idempotency_key,
        "created_at": run.created_at,
        "updated_at": run.created_at,
    }


def _job_run(state: _State, job_id: str) -> FakeRun:
    _queue_on(state)
    return found(state.runs.get(job_id), f"Job queue job {job_id} not found")


def list_jobs(state: _State, call: _Call) -> _Reply:
    _queue_on(state)
    paging = limit_page(call)
    statuses = call.query.get("status") or []
    sessions = call.query.get("session_id") or []
    jobs = [
        _job(r)
        for r in sorted(state.runs.values(), key=lambda r: r.created_at, reverse=True)
        if (not sessions or r.session_id in sessions)
    ]
    return paged([j for j in jobs if not statuses or j["status"] in statuses], paging)


def get_job(state: _State, call: _Call, job_id: str) -> _Reply:
    return _json(200, _job(_job_run(state, job_id)))


def requeue_job(state: _State, call: _Call, job_id: str) -> _Reply:
    run = _job_run(state, job_id)
    if run.status != "ERROR" and call.q("force") != "true":
        return _detail(400, f"Job {job_id} not found or not in a requeueable state")
    run.status = "PENDING"
    return _json(200, _job(run))


def queue_stats(state: _State, call: _Call) -> _Reply:
    _queue_on(state)
    counts: Dict[str, int] = {}
    for run in state.runs.values():
        counts[_status(run)] = counts.get(_status(run), 0) + 1
    return _json(200, {"counts": counts, "oldest_queued_age_seconds": None})


ROUTES = (
    Route("GET", "/queue/jobs", list_jobs),
    Route("GET", "/queue/jobs/{job_id}", get_job),
    Route("POST", "/queue/jobs/{job_id}/requeue", requeue_job),
    Route("GET", "/queue/stats", queue_stats),
)
