"""The ``agentos-sync`` command line against a real AgentOS (agno 3.1.10, fixtures in conftest.py)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

from click.testing import CliRunner, Result

from agentos_sync.cli import cli
from agentos_sync.streams import RunStream

ROOT = Path(__file__).resolve().parents[2]
SLOW = "[tokens=40 delay=0.02] write slowly"


def _runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def invoke(url: str, *args: str, api_key: Optional[str] = None) -> Result:
    env = {"AGENTOS_URL": url, "AGENTOS_API_KEY": api_key, "FORCE_COLOR": None, "TTY_COMPATIBLE": None}
    return _runner().invoke(cli, list(args), env=env, catch_exceptions=False)


def summary(stderr: str) -> Dict[str, str]:
    for line in reversed(stderr.splitlines()):
        if "run_id=" in line:
            return dict(p.split("=", 1) for p in line.split() if "=" in p)
    raise AssertionError(f"no summary line in {stderr!r}")


def json_lines(text: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_agents_teams_workflows(agentos):  # type: ignore[no-untyped-def]
    result = invoke(agentos.url, "agents")
    assert result.exit_code == 0, result.stderr
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["assistant", "confirmer"]
    assert [t["id"] for t in json.loads(invoke(agentos.url, "teams", "--json").stdout)] == ["duo"]
    assert invoke(agentos.url, "workflows").stdout.split("\t")[0] == "pipeline"


def test_run_streams_the_answer(agentos):  # type: ignore[no-untyped-def]
    result = invoke(agentos.url, "run", "agent", "assistant", "What is 2 + 2?")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2 + 2 = 4.\n"
    info = summary(result.stderr)
    assert info["run_id"] != "-" and info["session_id"] != "-"
    assert int(info["tokens"]) > 5


def test_run_background_with_json_and_resume(agentos):  # type: ignore[no-untyped-def]
    result = invoke(agentos.url, "run", "agent", "assistant", "What is 2 + 2?", "--background", "--json")
    assert result.exit_code == 0, result.stderr
    evs = json_lines(result.stdout)
    indices = [e["event_index"] for e in evs]
    assert indices == sorted(set(indices)) and evs[-1]["event"] == "RunCompleted"
    assert "".join(e.get("content") or "" for e in evs if e["event"] == "RunContent") == "2 + 2 = 4."
    run_id, session_id = evs[0]["run_id"], evs[0]["session_id"]
    resumed = invoke(
        agentos.url, "resume", "agent", "assistant", run_id, "--last-event-index", str(indices[1]),
        "--session-id", session_id,
    )  # fmt: skip
    assert resumed.exit_code == 0, resumed.stderr
    assert "<replay>" in resumed.stderr
    assert "4." in resumed.stdout


def test_run_background_stream_prints_the_answer(agentos):  # type: ignore[no-untyped-def]
    result = invoke(agentos.url, "run", "agent", "assistant", "What is 2 + 2?", "--background")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2 + 2 = 4.\n"
    assert summary(result.stderr)["run_id"] != "-"


def test_no_stream_background_then_wait_get_run_and_runs(agentos):  # type: ignore[no-untyped-def]
    accepted = invoke(
        agentos.url, "run", "agent", "assistant", "What is 2 + 2?", "--background", "--no-stream", "--json"
    )
    assert accepted.exit_code == 0, accepted.stderr
    acc = json.loads(accepted.stdout)
    waited = invoke(
        agentos.url, "wait", "agent", "assistant", acc["run_id"], "--session-id", acc["session_id"],
        "--poll-interval", "0.2", "--timeout", "60",
    )  # fmt: skip
    assert waited.exit_code == 0, waited.stderr
    assert waited.stdout == "2 + 2 = 4.\n"
    got = invoke(
        agentos.url, "get-run", "agent", "assistant", acc["run_id"], "--session-id", acc["session_id"], "--json"
    )
    assert json.loads(got.stdout)["status"] == "COMPLETED"
    listed = invoke(agentos.url, "runs", "agent", "assistant", "--session-id", acc["session_id"], "--json")
    assert acc["run_id"] in [r["run_id"] for r in json.loads(listed.stdout)]


def test_team_and_workflow_runs(agentos):  # type: ignore[no-untyped-def]
    team = invoke(agentos.url, "run", "team", "duo", "What is 2 + 2?")
    assert team.exit_code == 0, team.stderr
    assert "4." in team.stdout
    flow = invoke(agentos.url, "run", "workflow", "pipeline", "What is 2 + 2?", "--background")
    assert flow.exit_code == 0, flow.stderr
    assert "4." in flow.stdout


def test_errors_map_to_exit_codes(agentos):  # type: ignore[no-untyped-def]
    assert invoke(agentos.url, "run", "agent", "nope", "hi").exit_code == 2
    failed = invoke(agentos.url, "run", "agent", "assistant", "[llm_error=500] fail")
    assert failed.exit_code == 1, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stderr


def test_auth_exit_code_and_the_key_is_never_printed(agentos_secure):  # type: ignore[no-untyped-def]
    key = agentos_secure.api_key
    denied = invoke(agentos_secure.url, "agents")
    assert denied.exit_code == 4
    wrong = invoke(agentos_secure.url, "agents", "--api-key", "not-the-key")
    assert wrong.exit_code == 4
    ok = invoke(agentos_secure.url, "run", "agent", "assistant", "What is 2 + 2?", "--background", api_key=key)
    assert ok.exit_code == 0, ok.stderr
    for r in (denied, wrong, ok):
        assert key not in r.stdout and key not in r.stderr


def test_ctrl_c_detaches_and_the_printed_command_resumes(agentos, monkeypatch):  # type: ignore[no-untyped-def]
    original = RunStream.__next__
    seen = {"n": 0}

    def next_or_interrupt(self: RunStream) -> Any:
        seen["n"] += 1
        if seen["n"] > 6:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(RunStream, "__next__", next_or_interrupt)
    # A for loop drives the stream's generator without __next__ (streams._drive): route it back.
    monkeypatch.setattr(RunStream, "__iter__", lambda self: self)
    result = invoke(agentos.url, "run", "agent", "assistant", SLOW, "--background")
    monkeypatch.undo()
    assert result.exit_code == 130
    command = next(
        line.strip() for line in result.stderr.splitlines() if line.strip().startswith("agentos-sync resume")
    )
    assert "--last-event-index 5" in command and f"--base-url {agentos.url}" in command
    resumed = _runner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.stdout.rstrip().endswith("tok39")


def test_background_stream_survives_a_cut_by_the_proxy(proxy):  # type: ignore[no-untyped-def]
    proxy.cut_after_bytes(2500, times=1, path="/agents/assistant/runs$")
    result = invoke(proxy.url, "run", "agent", "assistant", SLOW, "--background")
    assert result.exit_code == 0, result.stderr
    assert "reconnected after a dropped connection" in result.stderr
    assert summary(result.stderr)["reconnects"] == "1"
    assert result.stdout.split() == [f"tok{i}" for i in range(40)]  # every token once, in order


def test_demo_against_the_real_server(agentos):  # type: ignore[no-untyped-def]
    result = _runner().invoke(cli, ["demo", "--base-url", agentos.url], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Fault injection needs the embedded fake server" in result.stdout
    assert "All checks passed" in result.stdout


def test_cli_as_a_subprocess(agentos):  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [sys.executable, "-m", "agentos_sync.cli", "run", "agent", "assistant", "What is 2 + 2?"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "AGENTOS_URL": agentos.url},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "2 + 2 = 4.\n"


def test_cancel_a_running_background_run(agentos):  # type: ignore[no-untyped-def]
    accepted = invoke(
        agentos.url, "run", "agent", "assistant", "[tokens=40 delay=0.05] long", "--background", "--no-stream", "--json"
    )
    acc = json.loads(accepted.stdout)
    assert invoke(agentos.url, "cancel", "agent", "assistant", acc["run_id"]).exit_code == 0
    waited = invoke(
        agentos.url, "wait", "agent", "assistant", acc["run_id"], "--session-id", acc["session_id"],
        "--poll-interval", "0.2", "--timeout", "60",
    )  # fmt: skip
    assert waited.exit_code == 1
    assert "cancelled" in waited.stderr.lower()


def test_approvals_and_schedules_commands(agentos_areas):  # type: ignore[no-untyped-def]
    from agentos_sync import AgentOSClient

    url = agentos_areas.url
    with AgentOSClient(url, timeout=(5, 60)) as client:
        out = client.agents.run("approver", "Pay the invoice [call_tool=wire_money]")
        listed = invoke(url, "approvals", "list", "--agent-id", "approver", "--limit", "1000")
        rows = [line.split("\t") for line in listed.stdout.splitlines()]
        (row,) = [r for r in rows if r[5] == out.run_id]
        assert row[1:4] == ["pending", "approver", "wire_money"]
        resolved = invoke(url, "approvals", "resolve", row[0], "approved", "--by", "cli-admin")
        assert resolved.exit_code == 0 and resolved.stdout.strip() == f"{row[0]}\tapproved"
        assert client.agents.continue_run("approver", out.run_id, session_id=out.session_id).status == "COMPLETED"

        name = f"cli-{uuid.uuid4().hex[:8]}"
        s = client.schedules.create(name, "0 3 * * *", "/agents/assistant/runs", payload={"message": "What is 2 + 2?"})
        try:
            listed = invoke(url, "schedules", "list", "--limit", "1000")
            assert [s.id, name, "0 3 * * *", "yes"] in [line.split("\t")[:4] for line in listed.stdout.splitlines()]
            fired = invoke(url, "schedules", "trigger", s.id)
            assert fired.exit_code == 0
            schedule_run_id, status, run_id = fired.stdout.strip().split("\t")
            assert status == "success" and client.schedules.get_run(s.id, schedule_run_id).run_id == run_id
        finally:
            client.schedules.delete(s.id)
