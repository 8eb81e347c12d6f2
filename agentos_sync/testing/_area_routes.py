"""The fake AgentOS's routes beyond runs and sessions: memories, knowledge, evals, traces,
metrics, database migration and session run previews, with agno 3.1.10's paths, status codes,
messages and JSON shapes (each checked against a real AgentOS by the integration suite).

State lives here (``memories``, ``knowledge_contents``, ``eval_runs``); traces and metrics are
derived from the stored runs, as a real AgentOS derives them from its database."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ._events import iso, resolve_reply
from ._model import FakeRun
from ._routes import _ID, _ROUTES
from ._session_routes import _SessionRoutes
from ._wire import (
    DB_ID,
    _Call,
    _detail,
    _Invalid,
    _invalid,
    _json,
    _missing,
    _no_content,
    _parse_bool,
    _parse_int,
    _Reply,
)

__all__ = ["FakeContent", "FakeEvalRun", "FakeMemory"]

#: agno 3.1.10's answer on /knowledge/* when the AgentOS has no knowledge base.
_NO_KNOWLEDGE = (
    "No knowledge base is available on this AgentOS. A Knowledge is served over /knowledge only once it has a "
    "contents_db: pass Knowledge(..., contents_db=<db>) to AgentOS(knowledge=[...]), or to an agent or team."
)
_EVAL_TYPES = ("accuracy", "agent_as_judge", "performance", "reliability")
_WORD = re.compile(r"\w+")


@dataclass(eq=False)
class FakeMemory:
    """A stored user memory (``fake.memories[memory_id]``)."""

    memory_id: str
    memory: str
    user_id: Optional[str]
    topics: List[str] = field(default_factory=list)
    agent_id: Optional[str] = None
    team_id: Optional[str] = None
    updated_at: int = 0
    seq: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {
            "memory_id": self.memory_id,
            "memory": self.memory,
            "topics": list(self.topics),
            "agent_id": self.agent_id,
            "team_id": self.team_id,
            "user_id": self.user_id,
            "updated_at": iso(self.updated_at),
        }


@dataclass(eq=False)
class FakeContent:
    """A knowledge content (``fake.knowledge_contents[content_id]``); ``text`` is what search reads.
    It is ``processing`` until its status is first asked for (or the content is listed), then
    ``completed``: the fake's time model, as runs complete on a poll."""

    id: str
    name: str
    text: str
    description: str = ""
    type: str = "manual"
    metadata: Optional[Dict[str, Any]] = None
    status: str = "processing"
    created_at: int = 0
    updated_at: int = 0
    seq: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            "size": str(len(self.text.encode())),
            "linked_to": None,
            "metadata": self.metadata,
            "access_count": None,
            "status": self.status,
            "status_message": "",
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(eq=False)
class FakeEvalRun:
    """A stored eval run (``fake.eval_runs[eval_run_id]``)."""

    id: str
    eval_type: str
    agent_id: Optional[str]
    team_id: Optional[str]
    eval_data: Dict[str, Any]
    eval_input: Dict[str, Any]
    name: Optional[str] = None
    evaluated_component_name: Optional[str] = None
    created_at: int = 0
    updated_at: int = 0
    seq: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "agent_id": self.agent_id,
            "model_id": "fake-model",
            "model_provider": "Fake",
            "team_id": self.team_id,
            "workflow_id": None,
            "name": self.name,
            "evaluated_component_name": self.evaluated_component_name,
            "user_id": None,
            "eval_type": self.eval_type,
            "eval_data": self.eval_data,
            "eval_input": self.eval_input,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


