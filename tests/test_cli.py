"""The ``agentos-sync`` command line: in-process with click's runner against a fake AgentOS served
over loopback HTTP, and as a subprocess (``python -m agentos_sync.cli``, ``serve-fake``, Ctrl-C)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, Optional, Sequence, Tuple

import click
import pytest
import requests
from click.testing import CliRunner, Result

from agentos_sync.cli import cli
from agentos_sync.streams import RunStream
from agentos_sync.testing import FakeAgentOS, FakeServer
from agentos_sync.testing._demo import build_fake

ROOT = Path(__file__).resolve().parents[1]
KEY = "sk-cli-secret-5e8f1a"
LONG = " ".join(f"word{i}" for i in range(40))
SUBPROCESS_TIMEOUT = 30.0


def _runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def _tools_script(message: str) -> List[Dict[str, Any]]:
    tool = {"tool_call_id": "call_1", "tool_name": "get_weather", "tool_args": {"city": "Paris"}}
    return [
        {"event": "RunStarted"},
        {"event": "ReasoningStep", "content": {"title": "Plan", "reasoning": "look up the weather"}},
        {"event": "ToolCallStarted", "tool": tool},
        {"event": "ToolCallCompleted", "tool": {**tool, "result": "sunny, 21C"}},
        {"event": "RunContent", "content": "It is ", "reasoning_content": ""},
        {"event": "RunContent", "content": "sunny.", "reasoning_content": ""},
        {"event": "RunCompleted", "content": "It is sunny.", "metrics": {"total_tokens": 42}},
    ]


def _fake(security_key: Optional[str] = None) -> FakeAgentOS:
    fake = build_fake(security_key=security_key)
    fake.add_agent("bad", error="boom", error_after=2)
    fake.add_agent("tools", script=_tools_script)
    fake.add_agent("slow", polls_until_done=1000)
    return fake


class Env:
    """A fake AgentOS on loopback and a way to run the CLI against it."""

    def __init__(self, fake: FakeAgentOS, server: FakeServer) -> None:
        self.fake = fake
        self.server = server
        self.url = server.url
        self.runner = _runner()

    def invoke(self, *args: str, env: Optional[Dict[str, Optional[str]]] = None, input: Optional[str] = None) -> Result:
        full_env: Dict[str, Optional[str]] = {
            "AGENTOS_URL": self.url,
            "AGENTOS_API_KEY": None,
            "FORCE_COLOR": None,
            "TTY_COMPATIBLE": None,
            "NO_COLOR": None,
        }
        full_env.update(env or {})
        return self.runner.invoke(cli, list(args), env=full_env, catch_exceptions=False, input=input)


@pytest.fixture
def env() -> Iterator[Env]:
    fake = _fake()
    with fake.serve() as server:
        yield Env(fake, server)


@pytest.fixture
def secure_env() -> Iterator[Env]:
    fake = _fake(security_key=KEY)
    with fake.serve() as server:
        yield Env(fake, server)


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _json_lines(text: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _summary(stderr: str) -> Dict[str, str]:
    """The key=value pairs of the final ``completed run_id=... ...`` line."""
    for line in reversed(stderr.splitlines()):
        if "run_id=" in line:
            return dict(p.split("=", 1) for p in line.split() if "=" in p)
    raise AssertionError(f"no summary line in {stderr!r}")


# -- help, import, configuration ------------------------------------------------------------------


def test_help_documents_commands_config_and_exit_codes(env: Env) -> None:
    result = env.invoke("--help")
    assert result.exit_code == 0
    for word in ("demo", "serve-fake", "agents", "teams", "workflows", "run", "resume", "runs", "get-run", "wait"):
        assert word in result.stdout
    for word in ("AGENTOS_URL", "AGENTOS_API_KEY", "Exit codes", "130", "authentication", "cannot reach"):
        assert word in result.stdout
    run_help = env.invoke("run", "--help").stdout
    for option in ("--no-stream", "--background", "--session-id", "--user-id", "--json", "--base-url", "--api-key"):
        assert option in run_help


def test_help_lists_each_command_once(env: Env) -> None:
    lines = env.invoke("--help").stdout.splitlines()
    for name in cli.commands:
        listed = [line for line in lines if line.split()[:1] == [name]]
        assert len(listed) == 1, (name, listed)
    assert len(lines) < 60


def test_importing_the_package_imports_no_cli_click_or_rich() -> None:
    code = (
        "import sys, agentos_sync, agentos_sync.testing\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('click', 'rich')\n"
        "       or m.split('.')[:2] == ['agentos_sync', 'cli']]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=SUBPROCESS_TIMEOUT, cwd=ROOT)


def test_flag_beats_environment_beats_default(env: Env) -> None:
    dead = f"http://127.0.0.1:{_unused_port()}"
    assert env.invoke("agents").exit_code == 0  # AGENTOS_URL
    assert env.invoke("agents", "--base-url", env.url, env={"AGENTOS_URL": dead}).exit_code == 0
    assert env.invoke("--base-url", env.url, "agents", env={"AGENTOS_URL": dead}).exit_code == 0
    assert env.invoke("agents", "--base-url", dead).exit_code == 3
    # the subcommand's flag wins over the group's
    assert env.invoke("--base-url", dead, "agents", "--base-url", env.url).exit_code == 0


def test_default_url_is_agentos_default(env: Env) -> None:
    from agentos_sync.cli import DEFAULT_BASE_URL

    assert DEFAULT_BASE_URL == "http://localhost:7777"


def test_bad_base_url_is_a_usage_error(env: Env) -> None:
    result = env.invoke("agents", "--base-url", "localhost:7777")
    assert result.exit_code == 2
    assert "http://" in result.stderr


# -- listing -------------------------------------------------------------------------------------


def test_agents_teams_workflows(env: Env) -> None:
    result = env.invoke("agents")
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["assistant", "writer", "bad", "tools", "slow"]
    assert rows[0][1] == "Assistant"
    teams = env.invoke("teams", "--json")
    assert [t["id"] for t in json.loads(teams.stdout)] == ["duo"]
    workflows = env.invoke("workflows")
    assert workflows.stdout.split("\t")[0] == "pipeline"


# -- run -------------------------------------------------------------------------------------------


def test_run_streams_the_answer_and_ends_with_a_summary(env: Env) -> None:
    result = env.invoke("run", "agent", "assistant", "What is 2 + 2?")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2 + 2 = 4.\n"
    summary = _summary(result.stderr)
    run = env.fake.last_run
    assert run is not None
    assert summary["run_id"] == run.run_id and summary["session_id"] == run.session_id
    assert summary["tokens"] == "15" and summary["duration"].endswith("s")
    assert result.stderr.splitlines()[-1].startswith("completed")


def test_run_json_prints_one_event_per_line(env: Env) -> None:
    result = env.invoke("run", "agent", "assistant", "What is 2 + 2?", "--json")
    assert result.exit_code == 0
    evs = _json_lines(result.stdout)
    assert evs[0]["event"] == "RunStarted" and evs[-1]["event"] == "RunCompleted"
    assert "".join(e["content"] for e in evs if e["event"] == "RunContent") == "2 + 2 = 4."
    assert all("event_index" not in e for e in evs)  # a foreground stream has no indices
    background = _json_lines(env.invoke("run", "agent", "assistant", "hi", "--json", "--background").stdout)
    assert [e["event_index"] for e in background] == list(range(len(background)))


def test_run_no_stream(env: Env) -> None:
    result = env.invoke("run", "agent", "assistant", "What is 2 + 2?", "--no-stream")
    assert result.exit_code == 0
    assert result.stdout == "2 + 2 = 4.\n"
    assert _summary(result.stderr)["tokens"] == "15"
    as_json = env.invoke("run", "agent", "assistant", "What is 2 + 2?", "--no-stream", "--json")
    out = json.loads(as_json.stdout)
    assert out["content"] == "2 + 2 = 4." and out["status"] == "COMPLETED"


def test_run_passes_session_and_user(env: Env) -> None:
    result = env.invoke("run", "agent", "assistant", "hi", "--session-id", "s-1", "--user-id", "u-1")
    assert result.exit_code == 0
    run = env.fake.last_run
    assert run is not None and run.session_id == "s-1" and run.user_id == "u-1"
    assert _summary(result.stderr)["session_id"] == "s-1"


def test_run_team_and_workflow(env: Env) -> None:
    team = env.invoke("run", "team", "duo", "What is 2 + 2?")
    assert team.exit_code == 0, team.stderr
    assert team.stdout == "2 + 2 = 4.\n"
    flow = env.invoke("run", "workflow", "pipeline", "hello")
    assert flow.exit_code == 0, flow.stderr
    assert flow.stdout.splitlines() == ["You said: hello", "You said: You said: hello"]  # one line per step
    assert "[step] draft" in flow.stderr and "[step] review" in flow.stderr
    assert _summary(flow.stderr)["run_id"] == env.fake.last_run.run_id  # type: ignore[union-attr]


def test_tool_calls_and_reasoning_go_to_stderr_when_piped(env: Env) -> None:
    result = env.invoke("run", "agent", "tools", "weather?")
    assert result.exit_code == 0
    assert result.stdout == "It is sunny.\n"
    assert "[tool] get_weather(city='Paris')" in result.stderr
    assert "[tool] get_weather -> sunny, 21C" in result.stderr
    assert "[reasoning] Plan: look up the weather" in result.stderr
    assert _summary(result.stderr)["tokens"] == "42"


def test_tool_calls_and_reasoning_are_shown_inline_and_styled_on_a_tty(env: Env) -> None:
    result = env.invoke("run", "agent", "tools", "weather?", env={"FORCE_COLOR": "1"})
    assert result.exit_code == 0
    assert "get_weather(city='Paris')" in result.stdout
    assert "\x1b[" in result.stdout  # styled
    assert "It is sunny." in result.stdout


def test_background_no_stream_then_wait_get_run_runs_and_cancel(env: Env) -> None:
    accepted = env.invoke("run", "agent", "assistant", "What is 2 + 2?", "--background", "--no-stream")
    assert accepted.exit_code == 0
    run_id = accepted.stdout.strip()
    run = env.fake.runs[run_id]
    assert f"agentos-sync wait agent assistant {run_id} --session-id {run.session_id}" in accepted.stderr
    waited = env.invoke("wait", "agent", "assistant", run_id, "--session-id", run.session_id, "--poll-interval", "0.05")
    assert waited.exit_code == 0, waited.stderr
    assert waited.stdout == "2 + 2 = 4.\n"
    got = env.invoke("get-run", "agent", "assistant", run_id, "--session-id", run.session_id, "--json")
    assert json.loads(got.stdout)["status"] == "COMPLETED"
    listed = env.invoke("runs", "agent", "assistant", "--session-id", run.session_id)
    assert listed.exit_code == 0
    assert listed.stdout.split("\t")[:2] == [run_id, "COMPLETED"]
    listed_json = env.invoke("runs", "agent", "assistant", "--session-id", run.session_id, "--json")
    assert [r["run_id"] for r in json.loads(listed_json.stdout)] == [run_id]
    cancelled = env.invoke("cancel", "agent", "assistant", run_id)
    assert cancelled.exit_code == 0 and run_id in cancelled.stderr


def test_wait_gives_up_after_its_timeout(env: Env) -> None:
    accepted = env.invoke("run", "agent", "slow", "hi", "--background", "--no-stream", "--json")
    acc = json.loads(accepted.stdout)
    waited = env.invoke(
        "wait", "agent", "slow", acc["run_id"], "--session-id", acc["session_id"],
        "--timeout", "0.2", "--poll-interval", "0.05",
    )  # fmt: skip
    assert waited.exit_code == 1
    assert "still" in waited.stderr and "Traceback" not in waited.stderr


def test_cancel_then_wait_reports_the_cancelled_run(env: Env) -> None:
    acc = json.loads(env.invoke("run", "agent", "slow", "hi", "--background", "--no-stream", "--json").stdout)
    assert env.invoke("cancel", "agent", "slow", acc["run_id"]).exit_code == 0
    waited = env.invoke("wait", "agent", "slow", acc["run_id"], "--session-id", acc["session_id"])
    assert waited.exit_code == 1 and "cancelled" in waited.stderr


def test_background_stream_survives_two_cuts_and_shows_the_reconnects(env: Env) -> None:
    env.fake.faults.cut(after_events=3, times=2, path="/agents/assistant/runs")
    result = env.invoke("run", "agent", "assistant", LONG, "--background")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"You said: {LONG}\n"
    assert result.stderr.count("reconnected after a dropped connection") == 2
    assert _summary(result.stderr)["reconnects"] == "2"


def test_resume_prints_meta_events_and_the_rest(env: Env) -> None:
    events = _json_lines(env.invoke("run", "agent", "assistant", "What is 2 + 2?", "--background", "--json").stdout)
    run_id, session_id = events[0]["run_id"], events[0]["session_id"]
    result = env.invoke("resume", "agent", "assistant", run_id, "--last-event-index", "3", "--session-id", session_id)
    assert result.exit_code == 0, result.stderr
    assert "<replay>" in result.stderr  # the run is over: its missed events are replayed
    assert result.stdout == "2 = 4.\n"  # the tokens after event_index 3: "2 ", "= ", "4."
    as_json = _json_lines(
        env.invoke("resume", "agent", "assistant", run_id, "--last-event-index", "3", "--json").stdout
    )
    assert as_json[0]["event"] == "replay"
    assert [e["event_index"] for e in as_json[1:]] == [e["event_index"] for e in events[4:]]


# -- exit codes ------------------------------------------------------------------------------------


def test_failing_run_exits_1(env: Env) -> None:
    streamed = env.invoke("run", "agent", "bad", "hi")
    assert streamed.exit_code == 1
    assert "boom" in streamed.stderr and "Traceback" not in streamed.stderr
    assert _summary(streamed.stderr)  # the status line is still printed
    assert env.invoke("run", "agent", "bad", "hi", "--no-stream").exit_code == 1
    assert env.invoke("run", "agent", "bad", "hi", "--background").exit_code == 1


def test_unknown_agent_exits_2(env: Env) -> None:
    result = env.invoke("run", "agent", "nope", "hi")
    assert result.exit_code == 2
    assert "404" in result.stderr and "agentos-sync agents" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(env: Env) -> None:
    assert env.invoke("run", "robot", "x", "hi").exit_code == 2
    assert env.invoke("run", "agent").exit_code == 2
    assert env.invoke("frobnicate").exit_code == 2
    assert env.invoke("runs", "agent", "assistant").exit_code == 2  # --session-id is required


def test_resuming_an_unknown_run_exits_2(env: Env) -> None:
    result = env.invoke("resume", "agent", "assistant", "no-such-run", "--session-id", "s")
    assert result.exit_code == 2
    assert "no-such-run" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_server_exits_3() -> None:
    dead = f"http://127.0.0.1:{_unused_port()}"
    result = _runner().invoke(cli, ["run", "agent", "assistant", "hi"], env={"AGENTOS_URL": dead})
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr
    assert "serve-fake" in result.stderr and dead in result.stderr


def test_a_cut_foreground_stream_exits_3_and_says_why(env: Env) -> None:
    env.fake.faults.cut(after_events=3, path="/agents/assistant/runs")
    result = env.invoke("run", "agent", "assistant", "What is 2 + 2?")
    assert result.exit_code == 3
    assert result.stdout == "2 \n"  # what arrived, then the line is ended
    assert "background" in result.stderr and "Traceback" not in result.stderr


def test_a_background_stream_that_cannot_resume_exits_3_with_the_resume_command(env: Env) -> None:
    env.fake.faults.cut(after_events=3, path="/agents/assistant/runs")
    env.fake.faults.status(503, path="/resume", times=1000)
    result = env.invoke("run", "agent", "assistant", "What is 2 + 2?", "--background")
    assert result.exit_code == 3
    run = env.fake.last_run
    assert run is not None
    assert f"agentos-sync resume agent assistant {run.run_id} --last-event-index 2 --session-id {run.session_id}" in (
        result.stderr
    )


def test_auth_errors_exit_4_and_the_key_is_never_printed(secure_env: Env) -> None:
    env = secure_env
    results = [
        env.invoke("agents"),
        env.invoke("agents", "--api-key", "wrong-key"),
        env.invoke("run", "agent", "assistant", "hi", "--api-key", "wrong-key"),
    ]
    assert [r.exit_code for r in results] == [4, 4, 4]
    assert "AGENTOS_API_KEY" in results[0].stderr
    ok = [
        env.invoke("agents", "--api-key", KEY),
        env.invoke("run", "agent", "assistant", "hi", env={"AGENTOS_API_KEY": KEY}),
        env.invoke("run", "agent", "assistant", "hi", "--api-key", KEY, "--background", "--json"),
        env.invoke("run", "agent", "assistant", "hi", "--api-key", KEY, "--background", "--no-stream"),
        env.invoke("-v", "run", "agent", "assistant", "hi", "--api-key", KEY, "--no-stream"),
    ]
    assert [r.exit_code for r in ok] == [0, 0, 0, 0, 0]
    for r in results + ok:
        assert KEY not in r.stdout and KEY not in r.stderr


# -- Ctrl-C ----------------------------------------------------------------------------------------


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Make every RunStream raise KeyboardInterrupt (as Ctrl-C would) after ``n`` events."""
    original = RunStream.__next__
    counts: Dict[int, int] = {}

    def next_or_interrupt(self: RunStream) -> Any:
        counts[id(self)] = counts.get(id(self), 0) + 1
        if counts[id(self)] > n:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(RunStream, "__next__", next_or_interrupt)
    # A for loop drives the stream's generator without __next__ (streams._drive): route it back.
    monkeypatch.setattr(RunStream, "__iter__", lambda self: self)


