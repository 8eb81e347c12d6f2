"""``examples/agentos_server.py`` as a reader runs it: its start-up line means it is listening,
and it serves what every cookbook example needs (a team, a workflow, a knowledge base, an agent
that pauses for a confirmation), so each cookbook script shows its whole flow against it."""

from __future__ import annotations

import re
import time
from typing import Iterator

import pytest
import requests
from _procs import ROOT, spawn, stop
from test_cookbook_examples_real import EXPECTED, assert_in_order, run_example

from conftest import free_port

BANNER = re.compile(r"AgentOS serving on (http://127\.0\.0\.1:\d+)")


@pytest.fixture(scope="module")
def example_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example server's URL, taken from its start-up line the moment that line is written."""
    work = tmp_path_factory.mktemp("example_server")
    log = work / "server.log"
    proc = spawn(
        [str(ROOT / "examples" / "agentos_server.py"), "--port", str(free_port()), "--db", str(work / "agentos.db")],
        log,
    )
    try:
        deadline = time.monotonic() + 90
        while not BANNER.search(log.read_text(errors="replace")):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.02)
        match = BANNER.search(log.read_text(errors="replace"))
        assert match is not None
        # At once, no retry: the line promises a listening server (it used to come before uvicorn
        # bound the port, and a request right after it was refused).
        assert requests.get(match.group(1) + "/health", timeout=10).status_code == 200
        yield match.group(1)
    finally:
        stop(proc)


def test_the_start_up_line_comes_once_the_server_listens(example_server: str) -> None:
    config = requests.get(example_server + "/config", timeout=10).json()
    assert [a["id"] for a in config["agents"]] == ["assistant", "confirmer"]
    assert [t["id"] for t in config["teams"]] == ["duo"] and [w["id"] for w in config["workflows"]] == ["pipeline"]


# Only a knob that shortens the wait: no agent id or message is chosen for the script.
SCRIPTS = {
    "06_run_teams.py": {},
    "07_run_workflows.py": {},
    "09_upload_content.py": {},
    "12_continue_run_sse_reconnect.py": {"EXAMPLE_DISCONNECT_SECONDS": "0.2"},
}


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_the_cookbook_example_shows_its_flow_against_the_example_server(name: str, example_server: str) -> None:
    out = run_example(name, example_server, SCRIPTS[name])
    assert "Error" not in out and "Traceback" not in out and "No teams" not in out and "No workflows" not in out, out
    assert_in_order(name, out, EXPECTED[name][1])