def _page(items: List[Dict[str, Any]], limit: int, page: int) -> Dict[str, Any]:
    total = len(items)
    offset = (max(page, 1) - 1) * limit
    return {
        "data": items[offset : offset + limit],
        "meta": {
            "page": page,
            "limit": limit,
            "total_pages": (total + limit - 1) // limit,
            "total_count": total,
            "search_time_ms": 0.0,
        },
    }


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _matches(expr: Any, item: Dict[str, Any]) -> bool:
    """agno's FilterExpr DSL over a trace's fields: EQ NEQ GT GTE LT LTE IN CONTAINS STARTSWITH AND OR NOT."""
    if not isinstance(expr, dict):
        return True
    op = str(expr.get("op", "")).upper()
    if op in ("AND", "OR"):
        parts = [_matches(c, item) for c in expr.get("conditions") or []]
        return all(parts) if op == "AND" else any(parts)
    if op == "NOT":
        return not _matches(expr.get("condition"), item)
    value, wanted = item.get(str(expr.get("key"))), expr.get("value")
    comparisons: Dict[str, Callable[[], bool]] = {
        "EQ": lambda: value == wanted,
        "NEQ": lambda: value != wanted,
        "GT": lambda: value is not None and value > wanted,
        "GTE": lambda: value is not None and value >= wanted,
        "LT": lambda: value is not None and value < wanted,
        "LTE": lambda: value is not None and value <= wanted,
        "IN": lambda: value in (expr.get("values") or wanted or []),
        "CONTAINS": lambda: value is not None and str(wanted).lower() in str(value).lower(),
        "STARTSWITH": lambda: value is not None and str(value).startswith(str(wanted)),
    }
    check = comparisons.get(op)
    if check is None:
        raise _Invalid(_detail(400, f"Unsupported operator: {op}"))
    try:
        return check()
    except TypeError:
        return False


