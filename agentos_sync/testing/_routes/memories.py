"""User memories (``/memories``, ``/memory_topics``, ``/user_memory_stats``,
``/optimize-memories``), stored in ``fake.memories``."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .._events import iso
from .._records import FakeMemory
from .._state import _State
from .._wire import _Call, _detail, _json, _missing, _no_content, _Reply
from ._common import Route, body_json, delete_listed, descending, found, limit_page, paged, require


def _memory_body(call: _Call) -> Optional[Dict[str, Any]]:
    """The create/update body; None when it names no user (agno's 400)."""
    body = body_json(call, required=True)
    require(body, "memory")
    return body if body.get("user_id") else None


def _visible(state: _State, memory_id: str, user_id: Optional[str]) -> FakeMemory:
    memory = state.memories.get(memory_id)
    if memory is not None and user_id is not None and memory.user_id != user_id:
        memory = None
    return found(memory, f"Memory with ID {memory_id} not found")


def create_memory(state: _State, call: _Call) -> _Reply:
    body = _memory_body(call)
    if body is None:
        return _detail(400, "User ID is required")
    memory = FakeMemory(
        memory_id=state._new_id(),
        memory=body["memory"],
        user_id=str(body["user_id"]),
        topics=[str(t) for t in body.get("topics") or []],
        updated_at=state._now(),
        seq=state._next_seq(),
    )
    state.memories[memory.memory_id] = memory
    return _json(200, memory.to_json())


def get_memory(state: _State, call: _Call, memory_id: str) -> _Reply:
    return _json(200, _visible(state, memory_id, call.q("user_id")).to_json())


def list_memories(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    user_id, agent_id, team_id = call.q("user_id"), call.q("agent_id"), call.q("team_id")
    topics = [t.strip() for t in (call.q("topics") or "").split(",") if t.strip()]
    search = (call.q("search_content") or "").lower()
    rows = [
        m
        for m in state.memories.values()
        if (user_id is None or m.user_id == user_id)
        and (agent_id is None or m.agent_id == agent_id)
        and (team_id is None or m.team_id == team_id)
        and (not topics or any(t in m.topics for t in topics))
        and (not search or search in m.memory.lower())
    ]
    sort_by = call.q("sort_by") or "updated_at"
    rows.sort(key=lambda m: (str(getattr(m, sort_by, m.updated_at)), m.seq), reverse=descending(call))
    return paged([m.to_json() for m in rows], paging)


def update_memory(state: _State, call: _Call, memory_id: str) -> _Reply:
    body = _memory_body(call)
    if body is None:
        return _detail(400, "User ID is required")
    # agno upserts: a PATCH to an unknown id stores a memory under that id
    memory = state.memories.get(memory_id) or FakeMemory(memory_id, "", None, seq=state._next_seq())
    memory.memory = body["memory"]
    memory.user_id = str(body["user_id"])
    memory.topics = [str(t) for t in body.get("topics") or []]
    memory.updated_at = state._now()
    state.memories[memory_id] = memory
    return _json(200, memory.to_json())


def delete_memory(state: _State, call: _Call, memory_id: str) -> _Reply:
    state.memories.pop(memory_id, None)
    return _no_content()


def delete_memories(state: _State, call: _Call) -> _Reply:
    return delete_listed(call, state.memories, "memory_ids")


def memory_topics(state: _State, call: _Call) -> _Reply:
    user_id = call.q("user_id")
    topics = {t for m in state.memories.values() if user_id is None or m.user_id == user_id for t in m.topics}
    return _json(200, sorted(topics))


def user_memory_stats(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    wanted = call.q("user_id")
    per_user: Dict[str, List[FakeMemory]] = {}
    for m in state.memories.values():
        if m.user_id is not None and (wanted is None or m.user_id == wanted):
            per_user.setdefault(m.user_id, []).append(m)
    stats = [
        {
            "user_id": user,
            "total_memories": len(ms),
            "last_memory_updated_at": iso(max(m.updated_at for m in ms)),
        }
        for user, ms in sorted(per_user.items(), key=lambda kv: -max(m.updated_at for m in kv[1]))
    ]
    return paged(stats, paging)


def optimize_memories(state: _State, call: _Call) -> _Reply:
    body = body_json(call, required=True)
    user_id = body.get("user_id")
    if not user_id:
        raise _missing(["body", "user_id"])
    mine = sorted((m for m in state.memories.values() if m.user_id == user_id), key=lambda m: m.seq)
    if not mine:
        return _detail(404, f"No memories found for user {user_id}")
    merged = FakeMemory(
        memory_id=state._new_id(),
        memory=" ".join(m.memory for m in mine),
        user_id=str(user_id),
        topics=sorted({t for m in mine for t in m.topics}),
        updated_at=state._now(),
        seq=state._next_seq(),
    )
    before = sum(len(m.memory.split()) for m in mine)
    after = len(merged.memory.split())
    if body.get("apply", True) is not False:
        for m in mine:
            del state.memories[m.memory_id]
        state.memories[merged.memory_id] = merged
    return _json(
        200,
        {
            "memories": [merged.to_json()],
            "memories_before": len(mine),
            "memories_after": 1,
            "tokens_before": before,
            "tokens_after": after,
            "tokens_saved": before - after,
            "reduction_percentage": round(100.0 * (before - after) / before, 2) if before else 0.0,
        },
    )


ROUTES = (
    Route("POST", "/memories", create_memory),
    Route("GET", "/memories", list_memories),
    Route("DELETE", "/memories", delete_memories),
    Route("GET", "/memories/{memory_id}", get_memory),
    Route("PATCH", "/memories/{memory_id}", update_memory),
    Route("DELETE", "/memories/{memory_id}", delete_memory),
    Route("GET", "/memory_topics", memory_topics),
    Route("GET", "/user_memory_stats", user_memory_stats),
    Route("POST", "/optimize-memories", optimize_memories),
)
