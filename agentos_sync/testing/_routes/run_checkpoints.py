"""A run's checkpoints (agents and teams): the fake's runs have one, at their last message, and a
snapshot at any message index."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from .._model import FakeRun
from .._shapes import run_messages
from .._state import _State
from .._wire import _Call, _detail, _json, _missing, _Reply
from ._common import Route, found


def _checkpointed(
    state: _State, call: _Call, plural: str, component_id: str, run_id: str
) -> Tuple[Dict[str, Any], FakeRun, List[Dict[str, Any]]]:
    """The run's latest checkpoint entry, the run and its messages."""
    kind, _ = state._routed_component(plural, component_id)
    session_id = call.q("session_id")
    if not session_id:
        raise _missing(["query", "session_id"])
    run = found(state._db_run(kind, component_id, run_id, session_id), "Run not found")
    messages = run_messages(run)
    entry = {
        "checkpoint_id": 1,
        "run_id": run.run_id,
        "session_id": run.session_id,
        "message_index": len(messages),
        "continue_from": len(messages),
        "status": run.status,
        "reason": "end",
        "created_at": run.created_at,
        "message_id": messages[-1].get("id"),
        "message_role": messages[-1].get("role"),
        "message_preview": str(messages[-1].get("content") or "")[:200],
        "is_latest": True,
    }
    return entry, run, messages


def list_checkpoints(state: _State, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
    entry, run, _ = _checkpointed(state, call, plural, component_id, run_id)
    return _json(200, {"run_id": run_id, "session_id": run.session_id, "checkpoints": [entry]})


def get_checkpoint(state: _State, call: _Call, plural: str, component_id: str, run_id: str, index: str) -> _Reply:
    entry, run, messages = _checkpointed(state, call, plural, component_id, run_id)
    try:
        message_index = int(index)
    except ValueError:
        return _detail(422, "message_index must be an integer")
    if message_index < 0 or message_index > len(messages):
        return _detail(400, f"message_index must be between 0 and {len(messages)}")
    snapshot = {
        "run_id": run.run_id,
        "session_id": run.session_id,
        "status": run.status,
        "messages": messages[:message_index],
    }
    latest = message_index == len(messages)
    checkpoint = dict(
        entry,
        message_index=message_index,
        continue_from=message_index,
        reason="snapshot",
        is_latest=latest,
        checkpoint_id=entry["checkpoint_id"] if latest else None,
    )
    return _json(200, {"checkpoint": checkpoint, "snapshot": snapshot})


_RUN = "/{plural:agents|teams}/{component_id}/runs/{run_id}"
ROUTES = (
    Route("GET", f"{_RUN}/checkpoints", list_checkpoints),
    Route("GET", f"{_RUN}/checkpoints/{{message_index}}", get_checkpoint),
)
