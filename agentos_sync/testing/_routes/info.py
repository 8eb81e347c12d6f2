"""The server's own routes: ``/health`` (the one route served without the security key),
``/config`` and ``/info``."""

from __future__ import annotations

from typing import List

from .._events import iso
from .._model import _Component
from .._shapes import component_summary
from .._state import _State
from .._wire import DB_ID, _Call, _json, _Reply
from ._common import Route


def health(state: _State, call: _Call) -> _Reply:
    return _json(200, {"status": "ok", "instantiated_at": iso(state._started_at)})


def config(state: _State, call: _Call) -> _Reply:
    specs: List[_Component] = [*state._agents.values(), *state._teams.values(), *state._workflows.values()]
    has_db = any(s.db for s in specs)
    return _json(
        200,
        {
            "os_id": state.os_id,
            "name": state.name,
            "available_models": [{"id": "gpt-fake", "provider": "OpenAI"}],
            "os_database": DB_ID if has_db else None,
            "databases": [DB_ID] if has_db else [],
            "agents": [component_summary(s) for s in state._agents.values()],
            "teams": [component_summary(s) for s in state._teams.values()],
            "workflows": [component_summary(s) for s in state._workflows.values()],
            "interfaces": [],
            "company": None,
        },
    )


def info(state: _State, call: _Call) -> _Reply:
    return _json(
        200,
        {
            "os_id": state.os_id,
            "name": state.name,
            "os_version": "1.0.0",
            "agno_version": "3.1.10",
            "agent_count": len(state._agents),
            "team_count": len(state._teams),
            "workflow_count": len(state._workflows),
            "mcp": {"enabled": False, "path": None, "oauth": None, "tool_run_endpoint": False},
            "auth_mode": "security_key" if state.security_key else "none",
            "user_isolation": False,
        },
    )


ROUTES = (
    Route("GET", "/health", health, auth=False),
    Route("GET", "/config", config),
    Route("GET", "/info", info),
)
