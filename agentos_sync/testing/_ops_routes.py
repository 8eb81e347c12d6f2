"""The fake AgentOS's operator routes: approvals of paused tool calls (``/approvals``), cron
schedules (``/schedules``) and the durable queue's jobs (``/queue``), with agno 3.1.10's paths,
status codes, messages and shapes (each checked against a real AgentOS by the integration suite).

An agent added with ``fake.require_approval(agent_id)`` behaves like one whose tool carries agno's
``@approval``: a run that pauses on it stores a pending approval; once the approval is resolved,
``/continue`` without tools applies the resolution (approved confirms the call, rejected refuses it)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Dict, List, Set

from ..transports.base import Request
from ._area_routes import _AreaRoutes, _page
from ._model import FakeRun
from ._routes import _ID, _ROUTES
from ._wire import _Call, _detail, _Invalid, _invalid, _json, _missing, _no_content, _parse_bool, _Reply

_APPROVAL_STATUSES = ("pending", "approved", "rejected", "expired", "cancelled")
_CRON_FIELD = re.compile(r"^[\d*/,\-]+$")
_JOB_STATUS = {
    "PENDING": "queued",
    "RUNNING": "running",
    "COMPLETED": "completed",
    "ERROR": "failed",
    "CANCELLED": "cancelled",
    "PAUSED": "paused",
}


def _disabled(tag: str, requires: str) -> _Reply:
    """agno's answer on a switchable feature that is off (``_get_disabled_feature_router``)."""
    return _detail(503, f"{tag} not available: pass a `{requires}` to AgentOS to enable this feature.")


def _valid_cron(expr: Any) -> bool:
    fields = str(expr).split()
    return len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields)


