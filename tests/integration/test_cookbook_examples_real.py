"""Every script in examples/cookbook (agno's client cookbook flows, synchronous) runs against the
real AgentOS and prints what agno's prints: each is run as a user runs it (a subprocess), its exit
status and the lines that prove each step did its job are checked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
COOKBOOK = ROOT / "examples" / "cookbook"
UUID = r"[0-9a-f-]{36}"

#: Per script: extra environment, and the regexes its output must contain, in order.
EXPECTED: Dict[str, Any] = {
    "01_basic_client.py": (
        {},
        [
            r"Connected to: agentos-sync-it",  # the server sets no name, so its os_id
            # The areas server's agents, in its order (the later ones serve approvals and media).
            r"Available agents: \['assistant', 'confirmer', 'memo', 'calc', 'approver', 'gallery'\]",
            r"Available teams: \['duo'\]",
            r"Available workflows: \['pipeline'\]",
            r"Agent Details:\n  Name: Assistant\n  Model: .*gpt-fake.*\n  Tools: 0",
        ],
    ),
    "02_run_agents.py": (
        {},
        [
            rf"Running agent: assistant\n\nRun ID: {UUID}\nContent: 2 \+ 2 = 4\.\nTokens: \d+",
            r"Response: Hello from the fake model\.",
        ],
    ),
    "03_memory_operations.py": (
        {"EXAMPLE_USER_ID": "cookbook-memory-user"},
        [
            rf"Created memory: {UUID}\n   Content: User prefers dark mode for all applications\n"
            r"   Topics: \['preferences', 'ui'\]",
            r"Found 1 memories for user cookbook-memory-user",
            r"Memory: User prefers dark mode for all applications",
            r"Updated topics: \['preferences', 'ui', 'accessibility'\]",
            r"Topics: \[.*'accessibility'.*\]",
            r"Stats: \d+ entries",
            r"Memory deleted",
            r"Remaining memories: 0",
        ],
    ),
    "04_session_management.py": (
        {"EXAMPLE_USER_ID": "cookbook-session-user"},
        [
            rf"Session ID: {UUID}\n   Session Name: My Test Session",
            r"Found 1 sessions",
            r"Agent ID: assistant\n   User ID: cookbook-session-user\n   Runs: 0",
            rf"Found 2 runs in session\n   - {UUID}: Hello from the fake model\.\n"
            rf"   - {UUID}: Hello from the fake model\.",
            r"New name: Renamed Test Session",
            r"Session deleted",
        ],
    ),
    "09_upload_content.py": (
        {},
        [
            rf"Upload successful!\nContent ID: {UUID}\nStatus: processing",
            r"Checking processing status...\nStatus: completed",
            r"Name: Agno Guide\n  Status: completed\n  Type: manual",
            r"Found [1-9]\d* results\n\n- Content: \n# Agno Framework Guide",
        ],
    ),
    "05_knowledge_search.py": (
        {},
        [
            r"Available readers: \[.*'text'.*\]",
            r"Found [1-9]\d* content items",
            r"Found [1-9]\d* results",
            r"Content: ",
        ],
    ),
    "06_run_teams.py": (
        {},
        [
            rf"Running team: duo\n\nRun ID: {UUID}\nContent: Hello from the fake model\.",
            r"Response: Hello from the fake model\.",
        ],
    ),
    "07_run_workflows.py": (
        {},
        [
            rf"Running workflow: pipeline\n\nRun ID: {UUID}\nContent: Hello from the fake model\.",
            r"Response: Hello from",
        ],
    ),
    "08_run_evals.py": (
        {},
        [
            rf"Eval ID: {UUID}\nEval Type: accuracy\nEval Data: .*'avg_score': 10",
            r"Eval Type: performance\nPerformance Data: .*'run_times': \[",
            r"Eval Type: reliability\nEval Data: .*'eval_status': 'FAILED'.*'missing_tool_calls': \['multiply'\]",
            r"Found [1-9]\d* evaluation runs",
            rf"Getting details for eval: {UUID}",
        ],
    ),
    "10_sse_reconnect.py": (
        {"EXAMPLE_MESSAGE": "[tokens=30 delay=0.02]", "EXAMPLE_DISCONNECT_SECONDS": "0.2"},
        [
            r"Phase 1: Starting SSE stream, will disconnect after 6 events",
            rf"\[DISCONNECT\] Received 6 events\. run_id={UUID}, last_event_index=5",
            r"\[META\] event=(catch_up|replay)",
            r"\[RESUME\] event=RunCompleted",
            r"Phase 1 event_index range: 0 -> 5\n  Phase 2 event_index range: 6 -> \d+",
            r"\[PASS\] Event indices are contiguous - no events were lost",
        ],
    ),
    "12_continue_run_sse_reconnect.py": (
        {
            "EXAMPLE_AGENT_ID": "confirmer",
            "EXAMPLE_MESSAGE": "[tokens=30 delay=0.02] [call_tool=dangerous_action]",
            "EXAMPLE_DISCONNECT_SECONDS": "0.2",
        },
        [
            r"Using agent: confirmer \(Confirmer\)",
            r"\[PAUSED\] Run paused for tool approval",
            r"\[DISCONNECT\] Received 4 events",
            r"\[RESUME\] event=RunCompleted",
            r"\[PASS\] Event indices are contiguous - no events were lost",
        ],
    ),
}


def run_example(name: str, url: str, extra_env: Dict[str, str]) -> str:
    env = dict(os.environ, AGENTOS_URL=url, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.update(extra_env)
    done = subprocess.run(
        [sys.executable, str(COOKBOOK / name)], env=env, cwd=str(COOKBOOK), capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"{name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_every_cookbook_script_is_checked() -> None:
    scripts = sorted(p.name for p in COOKBOOK.glob("[0-9]*.py"))
    assert scripts == sorted(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_cookbook_example_runs_against_the_real_server(name: str, agentos_areas: Any) -> None:
    extra_env, patterns = EXPECTED[name]
    out = run_example(name, agentos_areas.url, extra_env)
    assert "Error" not in out and "Traceback" not in out, out
    assert_in_order(name, out, patterns)


def assert_in_order(name: str, out: str, patterns: List[str]) -> None:
    """Each pattern matches the output after the previous one's match."""
    position = 0
    missing: List[str] = []
    for pattern in patterns:
        match = re.compile(pattern).search(out, position)
        if match is None:
            missing.append(pattern)
        else:
            position = match.end()
    assert missing == [], f"{name} output lacks {missing}:\n{out}"


def test_knowledge_example_on_a_server_without_knowledge_says_so(agentos: Any) -> None:
    out = run_example("05_knowledge_search.py", agentos.url, {})
    assert "Knowledge not configured: " in out and "has no knowledge base" in out
    assert "2. Listing content" not in out
