"""The fake AgentOS's smaller routes beyond runs: ``GET /info``, run checkpoints, session fork,
compaction and media, knowledge sources and refresh, the traces filter schema and the migration of
every database, with agno 3.1.10's paths, status codes, messages and shapes."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from ._model import FakeRun, FakeSession
from ._ops_routes import _OpsRoutes
from ._routes import _ID, _ROUTES
from ._shapes import run_messages
from ._wire import _KINDS, _Call, _detail, _Invalid, _json, _missing, _Reply

#: agno 3.1.10's ``TRACE_FILTER_SCHEMA`` (a client builds its filter bar from it), abridged to
#: the fields the fake's trace search reads.
_TRACE_FILTER_SCHEMA = {
    "fields": [
        {
            "key": "status",
            "label": "Status",
            "type": "enum",
            "operators": ["EQ", "NEQ", "IN"],
            "values": ["OK", "ERROR"],
        },
        *(
            {"key": key, "label": label, "type": "string", "operators": ["EQ", "NEQ", "CONTAINS", "STARTSWITH", "IN"]}
            for key, label in (
                ("user_id", "User ID"),
                ("agent_id", "Agent ID"),
                ("team_id", "Team ID"),
                ("workflow_id", "Workflow ID"),
                ("session_id", "Session ID"),
                ("run_id", "Run ID"),
            )
        ),
    ],
    "logical_operators": ["AND", "OR"],
}


class _ExtraRoutes(_OpsRoutes):
    """Info, checkpoints, session fork/compact/media, knowledge sources, filter schema, migrate-all."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Media in the server's media storage: (session_id, storage_key) -> bytes. Empty means
        #: no media storage is configured, and the route answers agno's 503.
        self.media: Dict[Tuple[str, str], bytes] = {}

    # -- /info -----------------------------------------------------------------------------------
    def _h_info(self, call: _Call) -> _Reply:
        return _json(
            200,
            {
                "os_id": self.os_id,
                "name": self.name,
                "os_version": "1.0.0",
                "agno_version": "3.1.10",
                "agent_count": len(self._agents),
                "team_count": len(self._teams),
                "workflow_count": len(self._workflows),
                "mcp": {"enabled": False, "path": None, "oauth": None, "tool_run_endpoint": False},
                "auth_mode": "security_key" if self.security_key else "none",
                "user_isolation": False,
            },
        )

    # -- checkpoints -----------------------------------------------------------------------------
    def _checkpoint_run(
        self, call: _Call, plural: str, component_id: str, run_id: str
    ) -> Tuple[Dict[str, Any], FakeRun, List[Dict[str, Any]]]:
        kind = _KINDS[plural]
        self._component_or_404(kind, component_id)
        session_id = call.q("session_id")
        if not session_id:
            raise _missing(["query", "session_id"])
        run = self._db_run(kind, component_id, run_id, session_id)
        if run is None:
            raise _Invalid(_detail(404, "Run not found"))
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

    def _h_checkpoints(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        entry, run, _ = self._checkpoint_run(call, plural, component_id, run_id)
        return _json(200, {"run_id": run_id, "session_id": run.session_id, "checkpoints": [entry]})

    def _h_checkpoint(self, call: _Call, plural: str, component_id: str, run_id: str, index: str) -> _Reply:
        entry, run, messages = self._checkpoint_run(call, plural, component_id, run_id)
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
        checkpoint = dict(
            entry,
            message_index=message_index,
            continue_from=message_index,
            reason="snapshot",
            is_latest=message_index == len(messages),
            checkpoint_id=entry["checkpoint_id"] if message_index == len(messages) else None,
        )
        return _json(200, {"checkpoint": checkpoint, "snapshot": snapshot})

    # -- session fork, compact, media ------------------------------------------------------------
    def _owned_session(self, kind: str, component_id: str, session_id: str) -> FakeSession:
        self._component_or_404(kind, component_id)
        session = self.sessions.get(session_id)
        if session is None or session.component_id not in (None, component_id):
            raise _Invalid(_detail(404, "Session not found"))
        return session

    def _h_fork_session(self, call: _Call, plural: str, component_id: str, session_id: str) -> _Reply:
        kind = _KINDS[plural]
        source = self._owned_session(kind, component_id, session_id)
        if not source.run_ids:
            return _detail(400, f"Session {session_id} has no runs to fork")
        now = self._now()
        self._seq += 1
        fork = replace(source, session_id=self._new_id(), created_at=now, updated_at=now, run_ids=[], seq=self._seq)
        for run_id in source.run_ids:
            run = self.runs.get(run_id)
            if run is None:
                continue
            copy = replace(run, run_id=self._new_id(), session_id=fork.session_id, events=list(run.events))
            self.runs[copy.run_id] = copy
            fork.run_ids.append(copy.run_id)
        self.sessions[fork.session_id] = fork
        return _json(200, {"session_id": fork.session_id, "forked_from_session_id": session_id})

    def _h_compact_session(self, call: _Call, plural: str, component_id: str, session_id: str) -> _Reply:
        self._owned_session("agent", component_id, session_id)
        # the fake's agents have no compaction configured: agno's answer for such an agent
        return _json(
            200,
            {
                "status": "not_enabled",
                "message": "Compaction is not enabled on this agent.",
                "compacted": False,
                "record": None,
                "metrics": None,
            },
        )

    def _h_session_media(self, call: _Call, session_id: str, storage_key: str) -> _Reply:
        if not self.media:
            return _detail(503, "Media storage is not configured on AgentOS")
        if session_id not in self.sessions:
            return _detail(404, f"Session '{session_id}' not found")
        data = self.media.get((session_id, storage_key))
        if data is None:
            return _detail(404, "Media not found in this session")
        from ._body import Frame

        media_type = mimetypes.guess_type(storage_key)[0] or "application/octet-stream"
        return _Reply(200, {"content-type": media_type}, [Frame(data)])

    # -- knowledge sources and refresh -----------------------------------------------------------
    def _knowledge_base(self, knowledge_id: Optional[str]) -> None:
        self._knowledge_on()  # the fake has one knowledge base, whatever its id is asked as

    def _h_knowledge_sources(self, call: _Call, knowledge_id: str) -> _Reply:
        self._knowledge_base(knowledge_id)
        return _json(200, [])  # the fake's knowledge base has no remote sources

    def _h_knowledge_source_files(self, call: _Call, knowledge_id: str, source_id: str) -> _Reply:
        self._knowledge_base(knowledge_id)
        return _detail(404, f"Content source not found: {source_id}")

    def _h_remote_content(self, call: _Call) -> _Reply:
        self._knowledge_base(call.q("knowledge_id"))
        form = call.form
        for key in ("config_id", "path"):
            if not form.get(key):
                raise _missing(["body", key])
        return _detail(
            400, f"Unknown content source: {form['config_id']}. Check /knowledge/config for available sources."
        )

    def _h_refresh_content(self, call: _Call, content_id: str) -> _Reply:
        self._knowledge_base(call.q("knowledge_id"))
        content = self.knowledge_contents.get(content_id)
        if content is None:
            return _detail(404, f"Content not found: {content_id}")
        if content.type != "url":
            return _detail(400, "Content has no source URL to refresh from")
        content.status = "processing"
        return _json(202, {"id": content.id, "name": content.name, "status": "processing"})

    # -- traces filter schema, every database ----------------------------------------------------
    def _h_trace_filter_schema(self, call: _Call) -> _Reply:
        return _json(200, _TRACE_FILTER_SCHEMA)

    def _h_migrate_all(self, call: _Call) -> _Reply:
        target = call.q("target_version")
        version = f"version {target}" if target else "latest version"
        return _json(200, {"message": f"All databases migrated successfully to {version}"})


_ROUTES.extend(
    [
        (re.compile(r"/info"), {"GET": "_h_info"}),
        (re.compile(rf"/(agents|teams)/{_ID}/runs/{_ID}/checkpoints"), {"GET": "_h_checkpoints"}),
        (re.compile(rf"/(agents|teams)/{_ID}/runs/{_ID}/checkpoints/{_ID}"), {"GET": "_h_checkpoint"}),
        (re.compile(rf"/(agents|teams)/{_ID}/sessions/{_ID}/fork"), {"POST": "_h_fork_session"}),
        (re.compile(rf"/(agents)/{_ID}/sessions/{_ID}/compact"), {"POST": "_h_compact_session"}),
        (re.compile(rf"/sessions/{_ID}/media/(.+)"), {"GET": "_h_session_media"}),
        (re.compile(rf"/knowledge/{_ID}/sources"), {"GET": "_h_knowledge_sources"}),
        (re.compile(rf"/knowledge/{_ID}/sources/{_ID}/files"), {"GET": "_h_knowledge_source_files"}),
        (re.compile(r"/knowledge/remote-content"), {"POST": "_h_remote_content"}),
        (re.compile(rf"/knowledge/content/{_ID}/refresh"), {"POST": "_h_refresh_content"}),
    ]
)
# literal paths that an earlier pattern (/traces/{trace_id}, /databases/{db_id}/migrate) would take
_ROUTES[0:0] = [
    (re.compile(r"/traces/filter-schema"), {"GET": "_h_trace_filter_schema"}),
    (re.compile(r"/databases/all/migrate"), {"POST": "_h_migrate_all"}),
]