class _OpsRoutes(_AreaRoutes):
    """Approvals, schedules, durable-queue jobs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Stored approvals, by id (agno's approval rows).
        self.approvals: Dict[str, Dict[str, Any]] = {}
        #: Stored schedules, by id; and each schedule's runs, newest last.
        self.schedules: Dict[str, Dict[str, Any]] = {}
        self.schedule_runs: Dict[str, List[Dict[str, Any]]] = {}
        #: Whether ``/schedules`` is on (``AgentOS(scheduler=True)``).
        self.scheduler_enabled = True
        #: Whether ``/queue`` is on (``QueueConfig(durable=True)``); its jobs are the server's runs.
        self.durable_queue = False
        self._approval_agents: Set[str] = set()

    def require_approval(self, agent_id: str) -> None:
        """Make ``agent_id``'s confirmation tool (``add_agent(confirm_tool=...)``) need an admin's
        approval, as agno's ``@approval`` does: a run that pauses on it stores a pending approval."""
        self._approval_agents.add(agent_id)

    # -- approvals -------------------------------------------------------------------------------
    def _produce(self, run: FakeRun) -> Dict[str, Any]:
        event = super()._produce(run)
        if (
            run.status == "PAUSED"
            and run.component_id in self._approval_agents
            and not any(a["run_id"] == run.run_id and a["status"] == "pending" for a in self.approvals.values())
        ):
            self._create_approval(run)
        return event

    def _create_approval(self, run: FakeRun) -> None:
        tool = (run.paused_tools or [{}])[0]
        approval_id = self._new_id()
        now = self._now()
        self.approvals[approval_id] = {
            "id": approval_id,
            "run_id": run.run_id,
            "session_id": run.session_id,
            "status": "pending",
            "source_type": run.kind,
            "approval_type": "required",
            "pause_type": "confirmation",
            "tool_name": tool.get("tool_name"),
            "tool_args": tool.get("tool_args"),
            "agent_id": run.component_id if run.kind == "agent" else None,
            "team_id": run.component_id if run.kind == "team" else None,
            "user_id": run.user_id,
            "source_name": run.component_name,
            "requirements": [{"tool_execution": dict(t)} for t in run.paused_tools or []],
            "created_at": now,
            "updated_at": now,
        }

    def _approval_or_404(self, approval_id: str) -> Dict[str, Any]:
        approval = self.approvals.get(approval_id)
        if approval is None:
            raise _Invalid(_detail(404, "Approval not found"))
        return approval

    def _with_run_status(self, approval: Dict[str, Any]) -> Dict[str, Any]:
        run = self.runs.get(approval["run_id"])
        return dict(approval, run_status=run.status if run is not None else None)

    def _h_list_approvals(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call, default_limit=100)
        status = call.q("status")
        if status is not None and status not in _APPROVAL_STATUSES:
            raise _invalid(["query", "status"], "literal_error", "Input should be one of the approval statuses", status)
        filters = {
            k: call.q(k)
            for k in ("status", "agent_id", "team_id", "workflow_id", "user_id", "run_id", "source_type")
            if call.q(k) is not None
        }
        rows = [
            self._with_run_status(a)
            for a in sorted(self.approvals.values(), key=lambda a: a["created_at"], reverse=True)
            if all(a.get(k) == v for k, v in filters.items())
        ]
        return _json(200, _page(rows, limit, page))

    def _h_approval_count(self, call: _Call) -> _Reply:
        user_id = call.q("user_id")
        pending = [a for a in self.approvals.values() if a["status"] == "pending"]
        return _json(200, {"count": sum(1 for a in pending if user_id is None or a.get("user_id") == user_id)})

    def _h_get_approval(self, call: _Call, approval_id: str) -> _Reply:
        return _json(200, self._with_run_status(self._approval_or_404(approval_id)))

    def _h_approval_status(self, call: _Call, approval_id: str) -> _Reply:
        a = self._approval_or_404(approval_id)
        return _json(
            200,
            {
                "approval_id": approval_id,
                "status": a["status"],
                "run_id": a["run_id"],
                "resolved_at": a.get("resolved_at"),
                "resolved_by": a.get("resolved_by"),
            },
        )

    def _h_resolve_approval(self, call: _Call, approval_id: str) -> _Reply:
        body = self._body_json(call, required=True)
        status = body.get("status")
        if status is None:
            raise _missing(["body", "status"])
        if status not in ("approved", "rejected"):
            raise _invalid(
                ["body", "status"],
                "string_pattern_mismatch",
                "String should match pattern '^(approved|rejected)$'",
                status,
            )
        a = self._approval_or_404(approval_id)
        if a["status"] != "pending":
            return _detail(409, f"Approval is already '{a['status']}' and cannot be resolved")
        now = self._now()
        a.update(status=status, resolved_by=body.get("resolved_by"), resolved_at=now, updated_at=now)
        if body.get("resolution_data") is not None:
            a["resolution_data"] = body["resolution_data"]
        return _json(200, self._with_run_status(a))

    def _h_delete_approval(self, call: _Call, approval_id: str) -> _Reply:
        if self.approvals.pop(approval_id, None) is None:
            return _detail(500, "Failed to delete approval")
        return _no_content()

    def _h_continue(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        """A continue without tools of a run whose approval was resolved: agno applies the
        resolution to the paused tool calls (``check_and_apply_approval_resolution``)."""
        resolved = [
            a for a in self.approvals.values() if a["run_id"] == run_id and a["status"] in ("approved", "rejected")
        ]
        if resolved and not call.form.get("tools"):
            confirmed = resolved[-1]["status"] == "approved"
            run = self.runs.get(run_id)
            tools = [dict(t, confirmed=confirmed) for t in (run.paused_tools if run is not None else None) or []]
            form = dict(call.form, tools=json.dumps(tools))
            call = _Call(call.method, call.path, call.query, replace(call.request, form=form))
        reply: _Reply = super()._h_continue(call, plural, component_id, run_id)  # type: ignore[misc]
        return reply

    # -- schedules -------------------------------------------------------------------------------
    def _schedules_on(self) -> None:
        if not self.scheduler_enabled:
            raise _Invalid(_disabled("Schedules", "scheduler=True"))

    def _schedule_or_404(self, schedule_id: str) -> Dict[str, Any]:
        self._schedules_on()
        schedule = self.schedules.get(schedule_id)
        if schedule is None:
            raise _Invalid(_detail(404, "Schedule not found"))
        return schedule

    def _check_schedule_fields(self, body: Dict[str, Any]) -> None:
        if "cron_expr" in body and not _valid_cron(body["cron_expr"]):
            raise _Invalid(_detail(422, f"Invalid cron expression: {body['cron_expr']}"))
        endpoint = body.get("endpoint")
        if endpoint is not None and not str(endpoint).startswith("/"):
            raise _Invalid(_detail(422, "endpoint must be a path starting with '/'"))

    def _h_create_schedule(self, call: _Call) -> _Reply:
        self._schedules_on()
        body = self._body_json(call, required=True)
        for key in ("name", "cron_expr", "endpoint"):
            if not isinstance(body.get(key), str):
                raise _missing(["body", key])
        self._check_schedule_fields(body)
        if any(s["name"] == body["name"] for s in self.schedules.values()):
            return _detail(409, f"Schedule with name '{body['name']}' already exists")
        now = self._now()
        schedule_id = self._new_id()
        self.schedules[schedule_id] = {
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
        self.schedule_runs[schedule_id] = []
        return _json(201, self.schedules[schedule_id])

    def _h_list_schedules(self, call: _Call) -> _Reply:
        self._schedules_on()
        limit, page = self._limit_page(call, default_limit=100)
        raw = call.q("enabled")
        enabled = None if raw is None else _parse_bool(raw, True, ["query", "enabled"])
        rows = [s for s in self.schedules.values() if enabled is None or s["enabled"] == enabled]
        return _json(200, _page(rows, limit, page))

    def _h_get_schedule(self, call: _Call, schedule_id: str) -> _Reply:
        return _json(200, self._schedule_or_404(schedule_id))

    def _h_update_schedule(self, call: _Call, schedule_id: str) -> _Reply:
        schedule = self._schedule_or_404(schedule_id)
        body = {k: v for k, v in self._body_json(call, required=True).items() if v is not None}
        self._check_schedule_fields(body)
        schedule.update(body, updated_at=self._now())
        return _json(200, schedule)

    def _h_delete_schedule(self, call: _Call, schedule_id: str) -> _Reply:
        self._schedule_or_404(schedule_id)
        del self.schedules[schedule_id]
        self.schedule_runs.pop(schedule_id, None)
        return _no_content()

    def _schedule_state(self, schedule_id: str, enabled: bool) -> _Reply:
        schedule = self._schedule_or_404(schedule_id)
        now = self._now()
        schedule.update(enabled=enabled, next_run_at=now + 60 if enabled else None, updated_at=now)
        return _json(200, {k: schedule[k] for k in ("id", "name", "enabled", "next_run_at", "updated_at")})

    def _h_enable_schedule(self, call: _Call, schedule_id: str) -> _Reply:
        return self._schedule_state(schedule_id, True)

    def _h_disable_schedule(self, call: _Call, schedule_id: str) -> _Reply:
        return self._schedule_state(schedule_id, False)

    def _h_trigger_schedule(self, call: _Call, schedule_id: str) -> _Reply:
        """Fire now: the fake calls the schedule's endpoint on itself, as agno's executor does over
        HTTP (a run endpoint gets ``stream=false``), and records the run."""
        schedule = self._schedule_or_404(schedule_id)
        if not schedule["enabled"]:
            return _detail(409, "Schedule is disabled")
        form = {k: str(v) for k, v in (schedule.get("payload") or {}).items()}
        form.setdefault("stream", "false")
        inner = Request(
            schedule["method"], "http://fake" + schedule["endpoint"], headers=dict(call.request.headers), form=form
        )
        try:
            reply = self._dispatch(_Call(schedule["method"], schedule["endpoint"], {}, inner))
        except _Invalid as invalid:  # the endpoint's own error answer (404, 422, ...)
            reply = invalid.reply
        try:
            answer = json.loads(b"".join(f.data for f in reply.frames) or b"null")
        except ValueError:
            answer = None
        ok = 200 <= reply.status < 300
        now = self._now()
        runs = self.schedule_runs.setdefault(schedule_id, [])
        run = {
            "id": self._new_id(),
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
        runs.append(run)
        return _json(200, run)

    def _h_schedule_runs(self, call: _Call, schedule_id: str) -> _Reply:
        self._schedule_or_404(schedule_id)
        limit, page = self._limit_page(call, default_limit=100)
        return _json(200, _page(list(reversed(self.schedule_runs.get(schedule_id, []))), limit, page))

    def _h_schedule_run(self, call: _Call, schedule_id: str, run_id: str) -> _Reply:
        self._schedule_or_404(schedule_id)
        for run in self.schedule_runs.get(schedule_id, []):
            if run["id"] == run_id:
                return _json(200, run)
        return _detail(404, "Schedule run not found")

    # -- durable queue ---------------------------------------------------------------------------
    def _queue_on(self) -> None:
        if not self.durable_queue:
            raise _Invalid(_disabled("Queue", "queue=QueueConfig(durable=True)"))

    def _job(self, run: FakeRun) -> Dict[str, Any]:
        return {
            "id": run.run_id,
            "component_type": run.kind,
            "component_id": run.component_id,
            "session_id": run.session_id,
            "job_type": "run",
            "user_id": run.user_id,
            "payload": {"message": run.message},
            "status": _JOB_STATUS.get(run.status, run.status.lower()),
            "attempt": 1,
            "max_attempts": 1,
            "idempotency_key": run.idempotency_key,
            "created_at": run.created_at,
            "updated_at": run.created_at,
        }

    def _job_or_404(self, job_id: str) -> FakeRun:
        self._queue_on()
        run = self.runs.get(job_id)
        if run is None:
            raise _Invalid(_detail(404, f"Job queue job {job_id} not found"))
        return run

    def _h_queue_jobs(self, call: _Call) -> _Reply:
        self._queue_on()
        limit, page = self._limit_page(call)
        statuses = call.query.get("status") or []
        sessions = call.query.get("session_id") or []
        jobs = [
            self._job(r)
            for r in sorted(self.runs.values(), key=lambda r: r.created_at, reverse=True)
            if (not sessions or r.session_id in sessions)
        ]
        jobs = [j for j in jobs if not statuses or j["status"] in statuses]
        return _json(200, _page(jobs, limit, page))

    def _h_queue_job(self, call: _Call, job_id: str) -> _Reply:
        return _json(200, self._job(self._job_or_404(job_id)))

    def _h_requeue_job(self, call: _Call, job_id: str) -> _Reply:
        run = self._job_or_404(job_id)
        if run.status != "ERROR" and call.q("force") != "true":
            return _detail(400, f"Job {job_id} not found or not in a requeueable state")
        run.status = "PENDING"
        return _json(200, self._job(run))

    def _h_queue_stats(self, call: _Call) -> _Reply:
        self._queue_on()
        counts: Dict[str, int] = {}
        for run in self.runs.values():
            status = _JOB_STATUS.get(run.status, run.status.lower())
            counts[status] = counts.get(status, 0) + 1
        return _json(200, {"counts": counts, "oldest_queued_age_seconds": None})


_ROUTES.extend(
    [
        (re.compile(r"/approvals"), {"GET": "_h_list_approvals"}),
        (re.compile(r"/approvals/count"), {"GET": "_h_approval_count"}),
        (re.compile(rf"/approvals/{_ID}"), {"GET": "_h_get_approval", "DELETE": "_h_delete_approval"}),
        (re.compile(rf"/approvals/{_ID}/status"), {"GET": "_h_approval_status"}),
        (re.compile(rf"/approvals/{_ID}/resolve"), {"POST": "_h_resolve_approval"}),
        (re.compile(r"/schedules"), {"GET": "_h_list_schedules", "POST": "_h_create_schedule"}),
        (
            re.compile(rf"/schedules/{_ID}"),
            {"GET": "_h_get_schedule", "PATCH": "_h_update_schedule", "DELETE": "_h_delete_schedule"},
        ),
        (re.compile(rf"/schedules/{_ID}/enable"), {"POST": "_h_enable_schedule"}),
        (re.compile(rf"/schedules/{_ID}/disable"), {"POST": "_h_disable_schedule"}),
        (re.compile(rf"/schedules/{_ID}/trigger"), {"POST": "_h_trigger_schedule"}),
        (re.compile(rf"/schedules/{_ID}/runs"), {"GET": "_h_schedule_runs"}),
        (re.compile(rf"/schedules/{_ID}/runs/{_ID}"), {"GET": "_h_schedule_run"}),
        (re.compile(r"/queue/jobs"), {"GET": "_h_queue_jobs"}),
        (re.compile(rf"/queue/jobs/{_ID}"), {"GET": "_h_queue_job"}),
        (re.compile(rf"/queue/jobs/{_ID}/requeue"), {"POST": "_h_requeue_job"}),
        (re.compile(r"/queue/stats"), {"GET": "_h_queue_stats"}),
    ]
)
