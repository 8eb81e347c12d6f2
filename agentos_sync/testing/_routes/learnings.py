"""Learnings (``/learnings``), stored in ``fake.learnings``: a user-scoped learning is keyed by
type and user, so a second create of the same pair replaces the first."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .._state import _State
from .._wire import _Call, _detail, _json, _no_content, _Reply
from ._common import Route, body_json, found, limit_page, paged, query_filter, require

_FILTERS = ("learning_type", "user_id", "agent_id", "team_id", "session_id", "namespace", "entity_id", "entity_type")


def _public(learning: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in learning.items() if k != "seq"}


def _learning(state: _State, learning_id: str) -> Dict[str, Any]:
    return found(state.learnings.get(learning_id), "Learning not found")


def list_learnings(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call, default_limit=100)
    wanted = query_filter(call, _FILTERS)
    rows = sorted(
        (r for r in state.learnings.values() if wanted(r)),
        key=lambda r: (r["updated_at"], r["seq"]),
        reverse=(call.q("sort_order") or "desc") != "asc",
    )
    return paged([_public(r) for r in rows], paging)


def create_learning(state: _State, call: _Call) -> _Reply:
    body = body_json(call, required=True)
    require(body, "learning_type")
    require(body, "content", kind=dict)
    now = state._now()
    # agno keys a user-scoped learning by type and user (one profile per user): a second
    # create of the same pair replaces the first
    user = body.get("user_id")
    learning_id = f"{body['learning_type']}_{user}" if user else state._new_id()
    state.learnings[learning_id] = {
        "learning_id": learning_id,
        **{k: body.get(k) for k in ("learning_type", "content", "user_id", "agent_id", "team_id", "session_id")},
        **{k: body.get(k) for k in ("entity_id", "entity_type", "metadata")},
        "namespace": body.get("namespace"),
        "created_at": now,
        "updated_at": now,
        "seq": state._next_seq(),
    }
    return _json(201, _public(state.learnings[learning_id]))


def get_learning(state: _State, call: _Call, learning_id: str) -> _Reply:
    return _json(200, _public(_learning(state, learning_id)))


def update_learning(state: _State, call: _Call, learning_id: str) -> _Reply:
    learning = _learning(state, learning_id)
    body = body_json(call, required=True)
    if body.get("content") is None and body.get("metadata") is None:
        return _detail(422, "Provide content or metadata to update")
    learning.update({k: body[k] for k in ("content", "metadata") if body.get(k) is not None})
    learning.update(updated_at=state._now(), seq=state._next_seq())
    return _json(200, _public(learning))


def delete_learning(state: _State, call: _Call, learning_id: str) -> _Reply:
    _learning(state, learning_id)
    del state.learnings[learning_id]
    return _no_content()


def learning_users(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    kind, only = call.q("learning_type"), call.q("user_id")
    latest: Dict[str, int] = {}
    for r in state.learnings.values():
        user: Optional[str] = r.get("user_id")
        if user and (kind is None or r["learning_type"] == kind) and (only is None or user == only):
            latest[user] = max(latest.get(user, 0), r["updated_at"])
    rows = [{"user_id": u, "last_learning_updated_at": t} for u, t in sorted(latest.items(), key=lambda x: -x[1])]
    return paged(rows, paging)


def delete_learning_user(state: _State, call: _Call, user_id: str) -> _Reply:
    kind = call.q("learning_type")
    for learning_id, r in list(state.learnings.items()):
        if r.get("user_id") == user_id and (kind is None or r["learning_type"] == kind):
            del state.learnings[learning_id]
    return _no_content()


ROUTES = (
    Route("GET", "/learnings", list_learnings),
    Route("POST", "/learnings", create_learning),
    Route("GET", "/learnings/users", learning_users),
    Route("DELETE", "/learnings/users/{user_id}", delete_learning_user),
    Route("GET", "/learnings/{learning_id}", get_learning),
    Route("PATCH", "/learnings/{learning_id}", update_learning),
    Route("DELETE", "/learnings/{learning_id}", delete_learning),
)
