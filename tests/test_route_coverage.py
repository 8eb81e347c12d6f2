"""Every route of agno 3.1.10's AgentOS (the app built with every router on, listed from the
installed wheel) is called by a client method or left out with a reason (``agentos_routes.py``);
each named method exists; the fake server answers each covered route; docs/routes.md is the table
generated from the same list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Set

import pytest
from agentos_routes import A2A_AVAILABLE, COVERED, EXCLUDED, Route, exclusion, route_table, server_routes

from agentos_sync import AgentOSClient
from agentos_sync.testing import FakeAgentOS
from agentos_sync.testing._router import ROUTES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "routes.md"


@pytest.fixture(scope="module")
def routes() -> Set[Route]:
    return server_routes()


@pytest.mark.server_stack
def test_every_server_route_is_covered_or_excluded_with_a_reason(routes: Set[Route]) -> None:
    missing = sorted(r for r in routes if r not in COVERED and exclusion(r[1]) is None)
    assert not missing, f"routes neither covered by a client method nor excluded: {missing}"
    assert all(reason.strip() for _, reason in EXCLUDED)


@pytest.mark.server_stack
def test_the_lists_name_only_routes_the_server_has(routes: Set[Route]) -> None:
    expected = {r for r in COVERED if A2A_AVAILABLE or not r[1].startswith("/a2a/")}
    assert sorted(r for r in expected if r not in routes) == []
    assert not [r for r in COVERED if exclusion(r[1]) is not None], "a route is both covered and excluded"
    used = {pattern for pattern, _ in EXCLUDED if any(re.fullmatch(pattern, path) for _, path in routes)}
    # admin areas and webhooks this machine cannot mount (no Slack SDK, no MCP server, no company
    # config) stay listed by design; every other rule must match something
    optional = {r"/authz(/.*)?", r"/company(/.*)?", r"/manager(/.*)?", r"/slack(/.*)?", r"/whatsapp(/.*)?"}
    optional |= {r"/telegram(/.*)?", r"/agui(/.*)?", r"/mcp(/.*)?", r"/\.well-known/.*"}
    assert {p for p, _ in EXCLUDED} - used <= optional


def test_every_covered_name_is_a_method_of_the_client() -> None:
    client = AgentOSClient("http://fake", transport=FakeAgentOS().transport())
    for route, name in COVERED.items():
        target: Any = client
        for part in name.split("."):
            target = getattr(target, part, None)
            assert target is not None, f"{route}: client.{name} does not exist"
        assert callable(target), f"{route}: client.{name} is not a method"


def _concrete(path: str) -> str:
    """A path template with each ``{param}`` filled in, as a request would send it."""
    path = path.replace("{storage_key:path}", "images/x.png").replace("{message_index}", "1")
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_the_fake_server_answers_every_covered_route() -> None:
    unanswered = []
    for method, path in COVERED:
        concrete = _concrete(path)
        handler = next((r.handler for r in ROUTES if r.pattern.fullmatch(concrete) and r.method == method), None)
        if handler is None:
            unanswered.append((method, path))
    assert unanswered == []


def test_the_literal_paths_reach_their_own_handlers() -> None:
    """/traces/filter-schema and /databases/all/migrate are not a trace id or a db id."""
    fake = FakeAgentOS()
    client = AgentOSClient("http://fake", transport=fake.transport())
    assert client.traces.filter_schema().fields
    assert "All databases" in (client.databases.migrate_all().message or "")


def test_docs_route_table_is_generated_from_the_list() -> None:
    assert DOCS.read_text() == route_table(), "run: python scripts/route_table.py"
