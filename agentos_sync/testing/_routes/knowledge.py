"""The knowledge base's contents (``/knowledge/content``), search and config, stored in
``fake.knowledge_contents``. A content is ``processing`` until its status is first asked for;
search scores by shared words. ``FakeAgentOS(knowledge=False)`` is a server without a knowledge
base: every ``/knowledge`` route answers agno's 503."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Set

from .._records import FakeContent
from .._state import _State
from .._wire import _Call, _detail, _Invalid, _json, _Reply
from ._common import Route, body_json, descending, found, limit_page, page, paged, require

#: agno 3.1.10's answer on /knowledge/* when the AgentOS has no knowledge base.
_NO_KNOWLEDGE = (
    "No knowledge base is available on this AgentOS. A Knowledge is served over /knowledge only once it has a "
    "contents_db: pass Knowledge(..., contents_db=<db>) to AgentOS(knowledge=[...]), or to an agent or team."
)
_WORD = re.compile(r"\w+")


def knowledge_on(state: _State) -> None:
    """agno's 503 when the server has no knowledge base."""
    if not state.knowledge_enabled:
        raise _Invalid(_detail(503, _NO_KNOWLEDGE))


def content_or_404(state: _State, content_id: str) -> FakeContent:
    knowledge_on(state)
    return found(state.knowledge_contents.get(content_id), f"Content not found: {content_id}")


def _words(text: str) -> Set[str]:
    return set(_WORD.findall(text.lower()))


def _decode_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def upload_content(state: _State, call: _Call) -> _Reply:
    knowledge_on(state)
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
    now = state._now()
    content = FakeContent(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"agentos-fake:content:{name}:{text}")),
        name=name or text[:30],
        text=text,
        description=form.get("description") or "",
        type=kind,
        metadata=_decode_json(metadata) if metadata else None,
        created_at=now,
        updated_at=now,
        seq=state._next_seq(),
    )
    state.knowledge_contents[content.id] = content
    return _json(202, {"id": content.id, "name": content.name, "status": "processing"})


def update_content(state: _State, call: _Call, content_id: str) -> _Reply:
    content = content_or_404(state, content_id)
    form = call.form
    if form.get("name"):
        content.name = form["name"]
    if form.get("description"):
        content.description = form["description"]
    if form.get("metadata"):
        content.metadata = _decode_json(form["metadata"])
    content.updated_at = state._now()
    return _json(200, content.to_json())


def list_content(state: _State, call: _Call) -> _Reply:
    knowledge_on(state)
    paging = limit_page(call)
    items = sorted(state.knowledge_contents.values(), key=lambda c: (c.created_at, c.seq), reverse=descending(call))
    return paged([c.to_json() for c in items], paging)


def get_content(state: _State, call: _Call, content_id: str) -> _Reply:
    return _json(200, content_or_404(state, content_id).to_json())


def delete_content(state: _State, call: _Call, content_id: str) -> _Reply:
    content = content_or_404(state, content_id)
    del state.knowledge_contents[content_id]
    return _json(200, content.to_json())


def delete_all_content(state: _State, call: _Call) -> _Reply:
    knowledge_on(state)
    state.knowledge_contents.clear()
    return _json(200, "success")


def content_status(state: _State, call: _Call, content_id: str) -> _Reply:
    content = content_or_404(state, content_id)
    reply = {"id": content.id, "status": content.status, "status_message": ""}
    content.status = "completed"  # processed by the next look
    return _json(200, reply)


def search_knowledge(state: _State, call: _Call) -> _Reply:
    knowledge_on(state)
    body = body_json(call, required=True)
    require(body, "query")
    meta = body.get("meta") or {}
    limit, number = int(meta.get("limit") or 20), int(meta.get("page") or 1)
    wanted = _words(body["query"])
    scored = []
    for content in state.knowledge_contents.values():
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
    return _json(200, page(hits, limit, number))


def knowledge_config(state: _State, call: _Call) -> _Reply:
    knowledge_on(state)
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


ROUTES = (
    Route("POST", "/knowledge/content", upload_content),
    Route("GET", "/knowledge/content", list_content),
    Route("DELETE", "/knowledge/content", delete_all_content),
    Route("GET", "/knowledge/content/{content_id}", get_content),
    Route("PATCH", "/knowledge/content/{content_id}", update_content),
    Route("DELETE", "/knowledge/content/{content_id}", delete_content),
    Route("GET", "/knowledge/content/{content_id}/status", content_status),
    Route("POST", "/knowledge/search", search_knowledge),
    Route("GET", "/knowledge/config", knowledge_config),
)
