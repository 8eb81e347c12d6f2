"""Metrics (``/metrics``): daily counts derived from the stored runs, and their refresh."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Tuple

from .._events import iso
from .._model import FakeRun
from .._state import _State
from .._wire import _Call, _json, _parse_bool, _Reply
from ._common import Route


def _days(state: _State) -> List[Dict[str, Any]]:
    days: Dict[str, List[FakeRun]] = {}
    for run in state.runs.values():
        day = datetime.fromtimestamp(run.created_at, tz=timezone.utc).strftime("%Y-%m-%d")
        days.setdefault(day, []).append(run)
    out = []
    for day, rs in sorted(days.items()):

        def count(kind: str, rs: List[FakeRun] = rs) -> Tuple[int, int]:
            mine = [r for r in rs if r.kind == kind]
            return len(mine), len({r.session_id for r in mine})

        tokens = sum(int((r.metrics or {}).get("total_tokens") or 0) for r in rs)
        (ar, asn), (tr, tsn), (wr, wsn) = count("agent"), count("team"), count("workflow")
        stamp = iso(state._now())
        out.append(
            {
                "id": f"{day}_daily",
                "agent_runs_count": ar,
                "agent_sessions_count": asn,
                "team_runs_count": tr,
                "team_sessions_count": tsn,
                "workflow_runs_count": wr,
                "workflow_sessions_count": wsn,
                "users_count": len({r.user_id for r in rs if r.user_id}),
                "token_metrics": {"total_tokens": tokens},
                "model_metrics": [{"model_id": "fake-model", "model_provider": "Fake", "count": len(rs)}],
                "date": f"{day}T00:00:00Z",
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    return out


def get_metrics(state: _State, call: _Call) -> _Reply:
    start, end = call.q("starting_date"), call.q("ending_date")
    days = [
        d for d in _days(state) if (start is None or d["id"][:10] >= start) and (end is None or d["id"][:10] <= end)
    ]
    return _json(200, {"metrics": days, "updated_at": iso(state._now()) if days else None})


def refresh_metrics(state: _State, call: _Call) -> _Reply:
    now = iso(state._now())
    state._metrics_refresh = {"status": "completed", "started_at": now, "finished_at": now, "error": None}
    if _parse_bool(call.q("background"), False, ["query", "background"]):
        return _json(202, {"status": "started", "message": "Metrics refresh started in background"})
    return _json(200, _days(state))


def refresh_status(state: _State, call: _Call) -> _Reply:
    return _json(200, dict(state._metrics_refresh, error=None))


ROUTES = (
    Route("GET", "/metrics", get_metrics),
    Route("POST", "/metrics/refresh", refresh_metrics),
    Route("GET", "/metrics/refresh/status", refresh_status),
)
