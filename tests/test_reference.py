"""The API reference (docs/reference/, mkdocstrings) documents the whole public API: the site is
built as .ci/run builds it, and its object inventory must hold every exported name and every
resource method, with signatures and examples rendered and no private object or reST markup.

Needs the ``docs`` extra (mkdocs): marked ``docs_build``, which .ci/run's per-version unit runs
(the ``unit`` extra, no mkdocs) leave out and its main run includes."""

from __future__ import annotations

import html
import importlib
import inspect
import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Iterator, Set

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.docs_build

#: Modules whose ``__all__`` is public API (the contrib ones load their framework lazily).
PUBLIC_MODULES = [
    "agentos_sync",
    "agentos_sync.a2a",
    "agentos_sync.resources",
    "agentos_sync.models",
    "agentos_sync.pagination",
    "agentos_sync.errors",
    "agentos_sync.cursors",
    "agentos_sync.concurrency",
    "agentos_sync.transports",
    "agentos_sync.testing",
    "agentos_sync.contrib.django",
    "agentos_sync.contrib.flask",
    "agentos_sync.contrib.celery",
]
RESOURCES = [
    "Runs",
    "Sessions",
    "Memories",
    "Knowledge",
    "Evals",
    "Traces",
    "Metrics",
    "Databases",
    "Approvals",
    "Schedules",
    "Queue",
    "Components",
    "Learnings",
    "RunCheckpoints",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return out


@pytest.fixture(scope="module")
def inventory(site: Path) -> Set[str]:
    """The names mkdocstrings rendered (objects.inv, Sphinx's format: 4 header lines, then zlib)."""
    raw = (site / "objects.inv").read_bytes().split(b"\n", 4)[4]
    return {line.split(" ", 1)[0] for line in zlib.decompress(raw).decode().splitlines()}


def _exported() -> Iterator[tuple]:
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__") or inspect.ismodule(getattr(module, name)):
                continue
            yield module_name, name, getattr(module, name)


def test_every_exported_name_is_in_the_reference(inventory: Set[str]) -> None:
    missing = []
    for module_name, name, obj in _exported():
        candidates = {f"{module_name}.{name}"}
        if hasattr(obj, "__module__") and hasattr(obj, "__qualname__"):
            candidates.add(f"{obj.__module__}.{obj.__qualname__}")
        if not candidates & inventory:
            missing.append(f"{module_name}.{name}")
    assert missing == [], f"exported but not in the API reference: {missing}"


def test_every_resource_method_is_in_the_reference(inventory: Set[str]) -> None:
    import agentos_sync.resources as resources

    missing = []
    for cls_name in RESOURCES:
        cls = getattr(resources, cls_name)
        for name, member in vars(cls).items():
            if (
                not name.startswith("_")
                and callable(member)
                and f"agentos_sync.resources.{cls_name}.{name}" not in inventory
            ):
                missing.append(f"{cls_name}.{name}")
    assert "Runs.stream" not in missing
    assert missing == [], f"resource methods not in the API reference: {missing}"


def test_no_private_object_is_documented(inventory: Set[str]) -> None:
    leaked = [n for n in inventory if re.search(r"\._(?!_)[^.]*$", n) or "SSERelay" in n]
    assert leaked == []


def _text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text("utf-8")))


def test_client_agents_stream_shows_its_signature_parameters_and_example(site: Path) -> None:
    page = (site / "reference" / "runs" / "index.html").read_text("utf-8")
    start = page.index('id="agentos_sync.resources.Runs.stream"')
    section = html.unescape(re.sub(r"<[^>]+>", "", page[start : page.index('class="doc doc-heading"', start + 60)]))
    for shown in ("entity_id: str", "message: str", "background: bool = False", "deadline", "-> RunStream"):
        assert shown in section, section
    assert 'client.agents.stream("assistant"' in section and "Example" in section
    # The parameters table of its Args section, with each parameter's description.
    assert "Parameters:" in section and "Seconds the whole stream may take" in section and "Returns:" in section


def test_the_client_heading_has_its_signature(site: Path) -> None:
    page = (site / "reference" / "client" / "index.html").read_text("utf-8")
    start = page.index('id="agentos_sync.AgentOSClient"')
    heading = html.unescape(re.sub(r"<[^>]+>", "", page[start : start + 4000]))
    # One line or several (mkdocstrings formats long signatures when ruff or black is installed).
    assert re.search(r'AgentOSClient\(\s*base_url: Optional\[str\] = None,\s*\*,\s*api_key', heading), heading


def test_no_rest_markup_is_left_in_the_rendered_reference(site: Path) -> None:
    for page in (site / "reference").rglob("index.html"):
        text = _text(page)
        for marker in (":class:`", ":meth:`", ":func:`", ":attr:`", ":data:`", ":mod:`", "Example::"):
            assert marker not in text, f"{page.parent.name}: {marker}"
