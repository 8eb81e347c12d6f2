"""The example Django project (examples/django_app) in a real browser against the real AgentOS.

``manage.py runserver`` serves the example on a free port with ``AGENTOS_URL`` pointing at the
``agentos`` fixture; headless Chromium (Debian's ``chromium`` package, driven by Playwright for
Python through ``executable_path``; no browser is downloaded) types a question, submits it and
watches the answer stream in: seen part-way, then whole. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import pytest
import requests

MANAGE = Path(__file__).resolve().parents[2] / "examples" / "django_app" / "manage.py"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKENS = 40
WAIT_MS = 30_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if path is None:
        pytest.fail("chromium not found: apt-get install -y chromium (Debian's package; never `playwright install`)")
    return path


class Site(NamedTuple):
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def django_site(agentos: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Site]:
    """The example project on a free port, talking to the real AgentOS; its log on failure.
    Indirect parameters: more environment variables for it (``AGENTOS_AGENT``)."""
    port = _free_port()
    env = dict(os.environ, AGENTOS_URL=agentos.url, PYTHONUNBUFFERED="1", AGENTOS_LOG_LEVEL="DEBUG")
    env.update(getattr(request, "param", {}))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log_path = tmp_path / "runserver.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(MANAGE), "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"runserver exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(url + "/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"runserver not answering after 30 s:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield Site(url, log_path)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        print(f"\n--- runserver log (tail) ---\n{log_path.read_text(errors='replace')[-2000:]}")


@contextlib.contextmanager
def opened_page(site: Site) -> Iterator[Any]:
    """The example page in headless Chromium (the system's browser), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS, timeout=WAIT_MS)
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(site.url + "/")
            yield page
        finally:
            browser.close()


def test_the_page_streams_the_answer_in(django_site: Site) -> None:
    expected = "".join(f"tok{i} " for i in range(TOKENS))
    with opened_page(django_site) as page:
        page.fill("#question", f"[tokens={TOKENS} delay=0.05] Count for me, slowly")
        page.click("button[type=submit]")

        # Part-way: some tokens are on the page and the run is still going (2 s of tokens).
        page.wait_for_function("() => document.querySelector('#answer').textContent.includes('tok3 ')")
        partial = page.text_content("#answer") or ""
        assert partial.startswith("tok0 tok1 tok2 tok3 ") and f"tok{TOKENS - 1} " not in partial

        page.wait_for_function("() => document.querySelector('#status').dataset.state !== 'streaming'")
        state = page.get_attribute("#status", "data-state")
        assert state == "done", f"status: {state} {page.text_content('#status')!r}"
        assert page.text_content("#answer") == expected
        # One RunContent event per token: the answer arrived as a stream, not in one piece.
        assert int(page.get_attribute("#answer", "data-events") or 0) == TOKENS


@pytest.mark.parametrize("django_site", [{"AGENTOS_AGENT": "nobody"}], indirect=True)
def test_a_wrong_agent_id_shows_the_servers_reason_and_what_to_do(django_site: Site) -> None:
    with opened_page(django_site) as page:
        page.fill("#question", "What is 2 + 2?")
        page.click("button[type=submit]")
        page.wait_for_function("() => document.querySelector('#status').dataset.state === 'error'")
        # What the real AgentOS said, and what to do; not "Connection lost.".
        assert page.text_content("#status") == (
            "AgentOS answered 404: Agent not found. "
            "Check the agent id this page asks, and the run id when resuming."
        )


def test_leaving_the_page_closes_the_upstream_stream(django_site: Site, agentos: Any) -> None:
    from agentos_sync import AgentOSClient

    with opened_page(django_site) as page:
        page.fill("#question", "[tokens=300 delay=0.05] A long answer I will not wait for")
        page.click("button[type=submit]")
        page.wait_for_function("() => document.querySelector('#answer').textContent.includes('tok3 ')")
        page.goto("about:blank")  # the browser drops the EventSource connection
    # The server notices at its next write (a token, or a keep-alive) and closes the relay, which
    # closes the upstream stream; the relay logs it at DEBUG.
    deadline = time.monotonic() + 20
    while "closed early" not in django_site.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    match = re.search(r"relay of run (\S+) closed early \(the client went away\)", django_site.log())
    assert match, django_site.log()[-2000:]
    # The background run went on without its viewer; stop it rather than leave the server busy.
    with AgentOSClient(agentos.url) as client:
        client.cancel_agent_run("assistant", match.group(1))
