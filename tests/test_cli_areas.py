"""The CLI's commands beyond runs (memories, upload, search, sessions, eval) over a fake AgentOS
on loopback: output on stdout (tab-separated when piped, --json), notes and errors on stderr, the
documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest
from click.testing import CliRunner, Result

from agentos_sync import AgentOSClient
from agentos_sync.cli import EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, cli
from agentos_sync.testing import FakeAgentOS


class Env:
    def __init__(self, fake: FakeAgentOS, url: str) -> None:
        self.fake = fake
        self.url = url
        self.client = AgentOSClient(url)
        try:  # click < 8.2 mixes stderr into stdout unless told not to
            self.runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
        except TypeError:
            self.runner = CliRunner()

    def invoke(self, *args: str) -> Result:
        env: Dict[str, Optional[str]] = {"AGENTOS_URL": self.url, "AGENTOS_API_KEY": None, "FORCE_COLOR": None}
        return self.runner.invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def env() -> Iterator[Env]:
    fake = FakeAgentOS()
    with fake.serve() as server:
        e = Env(fake, server.url)
        yield e
        e.client.close()


def test_memories_lists_filters_and_searches(env: Env) -> None:
    for i in range(3):
        env.client.memories.create(f"likes tea {i}", user_id="u1", topics=["drinks"])
    env.client.memories.create("plays chess", user_id="u2", topics=["games"])
    result = env.invoke("memories", "--user-id", "u1", "--limit", "2")
    assert result.exit_code == EXIT_OK
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 2 and all(r[1] == "u1" and r[2] == "drinks" for r in rows)
    found = env.invoke("memories", "--search", "chess", "--json")
    assert [m["memory"] for m in json.loads(found.stdout)] == ["plays chess"]
    assert "no memories" in env.invoke("memories", "--user-id", "nobody").stderr


def test_upload_a_file_and_search_it(env: Env, tmp_path: Path) -> None:
    path = tmp_path / "tea.txt"
    path.write_text("Tea is a drink made from leaves.")
    result = env.invoke("upload", str(path))
    assert result.exit_code == EXIT_OK, result.stderr
    content_id = result.stdout.strip()
    assert env.fake.knowledge_contents[content_id].name == "tea.txt" and "completed" in result.stderr
    assert env.invoke("upload", "--text", "Agno builds agents.", "--name", "agno", "--json").exit_code == EXIT_OK
    hits = env.invoke("search", "tea leaves")
    assert hits.exit_code == EXIT_OK and hits.stdout.split("\t")[:2] == [content_id, "tea.txt"]
    assert json.loads(env.invoke("search", "agents", "--json").stdout)[0]["name"] == "agno"


def test_upload_needs_exactly_one_source(env: Env, tmp_path: Path) -> None:
    result = env.invoke("upload")
    assert result.exit_code == EXIT_USAGE and "exactly one of PATH, --url or --text" in result.stderr
    assert env.invoke("upload", "--text", "a", "--url", "https://x").exit_code == EXIT_USAGE


def test_without_a_knowledge_base_the_error_says_so() -> None:
    fake = FakeAgentOS(knowledge=False)
    with fake.serve() as server:
        env = Env(fake, server.url)
        result = env.invoke("search", "anything")
    assert result.exit_code == EXIT_RUN_FAILED
    assert "has no knowledge base" in result.stderr and "Traceback" not in result.stderr


def test_sessions_lists_them(env: Env) -> None:
    out = env.client.agents.run("assistant", "What is 2 + 2?", user_id="u1")
    result = env.invoke("sessions", "--type", "agent", "--user-id", "u1")
    assert result.exit_code == EXIT_OK
    (row,) = [line.split("\t") for line in result.stdout.splitlines()]
    assert row[:2] == [out.session_id, "agent"] and row[3] == "u1"
    assert [s["session_id"] for s in json.loads(env.invoke("sessions", "--json").stdout)] == [out.session_id]


def test_eval_passes_fails_and_unknown_agent_is_a_usage_error(env: Env) -> None:
    passed = env.invoke("eval", "accuracy", "assistant", "What is 2 + 2?", "--expected", "4")
    assert passed.exit_code == EXIT_OK and "avg_score=10" in passed.stderr
    assert passed.stdout.strip() in env.fake.eval_runs
    failed = env.invoke("eval", "accuracy", "assistant", "What is 2 + 2?", "--expected", "five")
    assert failed.exit_code == EXIT_RUN_FAILED
    perf = env.invoke("eval", "performance", "assistant", "Hi", "--iterations", "2", "--json")
    assert perf.exit_code == EXIT_OK and len(json.loads(perf.stdout)["eval_data"]["run_times"]) == 2
    rel = env.invoke("eval", "reliability", "assistant", "no tools here", "--expected-tool", "multiply")
    assert rel.exit_code == EXIT_RUN_FAILED and "missing=['multiply']" in rel.stderr
    unknown = env.invoke("eval", "accuracy", "nope", "x", "--expected", "y")
    assert unknown.exit_code == EXIT_USAGE and "error:" in unknown.stderr and "Traceback" not in unknown.stderr


def test_approvals_list_and_resolve(env: Env) -> None:
    env.fake.add_agent("confirmer", confirm_tool="delete_file", tool_args={"path": "/tmp/x"})
    env.fake.require_approval("confirmer")
    out = env.client.agents.run("confirmer", "Delete it")
    listed = env.invoke("approvals", "list")
    assert listed.exit_code == EXIT_OK
    (row,) = [line.split("\t") for line in listed.stdout.splitlines()]
    assert row[1:5] == ["pending", "confirmer", "delete_file", '{"path": "/tmp/x"}'] and row[5] == out.run_id
    resolved = env.invoke("approvals", "resolve", row[0], "approved", "--by", "ops")
    assert resolved.exit_code == EXIT_OK and resolved.stdout.strip() == f"{row[0]}\tapproved"
    assert env.invoke("approvals", "list").stdout == ""
    as_json = json.loads(env.invoke("approvals", "list", "--status", "all", "--json").stdout)
    assert [a["resolved_by"] for a in as_json] == ["ops"]
    again = env.invoke("approvals", "resolve", row[0], "rejected")
    assert again.exit_code == EXIT_RUN_FAILED and "already 'approved'" in again.stderr  # 409


def test_schedules_list_and_trigger(env: Env) -> None:
    s = env.client.schedules.create("nightly", "0 3 * * *", "/agents/assistant/runs", payload={"message": "Hi"})
    listed = env.invoke("schedules", "list")
    (row,) = [line.split("\t") for line in listed.stdout.splitlines()]
    assert row[:4] == [s.id, "nightly", "0 3 * * *", "yes"] and row[4] == "POST /agents/assistant/runs"
    fired = env.invoke("schedules", "trigger", s.id)
    assert fired.exit_code == EXIT_OK
    run_id = fired.stdout.strip().split("\t")[2]
    assert env.fake.runs[run_id].message == "Hi"
    env.client.schedules.disable(s.id)
    assert env.invoke("schedules", "list", "--enabled").stdout == ""
    refused = env.invoke("schedules", "trigger", s.id)
    assert refused.exit_code == EXIT_RUN_FAILED and "disabled" in refused.stderr  # 409
    bad = env.client.schedules.create("broken", "0 4 * * *", "/agents/nobody/runs", payload={"message": "Hi"})
    assert env.invoke("schedules", "trigger", bad.id).exit_code == EXIT_RUN_FAILED
