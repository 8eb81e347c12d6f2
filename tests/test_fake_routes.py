"""The fake server's route table (``agentos_sync.testing._router``): one module per area exports
its routes as data, the router composes them in one place, importing registers nothing, and the
most specific template answers whatever the order the areas are listed in."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path
from typing import List, Tuple

import pytest

import agentos_sync.testing._routes as routes_package
from agentos_sync.testing import FakeAgentOS
from agentos_sync.testing._router import ROUTES, Router
from agentos_sync.testing._routes import traces
from agentos_sync.testing._routes._common import Route
from agentos_sync.testing._wire import _Call, _Invalid, _json, _Reply
from agentos_sync.transports import Request


def _area_modules() -> List[str]:
    return sorted(
        f"{routes_package.__name__}.{info.name}"
        for info in pkgutil.iter_modules(routes_package.__path__)
        if not info.name.startswith("_")
    )


def _call(method: str, path: str) -> _Call:
    return _Call(method, path, {}, Request(method, "http://fake" + path))


def _answer(router: Router, method: str, path: str) -> _Reply:
    try:
        return router.dispatch(_call(method, path))
    except _Invalid as refused:
        return refused.reply


def test_the_table_is_every_area_modules_routes_and_nothing_else() -> None:
    composed: List[Route] = []
    for name in _area_modules():
        area = importlib.import_module(name).ROUTES
        assert isinstance(area, tuple) and area, f"{name}.ROUTES is not a tuple of routes"
        assert all(isinstance(r, Route) and callable(r.handler) for r in area)
        composed.extend(area)
    assert isinstance(ROUTES, tuple)
    assert sorted(map(repr, composed)) == sorted(map(repr, ROUTES))


def test_an_area_module_only_defines_names_at_import() -> None:
    """No registration at import: at module level a route module imports, defines functions and
    binds its own names (ROUTES among them); it calls no method of anything it imported."""
    package = Path(routes_package.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Expr):
                assert isinstance(node.value, ast.Constant), f"{path.name}:{node.lineno} runs code at import"
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assert all(isinstance(t, ast.Name) for t in targets), f"{path.name}:{node.lineno} assigns elsewhere"
            else:
                allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
                assert isinstance(node, allowed), f"{path.name}:{node.lineno} runs code at import"


@pytest.mark.parametrize(
    ("template", "path", "params"),
    [
        ("/sessions/{session_id}", "/sessions/s1", ("s1",)),
        ("/sessions/{session_id}/media/{storage_key:path}", "/sessions/s1/media/a/b.png", ("s1", "a/b.png")),
        ("/{plural:agents|teams}/{component_id}", "/teams/duo", ("teams", "duo")),
        ("/a2a/{plural:agents}/{component_id}/v1/message:send", "/a2a/agents/x/v1/message:send", ("agents", "x")),
    ],
)
def test_a_template_matches_its_paths_and_gives_its_parameters(
    template: str, path: str, params: Tuple[str, ...]
) -> None:
    match = Route("GET", template, _json).pattern.fullmatch(path)
    assert match is not None and match.groups() == params


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/sessions/{session_id}", "/sessions/s1/runs"),
        ("/{plural:agents|teams}/{component_id}", "/workflows/pipe"),
        ("/a2a/{plural:agents}/{component_id}/v1/message:send", "/a2a/agents/x/v1/messageXsend"),
    ],
)
def test_a_template_does_not_match_other_paths(template: str, path: str) -> None:
    assert Route("GET", template, _json).pattern.fullmatch(path) is None


@pytest.mark.parametrize("order", [ROUTES, tuple(reversed(ROUTES))])
def test_a_literal_segment_wins_over_a_parameter_in_any_order(order: Tuple[Route, ...]) -> None:
    fake = FakeAgentOS()
    router = Router(fake, order)
    schema = _answer(router, "GET", "/traces/filter-schema")
    assert schema.status == 200 and b"logical_operators" in b"".join(f.data for f in schema.frames)
    migrated = _answer(router, "POST", "/databases/all/migrate")
    assert b"All databases" in b"".join(f.data for f in migrated.frames)
    assert _answer(router, "GET", "/approvals/count").status == 200


def test_a_route_of_the_same_method_and_shape_as_another_is_refused() -> None:
    def other(state: object, call: _Call, trace: str) -> _Reply:
        return _json(200, {})

    with pytest.raises(ValueError, match=re.escape("two routes for GET /traces/{other}")):
        Router(FakeAgentOS(), (*ROUTES, Route("GET", "/traces/{other}", other)))
    Router(FakeAgentOS(), (*ROUTES, Route("PUT", "/traces/{other}", other)))  # another method is another route


def test_a_path_with_routes_for_other_methods_is_405_and_an_unknown_path_404() -> None:
    router = Router(FakeAgentOS())
    assert _answer(router, "PUT", "/traces").status == 405
    assert _answer(router, "GET", "/nowhere").status == 404
    # a GET on the POST-only literal path falls through to the trace-id route, as on FastAPI
    not_a_trace = _answer(router, "GET", "/traces/search")
    assert (not_a_trace.status, b"".join(f.data for f in not_a_trace.frames)) == (404, b'{"detail":"Trace not found"}')
    assert traces.get_trace in {r.handler for r in router.routes if r.pattern.fullmatch("/traces/search")}


def test_only_health_is_served_without_the_security_key() -> None:
    assert [r.path for r in ROUTES if not r.auth] == ["/health"]
    fake = FakeAgentOS(security_key="k")
    router = Router(fake)
    assert _answer(router, "GET", "/health").status == 200
    assert _answer(router, "GET", "/config").status == 401
