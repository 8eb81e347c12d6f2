"""The documentation's own promises: every Python block of README.md and docs/*.md is collected as
a test (pytest-markdown-docs, configured in setup.cfg), a block that is not run says why, blocks
reach the embedded fake and never port 7777, and the site's nav names only pages that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(page: Path) -> List[Tuple[str, str]]:
    """(info string, code) of each Python fence, parsed as the plugin parses them."""
    fences = [t for t in MarkdownIt("commonmark").parse(page.read_text("utf-8")) if t.type == "fence"]
    return [(t.info, t.content) for t in fences if re.match(r"\{?\.?(python|py|python3)\b", t.info)]


def test_every_python_block_of_the_docs_is_collected_as_a_test() -> None:
    runnable = sum(1 for page in PAGES for info, _ in python_blocks(page) if "notest" not in info)
    assert runnable >= 20
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "README.md", "docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    items = [line for line in collected.stdout.splitlines() if "[CodeFence#" in line]
    assert len(items) == runnable, collected.stdout + collected.stderr


def test_a_block_that_is_not_run_says_why() -> None:
    for page in PAGES:
        for info, code in python_blocks(page):
            if "notest" in info:
                assert code.startswith("# not run: "), f"{page.name}: a notest block must start with its reason"


def test_the_blocks_reach_the_fake_and_say_what_a_reader_runs() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "agentos-sync serve-fake" in readme
    for page in PAGES:
        for _, code in python_blocks(page):
            # The docs' only server address is AgentOS's default, which conftest.py sends to a fake.
            for url in re.findall(r"https?://[^\"'\s)]+", code):
                assert url in ("http://localhost:7777", "http://fake"), f"{page.name}: {url}"


def test_the_site_nav_names_only_pages_that_exist() -> None:
    nav = re.findall(r":\s*([\w-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text("utf-8"), re.M)
    assert nav and all((ROOT / "docs" / name).is_file() for name in nav)
    assert {p.name for p in PAGES[1:]} == set(nav), "a page of docs/ is missing from the nav, or the reverse"


# -- issue 25: one style in the docs --------------------------------------------------------------
#: Pages whose job is agno's names (the compatibility layer and its parity table).
COMPAT_PAGES = {"agno-names.md", "index.md"}


def _agno_names() -> List[str]:
    from agentos_sync import AgentOSClient
    from agentos_sync.client import alias

    return sorted(name for name, value in vars(AgentOSClient).items() if isinstance(value, alias))


def test_the_guides_use_the_resource_names_and_agno_names_only_where_they_are_the_topic() -> None:
    flat = _agno_names()
    assert "run_agent" in flat and "resume_run_stream" in flat and "get_sessions" in flat
    # README's two compatibility spots: the block that shows agno's names for the other areas, and
    # the one under "**agno's names**".
    readme_compat = ("with agno's names too", "**agno's names** are the compatibility layer")
    found: List[str] = []
    for page in PAGES:
        if page.name in COMPAT_PAGES:
            continue
        text = page.read_text("utf-8")
        for _, code in python_blocks(page):
            lead_in = text[max(0, text.index(code) - 800) : text.index(code)]
            if page.name == "README.md" and any(marker in lead_in for marker in readme_compat):
                continue
            calls = re.sub(r"#.*", "", code)  # a comment may quote a message that names one
            for name in flat:
                if re.search(rf"\bclient(\(\))?\.{name}\(", calls):
                    found.append(f"{page.name}: client.{name}(")
    assert found == [], "guides use agno's flat names (use the resource names, see docs/agno-names.md)"


def test_every_reconnect_policy_shown_with_its_defaults_names_every_field() -> None:
    from dataclasses import fields

    from agentos_sync import ReconnectPolicy

    names = [f.name for f in fields(ReconnectPolicy)]
    shown = 0
    for page in PAGES:
        for call in re.findall(r"ReconnectPolicy\(([^()`]*)\)", page.read_text("utf-8")):
            given = re.findall(r"(\w+)=", call)
            if len(given) >= 4:  # the policy with its defaults, not an example that sets two
                shown += 1
                assert given == names, f"{page.name}: ReconnectPolicy({call}) lacks {set(names) - set(given)}"
    assert shown >= 2
