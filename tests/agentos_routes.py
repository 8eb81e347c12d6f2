"""Every route of agno 3.1.10's AgentOS, and what this client does with each: the one list behind
``tests/test_route_coverage.py`` and the route table of ``docs/routes.md``
(``python scripts/route_table.py`` writes it).

A route is either COVERED (the client method that calls it, as ``client.<attribute path>``) or
EXCLUDED by a rule with its reason. The coverage test fails on a server route that is neither, on a
covered route the server does not have, on a covered name the client lacks, and on a covered route
the fake server (``agentos_sync.testing``) does not answer.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

Route = Tuple[str, str]  # (method, path template as agno declares it)

#: route -> the client method that calls it (``client.`` + attribute path)
COVERED: Dict[Route, str] = {
    ("GET", "/health"): "health",
    ("GET", "/config"): "get_config",
    ("GET", "/info"): "info",
    # runs: one implementation for agents, teams and workflows
    **{
        route: f"{plural}.{method}"
        for plural, id_name in (("agents", "agent_id"), ("teams", "team_id"), ("workflows", "workflow_id"))
        for route, method in (
            (("GET", f"/{plural}"), "list"),
            (("GET", f"/{plural}/{{{id_name}}}"), "get"),
            (("POST", f"/{plural}/{{{id_name}}}/runs"), "run"),
            (("GET", f"/{plural}/{{{id_name}}}/runs"), "list_runs"),
            (("GET", f"/{plural}/{{{id_name}}}/runs/{{run_id}}"), "get_run"),
            (("POST", f"/{plural}/{{{id_name}}}/runs/{{run_id}}/cancel"), "cancel"),
            (("POST", f"/{plural}/{{{id_name}}}/runs/{{run_id}}/continue"), "continue_run"),
            (("POST", f"/{plural}/{{{id_name}}}/runs/{{run_id}}/resume"), "resume"),
        )
    },
    **{
        route: f"{plural}.{method}"
        for plural, id_name in (("agents", "agent_id"), ("teams", "team_id"))
        for route, method in (
            (("GET", f"/{plural}/{{{id_name}}}/runs/{{run_id}}/checkpoints"), "checkpoints"),
            (("GET", f"/{plural}/{{{id_name}}}/runs/{{run_id}}/checkpoints/{{message_index}}"), "checkpoint"),
        )
    },
    ("POST", "/agents/{agent_id}/sessions/{session_id}/fork"): "sessions.fork",
    ("POST", "/teams/{team_id}/sessions/{session_id}/fork"): "sessions.fork",
    ("POST", "/agents/{agent_id}/sessions/{session_id}/compact"): "sessions.compact",
    # sessions
    ("GET", "/sessions"): "sessions.list",
    ("POST", "/sessions"): "sessions.create",
    ("DELETE", "/sessions"): "sessions.delete_many",
    ("GET", "/sessions/{session_id}"): "sessions.get",
    ("PATCH", "/sessions/{session_id}"): "sessions.update",
    ("DELETE", "/sessions/{session_id}"): "sessions.delete",
    ("POST", "/sessions/{session_id}/rename"): "sessions.rename",
    ("GET", "/sessions/{session_id}/runs"): "sessions.runs",
    ("GET", "/sessions/{session_id}/runs/{run_id}"): "sessions.get_run",
    ("GET", "/sessions/{session_id}/run-previews"): "sessions.run_previews",
    ("GET", "/sessions/{session_id}/media/{storage_key:path}"): "sessions.media",
    # memories
    ("POST", "/memories"): "memories.create",
    ("GET", "/memories"): "memories.list",
    ("DELETE", "/memories"): "memories.delete_many",
    ("GET", "/memories/{memory_id}"): "memories.get",
    ("PATCH", "/memories/{memory_id}"): "memories.update",
    ("DELETE", "/memories/{memory_id}"): "memories.delete",
    ("GET", "/memory_topics"): "memories.topics",
    ("GET", "/user_memory_stats"): "memories.user_stats",
    ("POST", "/optimize-memories"): "memories.optimize",
    # knowledge
    ("POST", "/knowledge/content"): "knowledge.upload",
    ("GET", "/knowledge/content"): "knowledge.list",
    ("DELETE", "/knowledge/content"): "knowledge.delete_all",
    ("GET", "/knowledge/content/{content_id}"): "knowledge.get",
    ("PATCH", "/knowledge/content/{content_id}"): "knowledge.update",
    ("DELETE", "/knowledge/content/{content_id}"): "knowledge.delete",
    ("GET", "/knowledge/content/{content_id}/status"): "knowledge.status",
    ("POST", "/knowledge/content/{content_id}/refresh"): "knowledge.refresh",
    ("POST", "/knowledge/remote-content"): "knowledge.upload_remote",
    ("POST", "/knowledge/search"): "knowledge.search",
    ("GET", "/knowledge/config"): "knowledge.config",
    ("GET", "/knowledge/{knowledge_id}/sources"): "knowledge.sources",
    ("GET", "/knowledge/{knowledge_id}/sources/{source_id}/files"): "knowledge.source_files",
    # evals, traces, metrics, databases
    ("POST", "/eval-runs"): "evals.run",
    ("GET", "/eval-runs"): "evals.list",
    ("DELETE", "/eval-runs"): "evals.delete_many",
    ("GET", "/eval-runs/{eval_run_id}"): "evals.get",
    ("PATCH", "/eval-runs/{eval_run_id}"): "evals.update",
    ("GET", "/traces"): "traces.list",
    ("GET", "/traces/{trace_id}"): "traces.get",
    ("POST", "/traces/search"): "traces.search",
    ("GET", "/traces/filter-schema"): "traces.filter_schema",
    ("GET", "/trace_session_stats"): "traces.session_stats",
    ("GET", "/metrics"): "metrics.get",
    ("POST", "/metrics/refresh"): "metrics.refresh",
    ("GET", "/metrics/refresh/status"): "metrics.refresh_status",
    ("POST", "/databases/{db_id}/migrate"): "databases.migrate",
    ("POST", "/databases/all/migrate"): "databases.migrate_all",
    # approvals
    ("GET", "/approvals"): "approvals.list",
    ("GET", "/approvals/count"): "approvals.count",
    ("GET", "/approvals/{approval_id}"): "approvals.get",
    ("GET", "/approvals/{approval_id}/status"): "approvals.status",
    ("POST", "/approvals/{approval_id}/resolve"): "approvals.resolve",
    ("DELETE", "/approvals/{approval_id}"): "approvals.delete",
    # schedules
    ("GET", "/schedules"): "schedules.list",
    ("POST", "/schedules"): "schedules.create",
    ("GET", "/schedules/{schedule_id}"): "schedules.get",
    ("PATCH", "/schedules/{schedule_id}"): "schedules.update",
    ("DELETE", "/schedules/{schedule_id}"): "schedules.delete",
    ("POST", "/schedules/{schedule_id}/enable"): "schedules.enable",
    ("POST", "/schedules/{schedule_id}/disable"): "schedules.disable",
    ("POST", "/schedules/{schedule_id}/trigger"): "schedules.trigger",
    ("GET", "/schedules/{schedule_id}/runs"): "schedules.runs",
    ("GET", "/schedules/{schedule_id}/runs/{run_id}"): "schedules.get_run",
    # durable queue
    ("GET", "/queue/jobs"): "queue.list",
    ("GET", "/queue/jobs/{job_id}"): "queue.get",
    ("POST", "/queue/jobs/{job_id}/requeue"): "queue.requeue",
    ("GET", "/queue/stats"): "queue.stats",
    # components and the registry
    ("GET", "/components"): "components.list",
    ("POST", "/components"): "components.create",
    ("GET", "/components/{component_id}"): "components.get",
    ("PATCH", "/components/{component_id}"): "components.update",
    ("DELETE", "/components/{component_id}"): "components.delete",
    ("POST", "/components/{component_id}/restore"): "components.restore",
    ("GET", "/components/{component_id}/configs"): "components.configs",
    ("POST", "/components/{component_id}/configs"): "components.create_config",
    ("GET", "/components/{component_id}/configs/current"): "components.current_config",
    ("GET", "/components/{component_id}/configs/{version}"): "components.get_config",
    ("PATCH", "/components/{component_id}/configs/{version}"): "components.update_config",
    ("DELETE", "/components/{component_id}/configs/{version}"): "components.delete_config",
    ("POST", "/components/{component_id}/configs/{version}/set-current"): "components.set_current_config",
    ("GET", "/registry"): "components.registry",
    # learnings
    ("GET", "/learnings"): "learnings.list",
    ("POST", "/learnings"): "learnings.create",
    ("GET", "/learnings/users"): "learnings.users",
    ("DELETE", "/learnings/users/{user_id}"): "learnings.delete_user",
    ("GET", "/learnings/{learning_id}"): "learnings.get",
    ("PATCH", "/learnings/{learning_id}"): "learnings.update",
    ("DELETE", "/learnings/{learning_id}"): "learnings.delete",
    # A2A (agentos_sync.a2a.A2AClient, also client.a2a)
    **{
        route: f"a2a.{method}"
        for plural in ("agents", "teams", "workflows")
        for route, method in (
            (("GET", f"/a2a/{plural}/{{id}}/.well-known/agent-card.json"), "agent_card"),
            (("POST", f"/a2a/{plural}/{{id}}/v1/message:send"), "send"),
            (("POST", f"/a2a/{plural}/{{id}}/v1/message:stream"), "stream"),
        )
    },
    **{
        route: f"a2a.{method}"
        for plural in ("agents", "teams")
        for route, method in (
            (("POST", f"/a2a/{plural}/{{id}}/v1/tasks:get"), "get_task"),
            (("POST", f"/a2a/{plural}/{{id}}/v1/tasks:cancel"), "cancel_task"),
        )
    },
}

#: (path regex, reason): the routes this client leaves to other clients, on purpose
EXCLUDED: List[Tuple[str, str]] = [
    (r"/authz(/.*)?", "admin area (roles): an admin console's, not an application client's"),
    (r"/users(/.*)?", "admin area (the user directory): an admin console's"),
    (r"/service-accounts(/.*)?", "admin area (service accounts and their keys): an admin console's"),
    (r"/company(/.*)?", "admin area (the company: products, projects, playbooks): an admin console's"),
    (r"/manager(/.*)?", "admin area (the OS manager): an admin console's"),
    (r"/slack(/.*)?", "inbound webhook: Slack calls it, not an application"),
    (r"/whatsapp(/.*)?", "inbound webhook: WhatsApp calls it, not an application"),
    (r"/telegram(/.*)?", "inbound webhook: Telegram calls it, not an application"),
    (r"/agui(/.*)?", "AG-UI interface: a browser front end's protocol (AG-UI events), not this client's"),
    (r"/mcp(/.*)?", "MCP server: for MCP clients (an MCP SDK speaks it)"),
    (r"/\.well-known/.*", "MCP/OAuth discovery documents: for MCP clients"),
    (r"/filesystem/.*", "the server's file browser: an admin console's (read access to the server's disk)"),
    (r"/workflows/ws", "WebSocket workflow runs: the client streams over SSE with resume instead"),
    (r"/", "the landing page (HTML/JSON for a browser); GET /health and GET /info are the probes"),
    (r"/(docs|redoc|openapi\.json|docs/oauth2-redirect)", "the API's own documentation pages"),
]

#: agno's A2A interface needs a2a-sdk, which needs Python 3.10+: on 3.9 the app has no /a2a routes
#: (the client's A2A methods are still tested there, over the fake).
A2A_AVAILABLE = sys.version_info >= (3, 10)
if A2A_AVAILABLE:
    from agno.os.interfaces.a2a import A2A


def exclusion(path: str) -> Optional[str]:
    """The reason a route is left out, or None."""
    for pattern, reason in EXCLUDED:
        if re.fullmatch(pattern, path):
            return reason
    return None


def _walk(routes: Any) -> Iterator[Any]:
    from fastapi.routing import _IncludedRouter  # fastapi >= 0.120 wraps included routers lazily

    for route in routes:
        if isinstance(route, _IncludedRouter):
            yield from _walk(route.effective_candidates())
        else:
            yield route


def build_app(db_dir: str) -> Any:
    """agno 3.1.10's AgentOS with every router this machine can mount on: a db, an agent, a
    team and a workflow, knowledge, tracing, the scheduler, a registry, the user directory and
    the A2A interface. The durable queue needs Redis or Postgres: its router is mounted by hand
    in place of the 503 catch-all the app answers without it."""
    os.environ.setdefault("AGNO_TELEMETRY", "false")
    from agno.agent import Agent
    from agno.db.sqlite import SqliteDb
    from agno.knowledge.knowledge import Knowledge
    from agno.os import AgentOS
    from agno.os.routers.job_queue import get_queue_router
    from agno.registry import Registry
    from agno.team import Team
    from agno.workflow import Step, Workflow

    db = SqliteDb(db_file=os.path.join(db_dir, "routes.db"), id="routes-db")
    agent = Agent(id="a", db=db, telemetry=False)
    team = Team(id="t", members=[Agent(id="m", db=db, telemetry=False)], db=db, telemetry=False)
    workflow = Workflow(id="w", db=db, steps=[Step(name="s", agent=agent)], telemetry=False)
    agent_os = AgentOS(
        agents=[agent],
        teams=[team],
        workflows=[workflow],
        db=db,
        knowledge=[Knowledge(name="k", contents_db=db)],
        interfaces=[A2A(agents=[agent], teams=[team], workflows=[workflow])] if A2A_AVAILABLE else None,
        tracing=True,
        scheduler=True,
        registry=Registry(),
        user_directory=True,
        telemetry=False,
    )
    app = agent_os.get_app()
    app.include_router(get_queue_router(agent_os, settings=agent_os.settings))
    return app


def server_routes() -> Set[Route]:
    """Every (method, path) of the app :func:`build_app` builds (HEAD left out: GET answers it);
    a WebSocket route is listed with method ``WS``."""
    routes: Set[Route] = set()
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(tmp)
        for route in _walk(app.routes):
            path = getattr(route, "path", "") or getattr(getattr(route, "starlette_route", None), "path", "")
            methods = getattr(route, "methods", None)
            if not methods:
                routes.add(("WS", path or "/workflows/ws"))
                continue
            if path in ("/queue", "/queue/{path:path}"):
                continue  # the 503 catch-all of a server without the durable queue
            routes.update((m, path) for m in methods if m != "HEAD")
    return routes


def route_table() -> str:
    """``docs/routes.md``: every route of the server and what the client does with it."""
    lines = [
        "# Every AgentOS route",
        "",
        "<!-- generated by `python scripts/route_table.py` from tests/agentos_routes.py: do not edit -->",
        "",
        "Every route of agno 3.1.10's AgentOS (built with every router on), and the `AgentOSClient`",
        "method that calls it. `tests/test_route_coverage.py` fails when the server has a route that",
        "is neither here nor excluded with its reason below.",
        "",
        "| Route | Client method |",
        "|---|---|",
    ]
    for method, path in sorted(COVERED, key=lambda r: (r[1], r[0])):
        lines.append(f"| `{method} {path}` | `client.{COVERED[(method, path)]}` |")
    lines += ["", "## Left out, and why", "", "| Routes | Reason |", "|---|---|"]
    for pattern, reason in EXCLUDED:
        lines.append(f"| `{pattern}` | {reason} |")
    return "\n".join(lines) + "\n"
