"""Cron schedules (``/schedules``; ``fake.scheduler_enabled = False`` for agno's 503). A trigger
fires at once: the fake calls the schedule's endpoint on itself, as agno's executor does over HTTP."""

from __future__ import annotations

import json
import re
from typing import Any, Dict

from ...transports.base import Request
from .._state import _State
from .._wire import _Call, _detail, _Invalid, _json, _no_content, _parse_bool, _Reply
from ._common import Route, body_json, feature_on, found, limit_page, paged, require

_CRON_FIELD = re.compile(r"^[\d*/,\-]+$")


def _valid_cron(expr: Any) -> bool:
    fields = str(expr).split()
    return len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields)


def _schedules_on(state: _State) -> None:
    feature_on(state.scheduler_enabled, "Schedules", "scheduler=True")


def _schedule(state: _State, schedule_id: str) -> Dict[str, Any]:
    _schedules_on(state)
    return found(state.schedules.get(schedule_id), "Schedule not found")


def _check_fields(body: Dict[str, Any]) -> None:
    if "cron_expr" in body and not _valid_cron(body["cron_expr"]):
        raise _Invalid(_detail(422, f"Invalid cron expression: {body['cron_expr']}"))
    endpoint = body.get("endpoint")
    if endpoint is not None and not str(endpoint).startswith("/"):
        raise _Invalid(_detail(422, "endpoint must be a path starting with '/'"))


def create_schedule(state: _State, call: _Call) -> _Reply:
    _schedules_on(state)
    body = body_json(call, required=True)
    require(body, "name", "cron_expr", "endpoint")
    _check_fields(body)
    if any(s["name"] == body["name"] for s in state.schedules.values()):
        return _detail(409, f"Schedule with name '{body['name']}' already exists")
    now = state._now()
    schedule_id = state._new_id()
    state.schedules[schedule_id] = {
        "id": schedule_id,
        "name": body["name"],
        "description": body.get("description"),
        "method": str(body.get("method") or "POST").upper(),
        "endpoint": body["endpoint"],
        "payload": body.get("payload"),
        "cron_expr": body["cron_expr"],
        "timezone": body.get("timezone") or "UTC",
        "timeout_seconds": body.get("timeout_seconds", 3600),
        "max_retries": body.get("max_retries", 0),
        "retry_delay_seconds": body.get("retry_delay_seconds", 60),
        "enabled": True,
        "next_run_at": now + 60,
        "created_at": now,
        "updated_at": now,
    }
    state.schedule_runs[schedule_id] = []
    return _json(201, state.schedules[schedule_id])


def list_schedules(state: _State, call: _Call) -> _Reply:
    _schedules_on(state)
    paging = limit_page(call, default_limit=100)
    raw = call.q("enabled")
    enabled = None if raw is None else _parse_bool(raw, True, ["query", "enabled"])
    return paged([s for s in state.schedules.values() if enabled is None or s["enabled"] == enabled], paging)


def get_schedule(state: _State, call: _Call, schedule_id: str) -> _Reply:
    return _json(200, _schedule(state, schedule_id))


def update_schedule(state: _State, call: _Call, schedule_id: str) -> _Reply:
    schedule = _schedule(state, schedule_id)
    body = {k: v for k, v in body_json(call, required=True).items() if v is not None}
    _check_fields(body)
    schedule.update(body, updated_at=state._now())
    return _json(200, schedule)


def delete_schedule(state: _State, call: _Call, schedule_id: str) -> _Reply:
    _schedule(state, schedule_id)
    del state.schedules[schedule_id]
    state.schedule_runs.pop(schedule_id, None)
    return _no_content()


def _switch(state: _State, schedule_id: str, enabled: bool) -> _Reply:
    schedule = _schedule(state, schedule_id)
    now = state._now()
    schedule.update(enabled=enabled, next_run_at=now + 60 if enabled else None, updated_at=now)
    return _json(200, {k: schedule[k] for k in ("id", "name", "enabled", "next_run_at", "updated_at")})


def enable_schedule(state: _State, call: _Call, schedule_id: str) -> _Reply:
    return _switch(state, schedule_id, True)


def disable_schedule(state: _State, call: _Call, schedule_id: str) -> _Reply:
    return _switch(state, schedule_id, False)


def trigger_schedule(state: _State, call: _Call, schedule_id: str) -> _Reply:
    """Fire now: the fake calls the schedule's endpoint on itself, as agno's executor does over
    HTTP (a run endpoint gets ``stream=false``), and records the run."""
    schedule = _schedule(state, schedule_id)
    if not schedule["enabled"]:
        return _detail(409, "Schedule is disabled")
    form = {k: str(v) for k, v in (schedule.get("payload") or {}).items()}
    form.setdefault("stream", "false")
    inner = Request(
        schedule["method"], "http://fake" + schedule["endpoint"], headers=dict(call.request.headers), form=form
    )
    try:
        reply = state._dispatch(_Call(schedule["method"], schedule["endpoint"], {}, inner))
    except _Invalid as invalid:  # the endpoint's own error answer (404, 422, ...)
        reply = invalid.reply
    try:
        answer = json.loads(b"".join(f.data for f in reply.frames) or b"null")
    except ValueError:
        answer = None
    ok = 200 <= reply.status < 300
    now = state._now()
    run = {
        "id": state._new_id(),
        "schedule_id": schedule_id,
        "attempt": 1,
        "triggered_at": now,
        "completed_at": now,
        "status": "success" if ok else "failed",
        "status_code": reply.status,
        "run_id": answer.get("run_id") if isinstance(answer, dict) else None,
        "session_id": answer.get("session_id") if isinstance(answer, dict) else None,
        "error": None if ok else json.dumps(answer),
        "created_at": now,
    }
    state.schedule_runs.setdefault(schedule_id, []).append(run)
    return _json(200, run)


def schedule_runs(state: _State, call: _Call, schedule_id: str) -> _Reply:
    _schedule(state, schedule_id)
    paging = limit_page(call, default_limit=100)
    return paged(list(reversed(state.schedule_runs.get(schedule_id, []))), paging)


def get_schedule_run(state: _State, call: _Call, schedule_id: str, run_id: str) -> _Reply:
    _schedule(state, schedule_id)
    runs = state.schedule_runs.get(schedule_id, [])
    return _json(200, found(next((r for r in runs if r["id"] == run_id), None), "Schedule run not found"))


ROUTES = (
    Route("GET", "/schedules", list_schedules),
    Route("POST", "/schedules", create_schedule),
    Route("GET", "/schedules/{schedule_id}", get_schedule),
    Route("PATCH", "/schedules/{schedule_id}", update_schedule),
    Route("DELETE", "/schedules/{schedule_id}", delete_schedule),
    Route("POST", "/schedules/{schedule_id}/enable", enable_schedule),
    Route("POST", "/schedules/{schedule_id}/disable", disable_schedule),
    Route("POST", "/schedules/{schedule_id}/trigger", trigger_schedule),
    Route("GET", "/schedules/{schedule_id}/runs", schedule_runs),
    Route("GET", "/schedules/{schedule_id}/runs/{run_id}", get_schedule_run),
)
