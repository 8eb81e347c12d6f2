"""The knowledge base's remote sources: the fake's has none (whatever id it is asked as), so a
remote upload names an unknown source; refresh re-processes a URL content."""

from __future__ import annotations

from .._state import _State
from .._wire import _Call, _detail, _json, _missing, _Reply
from ._common import Route
from .knowledge import content_or_404, knowledge_on


def list_sources(state: _State, call: _Call, knowledge_id: str) -> _Reply:
    knowledge_on(state)
    return _json(200, [])


def source_files(state: _State, call: _Call, knowledge_id: str, source_id: str) -> _Reply:
    knowledge_on(state)
    return _detail(404, f"Content source not found: {source_id}")


def upload_remote_content(state: _State, call: _Call) -> _Reply:
    knowledge_on(state)
    form = call.form
    for key in ("config_id", "path"):
        if not form.get(key):
            raise _missing(["body", key])
    return _detail(400, f"Unknown content source: {form['config_id']}. Check /knowledge/config for available sources.")


def refresh_content(state: _State, call: _Call, content_id: str) -> _Reply:
    content = content_or_404(state, content_id)
    if content.type != "url":
        return _detail(400, "Content has no source URL to refresh from")
    content.status = "processing"
    return _json(202, {"id": content.id, "name": content.name, "status": "processing"})


ROUTES = (
    Route("GET", "/knowledge/{knowledge_id}/sources", list_sources),
    Route("GET", "/knowledge/{knowledge_id}/sources/{source_id}/files", source_files),
    Route("POST", "/knowledge/remote-content", upload_remote_content),
    Route("POST", "/knowledge/content/{content_id}/refresh", refresh_content),
)