def test_ctrl_c_on_a_background_stream_detaches_and_prints_the_resume_command(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_after(monkeypatch, 5)
    result = env.invoke("run", "agent", "assistant", "What is 2 + 2?", "--background")
    monkeypatch.undo()
    assert result.exit_code == 130
    run = env.fake.last_run
    assert run is not None
    expected = (
        f"agentos-sync resume agent assistant {run.run_id} --last-event-index 4 "
        f"--session-id {run.session_id} --base-url {env.url}"
    )
    assert expected in result.stderr
    assert result.stdout == "2 + 2 \n"  # RunStarted, ModelRequestStarted, then 3 tokens
    # The printed command re-attaches and delivers the rest.
    resumed = env.invoke(*shlex.split(expected)[1:])
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.stdout == "= 4.\n"


def test_ctrl_c_on_a_foreground_stream_closes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake()
    with fake.serve(event_delay=0.02) as server:  # paced, so the run is still going at Ctrl-C
        _interrupt_after(monkeypatch, 3)
        result = _runner().invoke(cli, ["run", "agent", "assistant", LONG], env={"AGENTOS_URL": server.url})
        monkeypatch.undo()
        assert result.exit_code == 130
        assert "agentos-sync resume" not in result.stderr and "Interrupted" in result.stderr
        assert result.stdout == "You \n"  # RunStarted, ModelRequestStarted, "You "
        run = fake.last_run
        assert run is not None
        deadline = time.monotonic() + 5
        while run.status != "CANCELLED" and time.monotonic() < deadline:  # the server sees the disconnect
            time.sleep(0.02)
        assert run.status == "CANCELLED"


def test_ctrl_c_on_resume_prints_the_command_again(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    events = _json_lines(env.invoke("run", "agent", "assistant", LONG, "--background", "--json").stdout)
    run_id, session_id = events[0]["run_id"], events[0]["session_id"]
    _interrupt_after(monkeypatch, 3)  # replay meta is hidden from the count: 3 events after index 2
    result = env.invoke("resume", "agent", "assistant", run_id, "--last-event-index", "2", "--session-id", session_id)
    monkeypatch.undo()
    assert result.exit_code == 130
    assert f"agentos-sync resume agent assistant {run_id} --last-event-index 4 --session-id {session_id}" in (
        result.stderr
    )


# -- demo ------------------------------------------------------------------------------------------


def test_demo_runs_end_to_end_in_process() -> None:
    result = _runner().invoke(cli, ["demo", "--delay", "0"], env={"AGENTOS_URL": "http://127.0.0.1:1"})
    assert result.exit_code == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Embedded fake AgentOS at http://127.0.0.1:" in out  # AGENTOS_URL is not used by demo
    for section in ("1. Non-streaming run", "2. Streaming run", "3. Background stream", "4. Background stream"):
        assert section in out
    assert "Run ID: " in out and re.search(r"Tokens: \d+", out)
    assert "<catch_up>" in out or "<replay>" in out
    assert "Reconnects: 2" in out
    assert "✗" not in out and "All checks passed" in out


def test_demo_as_a_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agentos_sync.cli", "demo", "--delay", "0"],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed" in proc.stdout
    assert "Reconnects: 2" in proc.stdout


def test_demo_against_an_unreachable_base_url_exits_3() -> None:
    dead = f"http://127.0.0.1:{_unused_port()}"
    result = _runner().invoke(cli, ["demo", "--base-url", dead])
    assert result.exit_code == 3


def test_demo_with_base_url_runs_the_flows_without_fault_injection(env: Env) -> None:
    result = env.invoke("demo", "--base-url", env.url)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"AgentOS at {env.url}" in result.stdout
    assert "Fault injection needs the embedded fake server" in result.stdout
    assert "All checks passed" in result.stdout
    assert not env.fake.faults.pending


# -- subprocesses: serve-fake and a real SIGINT -----------------------------------------------------


class _Reader:
    """Reads a pipe in a thread, so the test can wait for some text with a bound."""

    def __init__(self, stream: IO[str]) -> None:
        self.text = ""
        self._changed = threading.Condition()
        self._done = False
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for char in iter(lambda: stream.read(1), ""):
            with self._changed:
                self.text += char
                self._changed.notify_all()
        with self._changed:
            self._done = True
            self._changed.notify_all()

    def wait_for(self, needle: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while needle not in self.text:
                left = deadline - time.monotonic()
                assert left > 0 and not self._done, f"{needle!r} not seen in {self.text!r}"
                self._changed.wait(left)
            return self.text


def _spawn(args: Sequence[str], env: Optional[Dict[str, str]] = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentos_sync.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> Tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    stderr = proc.stderr.read() if proc.stderr else ""
    return proc.returncode, stderr


def test_serve_fake_serves_until_stopped() -> None:
    proc = _spawn(["serve-fake", "--port", "0"])
    try:
        first = _Reader(proc.stdout).wait_for("\n").splitlines()[0]  # type: ignore[arg-type]
        assert first.startswith("Fake AgentOS serving on http://127.0.0.1:")
        url = first.split()[-1]
        assert requests.get(url + "/health", timeout=5).json()["status"] == "ok"
        agents = _runner().invoke(cli, ["agents", "--base-url", url])
        assert agents.stdout.split("\t")[0] == "assistant"
    finally:
        code, stderr = _stop(proc)
    assert code == 0, stderr
    assert "stopped" in stderr


def test_serve_fake_on_a_busy_port_exits_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _runner().invoke(cli, ["serve-fake", "--port", str(port)])
    assert result.exit_code == 2
    assert "--port" in result.stderr


def test_sigint_on_a_background_run_in_a_real_process() -> None:
    fake = _fake()
    message = " ".join(f"word{i}" for i in range(20))
    with fake.serve(event_delay=0.03) as server:
        proc = _spawn(["run", "agent", "assistant", message, "--background"], env={"AGENTOS_URL": server.url})
        try:
            _Reader(proc.stdout).wait_for("word2")  # type: ignore[arg-type]
        finally:
            code, stderr = _stop(proc, signal.SIGINT)
        assert code == 130, stderr
        run = fake.last_run
        assert run is not None
        assert f"agentos-sync resume agent assistant {run.run_id} --last-event-index " in stderr
        command = next(line.strip() for line in stderr.splitlines() if "agentos-sync resume" in line)
        resumed = _runner().invoke(cli, shlex.split(command)[1:])
        assert resumed.exit_code == 0, resumed.stderr
        assert resumed.stdout.rstrip().endswith("word19")


# -- issue 25: stdin, python -m, help of every option ----------------------------------------------
def test_run_with_message_dash_reads_the_message_from_stdin(env: Env) -> None:
    result = env.invoke("run", "agent", "assistant", "-", input="What is 2 + 2?\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "2 + 2 = 4.\n"
    run = env.fake.last_run
    assert run is not None and run.message.strip() == "What is 2 + 2?"


def test_python_dash_m_agentos_sync_is_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "agentos_sync", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("agentos-sync ")


def test_every_option_of_every_command_has_help(env: Env) -> None:
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"agentos-sync {name} {param.opts[0]} has no help"