class _AreaRoutes(_SessionRoutes):
    """Memories, knowledge, evals, traces, metrics, databases, session run previews."""

    def __init__(self, *, knowledge: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Whether the server has a knowledge base (without one, /knowledge/* answers 503).
        self.knowledge_enabled = knowledge
        #: Stored memories, by memory_id.
        self.memories: Dict[str, FakeMemory] = {}
        #: Knowledge contents, by id.
        self.knowledge_contents: Dict[str, FakeContent] = {}
        #: Stored eval runs, by id.
        self.eval_runs: Dict[str, FakeEvalRun] = {}
        self._metrics_refresh: Dict[str, Any] = {"status": "idle", "started_at": None, "finished_at": None}

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _limit_page(self, call: _Call, default_limit: int = 20) -> Tuple[int, int]:
        limit = _parse_int(call.q("limit"), ["query", "limit"])
        page = _parse_int(call.q("page"), ["query", "page"])
        limit = default_limit if limit is None else limit
        page = 1 if page is None else page
        if limit < 1:
            raise _invalid(
                ["query", "limit"], "greater_than_equal", "Input should be greater than or equal to 1", limit
            )
        if page < 0:
            raise _invalid(["query", "page"], "greater_than_equal", "Input should be greater than or equal to 0", page)
        return limit, page

    def _descending(self, call: _Call) -> bool:
        return (call.q("sort_order") or "desc").lower() != "asc"

    # -- memories --------------------------------------------------------------------------------
    def _memory_body(self, call: _Call) -> Dict[str, Any]:
        body = self._body_json(call, required=True)
        if not isinstance(body.get("memory"), str):
            raise _missing(["body", "memory"])
        return body

    def _h_create_memory(self, call: _Call) -> _Reply:
        body = self._memory_body(call)
        if not body.get("user_id"):
            return _detail(400, "User ID is required")
        memory = FakeMemory(
            memory_id=self._new_id(),
            memory=body["memory"],
            user_id=str(body["user_id"]),
            topics=[str(t) for t in body.get("topics") or []],
            updated_at=self._now(),
            seq=self._next_seq(),
        )
        self.memories[memory.memory_id] = memory
        return _json(200, memory.to_json())

    def _visible_memory(self, memory_id: str, user_id: Optional[str]) -> FakeMemory:
        memory = self.memories.get(memory_id)
        if memory is None or (user_id is not None and memory.user_id != user_id):
            raise _Invalid(_detail(404, f"Memory with ID {memory_id} not found"))
        return memory

    def _h_get_memory(self, call: _Call, memory_id: str) -> _Reply:
        return _json(200, self._visible_memory(memory_id, call.q("user_id")).to_json())

    def _h_list_memories(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        user_id, agent_id, team_id = call.q("user_id"), call.q("agent_id"), call.q("team_id")
        topics = [t.strip() for t in (call.q("topics") or "").split(",") if t.strip()]
        search = (call.q("search_content") or "").lower()
        found = [
            m
            for m in self.memories.values()
            if (user_id is None or m.user_id == user_id)
            and (agent_id is None or m.agent_id == agent_id)
            and (team_id is None or m.team_id == team_id)
            and (not topics or any(t in m.topics for t in topics))
            and (not search or search in m.memory.lower())
        ]
        sort_by = call.q("sort_by") or "updated_at"
        found.sort(key=lambda m: (str(getattr(m, sort_by, m.updated_at)), m.seq), reverse=self._descending(call))
        return _json(200, _page([m.to_json() for m in found], limit, page))

    def _h_update_memory(self, call: _Call, memory_id: str) -> _Reply:
        body = self._memory_body(call)
        if not body.get("user_id"):
            return _detail(400, "User ID is required")
        # agno upserts: a PATCH to an unknown id stores a memory under that id
        memory = self.memories.get(memory_id) or FakeMemory(memory_id, "", None, seq=self._next_seq())
        memory.memory = body["memory"]
        memory.user_id = str(body["user_id"])
        memory.topics = [str(t) for t in body.get("topics") or []]
        memory.updated_at = self._now()
        self.memories[memory_id] = memory
        return _json(200, memory.to_json())

    def _h_delete_memory(self, call: _Call, memory_id: str) -> _Reply:
        self.memories.pop(memory_id, None)
        return _no_content()

    def _h_delete_memories(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
        ids = body.get("memory_ids")
        if not isinstance(ids, list):
            raise _missing(["body", "memory_ids"])
        for memory_id in ids:
            self.memories.pop(str(memory_id), None)
        return _no_content()

    def _h_memory_topics(self, call: _Call) -> _Reply:
        user_id = call.q("user_id")
        topics = {t for m in self.memories.values() if user_id is None or m.user_id == user_id for t in m.topics}
        return _json(200, sorted(topics))

    def _h_user_memory_stats(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        wanted = call.q("user_id")
        per_user: Dict[str, List[FakeMemory]] = {}
        for m in self.memories.values():
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
        return _json(200, _page(stats, limit, page))

    def _h_optimize_memories(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
        user_id = body.get("user_id")
        if not user_id:
            raise _missing(["body", "user_id"])
        mine = sorted((m for m in self.memories.values() if m.user_id == user_id), key=lambda m: m.seq)
        if not mine:
            return _detail(404, f"No memories found for user {user_id}")
        merged = FakeMemory(
            memory_id=self._new_id(),
            memory=" ".join(m.memory for m in mine),
            user_id=str(user_id),
            topics=sorted({t for m in mine for t in m.topics}),
            updated_at=self._now(),
            seq=self._next_seq(),
        )
        before = sum(len(m.memory.split()) for m in mine)
        after = len(merged.memory.split())
        if body.get("apply", True) is not False:
            for m in mine:
                del self.memories[m.memory_id]
            self.memories[merged.memory_id] = merged
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

    # -- knowledge -------------------------------------------------------------------------------
    def _knowledge_on(self) -> None:
        if not self.knowledge_enabled:
            raise _Invalid(_detail(503, _NO_KNOWLEDGE))

    def _content_or_404(self, content_id: str) -> FakeContent:
        self._knowledge_on()
        content = self.knowledge_contents.get(content_id)
        if content is None:
            raise _Invalid(_detail(404, f"Content not found: {content_id}"))
        return content

    def _h_upload_content(self, call: _Call) -> _Reply:
        self._knowledge_on()
        form = call.form
        text = form.get("text_content") or ""
        kind = "manual"
        name = form.get("name") or ""
        for _, (filename, data, ctype) in call.request.files or []:
            raw = data.read() if hasattr(data, "read") else data
            text = bytes(raw).decode("utf-8", "replace")
            kind = ctype
            name = name or filename
        if form.get("url"):
            text = text or form["url"]
            kind = "url"
            name = name or form["url"]
        if not text:
            return _detail(400, "Either file, url, or text_content must be provided")
        metadata = form.get("metadata")
        now = self._now()
        content = FakeContent(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"agentos-fake:content:{name}:{text}")),
            name=name or text[:30],
            text=text,
            description=form.get("description") or "",
            type=kind,
            metadata=_decode_json(metadata) if metadata else None,
            created_at=now,
            updated_at=now,
            seq=self._next_seq(),
        )
        self.knowledge_contents[content.id] = content
        return _json(202, {"id": content.id, "name": content.name, "status": "processing"})

    def _h_update_content(self, call: _Call, content_id: str) -> _Reply:
        content = self._content_or_404(content_id)
        form = call.form
        if form.get("name"):
            content.name = form["name"]
        if form.get("description"):
            content.description = form["description"]
        if form.get("metadata"):
            content.metadata = _decode_json(form["metadata"])
        content.updated_at = self._now()
        return _json(200, content.to_json())

    def _h_list_content(self, call: _Call) -> _Reply:
        self._knowledge_on()
        limit, page = self._limit_page(call)
        items = sorted(
            self.knowledge_contents.values(), key=lambda c: (c.created_at, c.seq), reverse=self._descending(call)
        )
        return _json(200, _page([c.to_json() for c in items], limit, page))

    def _h_get_content(self, call: _Call, content_id: str) -> _Reply:
        return _json(200, self._content_or_404(content_id).to_json())

    def _h_delete_content(self, call: _Call, content_id: str) -> _Reply:
        content = self._content_or_404(content_id)
        del self.knowledge_contents[content_id]
        return _json(200, content.to_json())

    def _h_delete_all_content(self, call: _Call) -> _Reply:
        self._knowledge_on()
        self.knowledge_contents.clear()
        return _json(200, "success")

    def _h_content_status(self, call: _Call, content_id: str) -> _Reply:
        content = self._content_or_404(content_id)
        reply = {"id": content.id, "status": content.status, "status_message": ""}
        content.status = "completed"  # processed by the next look
        return _json(200, reply)

    def _h_search_knowledge(self, call: _Call) -> _Reply:
        self._knowledge_on()
        body = self._body_json(call, required=True)
        query = body.get("query")
        if not isinstance(query, str):
            raise _missing(["body", "query"])
        meta = body.get("meta") or {}
        limit, page = int(meta.get("limit") or 20), int(meta.get("page") or 1)
        wanted = _words(query)
        scored = []
        for content in self.knowledge_contents.values():
            if content.status != "completed":
                continue
            overlap = len(wanted & _words(content.text))
            if overlap:
                scored.append((overlap, content.seq, content))
        scored.sort(key=lambda t: (-t[0], t[1]))
        max_results = body.get("max_results")
        if isinstance(max_results, int):
            scored = scored[:max_results]
        hits = [
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"agentos-fake:chunk:{c.id}")),
                "content": c.text,
                "name": c.name,
                "meta_data": c.metadata or {},
                "usage": None,
                "reranking_score": None,
                "content_id": c.id,
                "content_origin": None,
                "size": len(c.text),
            }
            for _, _, c in scored
        ]
        return _json(200, _page(hits, limit, page))

    def _h_knowledge_config(self, call: _Call) -> _Reply:
        self._knowledge_on()
        chunkers = ["FixedSizeChunker", "RecursiveChunker"]
        return _json(
            200,
            {
                "readers": {
                    "text": {"id": "text", "name": "TextReader", "description": "Plain text", "chunkers": chunkers},
                },
                "readersForType": {".txt": ["text"], "manual": ["text"]},
                "chunkers": {c: {"key": c, "name": c} for c in chunkers},
                "filters": [],
                "vector_dbs": [{"id": "fake-vectors", "name": "Fake", "search_types": ["vector"]}],
                "remote_content_sources": None,
                "unavailable_readers": None,
                "unavailable_chunkers": None,
            },
        )

    # -- evals -----------------------------------------------------------------------------------
    def _h_run_eval(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
        eval_type = body.get("eval_type")
        if eval_type not in _EVAL_TYPES:
            raise _invalid(
                ["body", "eval_type"], "enum", f"Input should be {', '.join(map(repr, _EVAL_TYPES))}", eval_type
            )
        text = body.get("input")
        if not isinstance(text, str):
            raise _missing(["body", "input"])
        agent_id, team_id = body.get("agent_id"), body.get("team_id")
        kind, component_id = ("agent", agent_id) if agent_id else ("team", team_id)
        if not component_id:
            return _detail(400, "Either agent_id or team_id must be provided")
        spec = self._spec(kind, str(component_id))
        if spec is None:
            return _detail(404, f"{kind.title()} with id '{component_id}' not found")
        output = resolve_reply(spec.reply, text)
        eval_id = self._new_id()
        data: Dict[str, Any] = {"run_id": eval_id}
        if eval_type in ("accuracy", "agent_as_judge"):
            expected = body.get("expected_output")
            if eval_type == "accuracy" and not expected:
                return _detail(400, "expected_output is required for accuracy evaluation")
            score = 10 if expected and str(expected).lower() in output.lower() else 1
            data.update(
                results=[
                    {"input": text, "output": output, "expected_output": expected, "score": score, "reason": "fake"}
                ],
                avg_score=score,
                mean_score=score,
                min_score=score,
                max_score=score,
                std_dev_score=0,
            )
        elif eval_type == "performance":
            n = int(body.get("num_iterations") or 1)
            data.update(run_times=[0.01] * n, avg_run_time=0.01, min_run_time=0.01, max_run_time=0.01)
        else:
            expected_calls = [str(t) for t in body.get("expected_tool_calls") or []]
            made = [t for t in expected_calls if t in text]  # the fake "calls" the tools its prompt names
            missing = [t for t in expected_calls if t not in made]
            data.update(
                eval_status="FAILED" if missing else "PASSED",
                failed_tool_calls=[],
                passed_tool_calls=made,
                additional_tool_calls=[],
                missing_tool_calls=missing,
                failed_argument_checks=[],
                passed_argument_checks=[],
            )
        now = self._now()
        run = FakeEvalRun(
            id=eval_id,
            eval_type=eval_type,
            agent_id=agent_id,
            team_id=team_id,
            eval_data=data,
            eval_input={k: v for k, v in body.items() if k not in ("agent_id", "team_id")},
            name=body.get("name"),
            evaluated_component_name=spec.name,
            created_at=now,
            updated_at=now,
            seq=self._next_seq(),
        )
        self.eval_runs[run.id] = run
        return _json(200, run.to_json())

    def _eval_or_404(self, eval_run_id: str) -> FakeEvalRun:
        run = self.eval_runs.get(eval_run_id)
        if run is None:
            raise _Invalid(_detail(404, f"Eval run with id '{eval_run_id}' not found"))
        return run

    def _h_list_evals(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        types = [t.strip() for t in (call.q("eval_types") or "").split(",") if t.strip()]
        bad = [t for t in types if t not in _EVAL_TYPES]
        if bad:
            return _detail(400, f"Invalid eval_type: {bad[0]}")
        filter_type = call.q("type")
        found = [
            r
            for r in self.eval_runs.values()
            if (call.q("agent_id") is None or r.agent_id == call.q("agent_id"))
            and (call.q("team_id") is None or r.team_id == call.q("team_id"))
            and (not types or r.eval_type in types)
            and (filter_type is None or (r.agent_id if filter_type == "agent" else r.team_id) is not None)
        ]
        found.sort(key=lambda r: (r.created_at, r.seq), reverse=self._descending(call))
        return _json(200, _page([r.to_json() for r in found], limit, page))

    def _h_get_eval(self, call: _Call, eval_run_id: str) -> _Reply:
        return _json(200, self._eval_or_404(eval_run_id).to_json())

    def _h_update_eval(self, call: _Call, eval_run_id: str) -> _Reply:
        body = self._body_json(call, required=True)
        if not isinstance(body.get("name"), str):
            raise _missing(["body", "name"])
        run = self._eval_or_404(eval_run_id)
        run.name = body["name"]
        run.updated_at = self._now()
        return _json(200, run.to_json())

    def _h_delete_evals(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
        ids = body.get("eval_run_ids")
        if not isinstance(ids, list):
            raise _missing(["body", "eval_run_ids"])
        for eval_run_id in ids:
            self.eval_runs.pop(str(eval_run_id), None)
        return _no_content()

    # -- traces: one per finished run ------------------------------------------------------------
    def _traced_runs(self) -> Iterable[FakeRun]:
        return (r for r in self.runs.values() if not r.active and r.status != "PENDING")

    @staticmethod
    def _trace_id(run: FakeRun) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"agentos-fake:trace:{run.run_id}").hex

    def _trace_summary(self, run: FakeRun) -> Dict[str, Any]:
        status = "ERROR" if run.status == "ERROR" else "OK"
        return {
            "trace_id": self._trace_id(run),
            "name": f"{run.component_name.replace(' ', '')}.run",
            "status": status,
            "duration": "10ms",
            "start_time": iso(run.created_at),
            "end_time": iso(run.created_at),
            "total_spans": 2,
            "error_count": 1 if status == "ERROR" else 0,
            "input": run.message,
            "run_id": run.run_id,
            "session_id": run.session_id,
            "user_id": run.user_id,
            "agent_id": run.agent_id,
            "team_id": run.team_id,
            "workflow_id": run.workflow_id,
            "created_at": iso(run.created_at),
        }

    def _trace_detail(self, run: FakeRun) -> Dict[str, Any]:
        summary = self._trace_summary(run)
        tid = summary["trace_id"]
        llm = {
            "id": tid[:16][::-1],
            "name": "FakeModel.invoke",
            "type": "LLM",
            "duration": "5ms",
            "start_time": summary["start_time"],
            "end_time": summary["end_time"],
            "status": summary["status"],
            "input": run.message,
            "output": run.content,
            "error": None,
            "spans": None,
            "step_type": None,
            "metadata": None,
            "extra_data": None,
        }
        root = dict(llm, id=tid[:16], name=summary["name"], type=run.kind.upper(), duration="10ms", spans=[llm])
        return dict(summary, output=run.content, error=None if summary["status"] == "OK" else "run failed", tree=[root])

    def _find_trace(self, trace_id: str) -> FakeRun:
        for run in self._traced_runs():
            if self._trace_id(run) == trace_id:
                return run
        raise _Invalid(_detail(404, "Trace not found"))

    def _filtered_traces(self, call: _Call) -> List[FakeRun]:
        keys = ("run_id", "session_id", "user_id", "agent_id", "team_id", "workflow_id", "status")
        wanted = {k: call.q(k) for k in keys if call.q(k) is not None}
        out = []
        for run in self._traced_runs():
            summary = self._trace_summary(run)
            if all(summary.get(k) == v for k, v in wanted.items()):
                out.append(run)
        out.sort(key=lambda r: r.created_at, reverse=True)
        return out

    def _h_list_traces(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        return _json(200, _page([self._trace_summary(r) for r in self._filtered_traces(call)], limit, page))

    def _h_get_trace(self, call: _Call, trace_id: str) -> _Reply:
        detail = self._trace_detail(self._find_trace(trace_id))
        span_id = call.q("span_id")
        if span_id is None:
            return _json(200, detail)
        stack = list(detail["tree"])
        while stack:
            node = stack.pop()
            if node["id"] == span_id:
                return _json(200, node)
            stack.extend(node.get("spans") or [])
        return _detail(404, "Span not found")

    def _session_stats(self, runs: List[FakeRun]) -> List[Dict[str, Any]]:
        groups: Dict[str, List[FakeRun]] = {}
        for run in runs:
            groups.setdefault(run.session_id, []).append(run)
        stats: List[Dict[str, Any]] = []
        for session_id, rs in groups.items():
            first = min(r.created_at for r in rs)
            last = max(r.created_at for r in rs)
            stats.append(
                {
                    "session_id": session_id,
                    "user_id": rs[0].user_id,
                    "agent_id": rs[0].agent_id,
                    "team_id": rs[0].team_id,
                    "workflow_id": rs[0].workflow_id,
                    "total_traces": len(rs),
                    "first_trace_at": iso(first),
                    "last_trace_at": iso(last),
                }
            )
        stats.sort(key=lambda s: str(s["last_trace_at"]), reverse=True)
        return stats

    def _h_trace_session_stats(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        return _json(200, _page(self._session_stats(self._filtered_traces(call)), limit, page))

    def _h_search_traces(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=False)
        group_by = body.get("group_by") or "run"
        if group_by not in ("run", "session"):
            raise _invalid(["body", "group_by"], "enum", "Input should be 'run' or 'session'", group_by)
        limit, page = int(body.get("limit") or 20), int(body.get("page") or 1)
        runs = [r for r in self._traced_runs() if _matches(body.get("filter"), self._trace_summary(r))]
        runs.sort(key=lambda r: r.created_at, reverse=True)
        if group_by == "session":
            return _json(200, _page(self._session_stats(runs), limit, page))
        return _json(200, _page([self._trace_detail(r) for r in runs], limit, page))

    # -- metrics ---------------------------------------------------------------------------------
    def _days(self) -> List[Dict[str, Any]]:
        days: Dict[str, List[FakeRun]] = {}
        for run in self.runs.values():
            day = datetime.fromtimestamp(run.created_at, tz=timezone.utc).strftime("%Y-%m-%d")
            days.setdefault(day, []).append(run)
        out = []
        for day, rs in sorted(days.items()):

            def count(kind: str, rs: List[FakeRun] = rs) -> Tuple[int, int]:
                mine = [r for r in rs if r.kind == kind]
                return len(mine), len({r.session_id for r in mine})

            tokens = sum(int((r.metrics or {}).get("total_tokens") or 0) for r in rs)
            (ar, asn), (tr, tsn), (wr, wsn) = count("agent"), count("team"), count("workflow")
            stamp = iso(self._now())
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

    def _h_metrics(self, call: _Call) -> _Reply:
        start, end = call.q("starting_date"), call.q("ending_date")
        days = [
            d for d in self._days() if (start is None or d["id"][:10] >= start) and (end is None or d["id"][:10] <= end)
        ]
        return _json(200, {"metrics": days, "updated_at": iso(self._now()) if days else None})

    def _h_refresh_metrics(self, call: _Call) -> _Reply:
        now = iso(self._now())
        self._metrics_refresh = {"status": "completed", "started_at": now, "finished_at": now, "error": None}
        if _parse_bool(call.q("background"), False, ["query", "background"]):
            return _json(202, {"status": "started", "message": "Metrics refresh started in background"})
        return _json(200, self._days())

    def _h_refresh_status(self, call: _Call) -> _Reply:
        return _json(200, dict(self._metrics_refresh, error=None))

    # -- databases, session run previews --------------------------------------------------------
    def _h_migrate(self, call: _Call, db_id: str) -> _Reply:
        if db_id != DB_ID:
            return _detail(404, f"No database found with id '{db_id}'")
        return _json(200, {"message": "Database migrated successfully to latest version"})

    def _h_run_previews(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        session = self._session_or_404(session_id, session_type, f"Session with ID {session_id} not found")
        wanted = {s.upper() for s in call.query.get("status", [])}
        previews = []
        for run in self._session_runs(session):
            if wanted and run.status not in wanted:
                continue
            previews.append(
                {
                    "run_id": run.run_id,
                    "parent_run_id": "",
                    "agent_id": run.agent_id,
                    "team_id": run.team_id,
                    "workflow_id": run.workflow_id,
                    "user_id": run.user_id,
                    "status": run.status,
                    "run_input": run.message,
                    "content_preview": (run.content or "")[:200] or None,
                    "created_at": iso(run.created_at),
                }
            )
        return _json(200, previews)


def _decode_json(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


# The routes of this module, added to the one route table the dispatcher reads.
_ROUTES.extend(
    [
        (
            re.compile(r"/memories"),
            {"POST": "_h_create_memory", "GET": "_h_list_memories", "DELETE": "_h_delete_memories"},
        ),
        (
            re.compile(rf"/memories/{_ID}"),
            {"GET": "_h_get_memory", "PATCH": "_h_update_memory", "DELETE": "_h_delete_memory"},
        ),
        (re.compile(r"/memory_topics"), {"GET": "_h_memory_topics"}),
        (re.compile(r"/user_memory_stats"), {"GET": "_h_user_memory_stats"}),
        (re.compile(r"/optimize-memories"), {"POST": "_h_optimize_memories"}),
        (
            re.compile(r"/knowledge/content"),
            {"POST": "_h_upload_content", "GET": "_h_list_content", "DELETE": "_h_delete_all_content"},
        ),
        (
            re.compile(rf"/knowledge/content/{_ID}"),
            {"GET": "_h_get_content", "PATCH": "_h_update_content", "DELETE": "_h_delete_content"},
        ),
        (re.compile(rf"/knowledge/content/{_ID}/status"), {"GET": "_h_content_status"}),
        (re.compile(r"/knowledge/search"), {"POST": "_h_search_knowledge"}),
        (re.compile(r"/knowledge/config"), {"GET": "_h_knowledge_config"}),
        (re.compile(r"/eval-runs"), {"POST": "_h_run_eval", "GET": "_h_list_evals", "DELETE": "_h_delete_evals"}),
        (re.compile(rf"/eval-runs/{_ID}"), {"GET": "_h_get_eval", "PATCH": "_h_update_eval"}),
        (re.compile(r"/traces"), {"GET": "_h_list_traces"}),
        (re.compile(r"/traces/search"), {"POST": "_h_search_traces"}),
        (re.compile(rf"/traces/{_ID}"), {"GET": "_h_get_trace"}),
        (re.compile(r"/trace_session_stats"), {"GET": "_h_trace_session_stats"}),
        (re.compile(r"/metrics"), {"GET": "_h_metrics"}),
        (re.compile(r"/metrics/refresh"), {"POST": "_h_refresh_metrics"}),
        (re.compile(r"/metrics/refresh/status"), {"GET": "_h_refresh_status"}),
        (re.compile(rf"/databases/{_ID}/migrate"), {"POST": "_h_migrate"}),
        (re.compile(rf"/sessions/{_ID}/run-previews"), {"GET": "_h_run_previews"}),
    ]
)
