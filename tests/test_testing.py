"""Tests of the fake AgentOS server itself (agentos_sync.testing), without the client: raw Request
objects through FakeTransport, and real HTTP through fake.serve() + requests."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import pytest
import requests

from agentos_sync.errors import APIConnectionError, APITimeoutError
from agentos_sync.testing import FakeAgentOS, FakeServer, FakeTransport, Fault, FaultPlan
from agentos_sync.transports.base import Request, Response

WIRE = Path(__file__).resolve().parents[2] / "shared" / "wire"
BASE = "http://fake.local"

Frame = Tuple[str, Dict[str, Any]]


# -- helpers -------------------------------------------------------------------------------------
def send(
    fake: FakeAgentOS,
    method: str,
    path: str,
    *,
    form: Optional[Mapping[str, str]] = None,
    params: Optional[Mapping[str, str]] = None,
    json_body: Any = None,
    headers: Optional[Mapping[str, str]] = None,
) -> Response:
    return FakeTransport(fake).send(
        Request(method, BASE + path, headers=dict(headers or {}), params=params, form=form, json=json_body)
    )


def body_json(response: Response) -> Any:
    return json.loads(response.read())


def parse_sse(raw: bytes) -> List[Frame]:
    frames: List[Frame] = []
    for block in raw.decode("utf-8").split("\n\n"):
        name, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: ") :])
        if name is not None and data is not None:
            frames.append((name, data))
    return frames


def read_sse(response: Response) -> List[Frame]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.read())


def read_until_error(response: Response) -> Tuple[bytes, BaseException]:
    got: List[bytes] = []
    with pytest.raises((APIConnectionError, APITimeoutError)) as info:
        for chunk in response.iter_bytes():
            got.append(chunk)
    response.close()
    return b"".join(got), info.value


def create(fake: FakeAgentOS, agent: str = "assistant", message: str = "What is 2 + 2?", **form: str) -> Response:
    return send(fake, "POST", f"/agents/{agent}/runs", form={"message": message, **form})


def resume(
    fake: FakeAgentOS,
    run_id: str,
    last: Optional[int] = None,
    session_id: Optional[str] = None,
    kind: str = "agents",
    component: str = "assistant",
) -> Response:
    form: Dict[str, str] = {}
    if last is not None:
        form["last_event_index"] = str(last)
    if session_id is not None:
        form["session_id"] = session_id
    return send(fake, "POST", f"/{kind}/{component}/runs/{run_id}/resume", form=form)


def wire_keys(name: str) -> Dict[str, List[str]]:
    """event type -> key list, from a capture (the first occurrence of each type)."""
    out: Dict[str, List[str]] = {}
    for event, data in parse_sse((WIRE / name).read_bytes()):
        out.setdefault(event, list(data))
    return out


def indices(frames: List[Frame]) -> List[int]:
    return [d["event_index"] for _, d in frames if "event_index" in d]


needs_wire = pytest.mark.skipif(not WIRE.is_dir(), reason="shared/wire captures not available")


# -- discovery -----------------------------------------------------------------------------------
def test_health_config_and_components(fake: FakeAgentOS) -> None:
    assert body_json(send(fake, "GET", "/health"))["status"] == "ok"
    config = body_json(send(fake, "GET", "/config"))
    assert config["os_id"] == "fake-agentos"
    assert [a["id"] for a in config["agents"]] == ["assistant"]
    assert config["teams"] == [] and config["workflows"] == []
    agents = body_json(send(fake, "GET", "/agents"))
    assert agents[0]["id"] == "assistant" and agents[0]["name"] == "Assistant"
    assert agents[0]["model"] == {"name": "OpenAIChat", "model": "gpt-fake", "provider": "OpenAI"}
    assert body_json(send(fake, "GET", "/agents/assistant"))["db_id"] == "fake-db"


def test_unknown_components_routes_and_methods(fake: FakeAgentOS) -> None:
    for path, detail in [
        ("/agents/nope", "Agent not found"),
        ("/teams/nope", "Team not found"),
        ("/workflows/nope", "Workflow not found"),
    ]:
        response = send(fake, "GET", path)
        assert response.status_code == 404
        assert response.read() == json.dumps({"detail": detail}, separators=(",", ":")).encode()
    assert send(fake, "GET", "/nowhere").status_code == 404
    assert send(fake, "DELETE", "/agents").status_code == 405
    assert create(fake, agent="nope").status_code == 404


def test_with_defaults_false_and_chaining() -> None:
    fake = FakeAgentOS(with_defaults=False)
    assert body_json(send(fake, "GET", "/agents")) == []
    fake.add_agent("a").add_agent("b", name="Bee")
    assert [a["name"] for a in body_json(send(fake, "GET", "/agents"))] == ["A", "Bee"]
    with pytest.raises(ValueError):
        fake.add_team("t", members=["missing"])
    with pytest.raises(ValueError):
        fake.add_workflow("w", steps=[("s", "missing")])


# -- auth ----------------------------------------------------------------------------------------
def test_auth() -> None:
    fake = FakeAgentOS(security_key="s3cret")
    missing = send(fake, "GET", "/agents")
    assert missing.status_code == 401 and body_json(missing) == {"detail": "Authorization header required"}
    wrong = send(fake, "GET", "/agents", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and body_json(wrong) == {"detail": "Invalid authentication token"}
    assert send(fake, "GET", "/agents", headers={"authorization": "Bearer s3cret"}).status_code == 200
    assert send(fake, "GET", "/health").status_code == 200
    assert create(fake).status_code == 401 and fake.run_count() == 0


# -- the stream x background table ---------------------------------------------------------------
@needs_wire
def test_non_stream_run_matches_capture(fake: FakeAgentOS) -> None:
    response = create(fake, stream="false")
    assert response.status_code == 200
    out = body_json(response)
    wire = json.loads((WIRE / "run_nonstream.json").read_text())
    assert list(out) == list(wire)
    assert out["content"] == "2 + 2 = 4." and out["status"] == "COMPLETED"
    assert out["metrics"]["total_tokens"] == 15
    assert fake.runs[out["run_id"]].status == "COMPLETED"


@needs_wire
def test_stream_defaults_true_and_has_no_event_index(fake: FakeAgentOS) -> None:
    frames = read_sse(create(fake))  # no "stream" field: the server defaults to streaming
    assert [e for e, _ in frames] == [e for e, _ in parse_sse((WIRE / "run_stream.sse").read_bytes())]
    expected = wire_keys("run_stream.sse")
    for event, data in frames:
        assert list(data) == expected[event], event
    assert [d["content"] for e, d in frames if e == "RunContent"] == ["2 ", "+ ", "2 ", "= ", "4."]
    assert frames[-1][0] == "RunCompleted" and frames[-1][1]["content"] == "2 + 2 = 4."
    assert not any("event_index" in d for _, d in frames)


@needs_wire
def test_background_stream_matches_capture(fake: FakeAgentOS) -> None:
    frames = read_sse(create(fake, background="true"))
    expected = wire_keys("run_background_stream.sse")
    assert [e for e, _ in frames] == [e for e, _ in parse_sse((WIRE / "run_background_stream.sse").read_bytes())]
    for event, data in frames:
        assert list(data) == expected[event], event
    assert indices(frames) == list(range(10))
    run = fake.last_run
    assert run is not None and run.status == "COMPLETED" and run.background and run.buffered


def test_background_non_stream_polls(fake: FakeAgentOS) -> None:
    fake.add_agent("slow", polls_until_done=3)
    accepted = create(fake, agent="slow", stream="false", background="true")
    assert accepted.status_code == 202
    acc = body_json(accepted)
    assert list(acc) == ["run_id", "session_id", "status"] and acc["status"] == "PENDING"
    path = f"/agents/slow/runs/{acc['run_id']}"
    statuses = [
        body_json(send(fake, "GET", path, params={"session_id": acc["session_id"]}))["status"] for _ in range(4)
    ]
    assert statuses == ["RUNNING", "RUNNING", "COMPLETED", "COMPLETED"]
    done = body_json(send(fake, "GET", path, params={"session_id": acc["session_id"]}))
    assert done["content"] == "2 + 2 = 4." and fake.runs[acc["run_id"]].polls == 5


def test_background_non_stream_default_one_poll_and_finish_run(fake: FakeAgentOS) -> None:
    acc = body_json(create(fake, stream="false", background="true"))
    assert fake.runs[acc["run_id"]].status == "PENDING"
    out = body_json(send(fake, "GET", f"/agents/assistant/runs/{acc['run_id']}", params=acc))
    assert out["status"] == "COMPLETED"
    acc2 = body_json(create(fake, stream="false", background="true"))
    assert fake.finish_run(acc2["run_id"]) == 10
    assert fake.runs[acc2["run_id"]].status == "COMPLETED"


def test_background_requires_db(fake: FakeAgentOS) -> None:
    fake.add_agent("nodb", db=False)
    for stream in ("true", "false"):
        response = create(fake, agent="nodb", background="true", stream=stream)
        assert response.status_code == 400
        assert body_json(response) == {
            "detail": "Background execution requires a database to be configured on the agent"
        }
    assert fake.run_count("nodb") == 0
    assert create(fake, agent="nodb", stream="false").status_code == 200


def test_validation_errors(fake: FakeAgentOS) -> None:
    missing = send(fake, "POST", "/agents/assistant/runs", form={"stream": "false"})
    assert missing.status_code == 422
    assert body_json(missing)["detail"][0]["loc"] == ["body", "message"]
    bad = create(fake, stream="maybe")
    assert bad.status_code == 422 and body_json(bad)["detail"][0]["type"] == "bool_parsing"
    no_session = send(fake, "GET", "/agents/assistant/runs/x")
    assert no_session.status_code == 422 and body_json(no_session)["detail"][0]["loc"] == ["query", "session_id"]


def test_replies_tokens_and_extra_fields(fake: FakeAgentOS) -> None:
    fake.add_agent("fixed", reply="  Hello   big world")
    fake.add_agent("fn", reply=lambda m: m.upper())
    frames = read_sse(create(fake, agent="fixed"))
    assert [d["content"] for e, d in frames if e == "RunContent"] == ["  Hello   ", "big ", "world"]
    out = body_json(create(fake, agent="fn", message="shout", stream="false", session_state='{"k": 1}'))
    assert out["content"] == "SHOUT" and out["session_state"] == {"k": 1}
    assert fake.last_run is not None and fake.last_run.extra == {"session_state": {"k": 1}}
    echo = body_json(create(fake, message="hello there", stream="false"))
    assert echo["content"] == "You said: hello there"


def test_run_error_and_script(fake: FakeAgentOS) -> None:
    fake.add_agent("bad", error="model exploded", error_after=2, error_type="ModelProviderError")
    frames = read_sse(create(fake, agent="bad"))
    assert [e for e, _ in frames] == ["RunStarted", "ModelRequestStarted", "RunContent", "RunContent", "RunError"]
    assert frames[-1][1]["content"] == "model exploded" and frames[-1][1]["error_type"] == "ModelProviderError"
    assert fake.last_run is not None and fake.last_run.status == "ERROR"
    fake.add_agent(
        "odd",
        script=lambda m: [{"event": "BrandNewEvent", "x": 1}, {"event": "RunCompleted", "content": "ok"}],
        index_step=3,
    )
    frames = read_sse(create(fake, agent="odd", background="true"))
    assert [e for e, _ in frames] == ["BrandNewEvent", "RunCompleted"]
    assert frames[0][1]["agent_id"] == "odd" and indices(frames) == [0, 3]


def test_user_callable_failure_is_a_500(fake: FakeAgentOS) -> None:
    def boom(message: str) -> str:
        raise RuntimeError("bug in test reply")

    fake.add_agent("boom", reply=boom)
    response = create(fake, agent="boom")
    assert response.status_code == 500 and isinstance(fake.errors[0], RuntimeError)


# -- run endpoints -------------------------------------------------------------------------------
def test_get_and_list_runs(fake: FakeAgentOS) -> None:
    first = body_json(create(fake, stream="false", session_id="s1"))
    create(fake, stream="false", session_id="s1", message="hi").read()
    listed = body_json(send(fake, "GET", "/agents/assistant/runs", params={"session_id": "s1"}))
    assert [r["run_input"] for r in listed] == ["What is 2 + 2?", "hi"]
    assert listed[0]["status"] == "COMPLETED" and listed[0]["agent_id"] == "assistant"
    filtered = send(fake, "GET", "/agents/assistant/runs", params={"session_id": "s1", "status": "RUNNING"})
    assert body_json(filtered) == []
    unknown = send(fake, "GET", "/agents/assistant/runs", params={"session_id": "nope"})
    assert unknown.status_code == 404 and body_json(unknown) == {"detail": "Session not found"}
    got = body_json(send(fake, "GET", f"/agents/assistant/runs/{first['run_id']}?session_id=s1"))
    assert got["run_id"] == first["run_id"] and got["status"] == "COMPLETED"
    assert send(fake, "GET", "/agents/assistant/runs/nope", params={"session_id": "s1"}).status_code == 404
    assert (
        send(fake, "GET", f"/agents/assistant/runs/{first['run_id']}", params={"session_id": "s2"}).status_code == 404
    )


def test_cancel_running_background_stream(fake: FakeAgentOS) -> None:
    fake.add_agent("long", reply=" ".join(f"tok{i}" for i in range(20)))
    response = create(fake, agent="long", background="true")
    chunks = response.iter_bytes()
    head = b"".join(next(chunks) for _ in range(4))
    run = fake.last_run
    assert run is not None and run.status == "RUNNING" and len(run.events) == 4
    cancelled = send(fake, "POST", f"/agents/long/runs/{run.run_id}/cancel")
    assert cancelled.status_code == 200 and body_json(cancelled) == {}
    rest = parse_sse(b"".join(chunks))
    response.close()
    assert [e for e, _ in rest] == ["RunCancelled", "RunCompleted"]
    assert rest[0][1]["reason"] == "Operation cancelled by user"
    assert rest[1][1]["content"] == "tok0 tok1 " == rest[0][1]["content"]
    assert run.status == "CANCELLED" and indices(parse_sse(head) + rest) == list(range(6))
    # Cancelling again, or an unknown run, is still 200 {}.
    assert body_json(send(fake, "POST", f"/agents/long/runs/{run.run_id}/cancel")) == {}
    assert body_json(send(fake, "POST", "/agents/long/runs/unknown/cancel")) == {}


def test_foreground_disconnect_cancels_background_does_not(fake: FakeAgentOS) -> None:
    foreground = create(fake)
    next(foreground.iter_bytes())
    foreground.close()
    run = fake.last_run
    assert run is not None and run.status == "CANCELLED" and len(run.events) == 1
    background = create(fake, background="true")
    next(background.iter_bytes())
    background.close()
    run = fake.last_run
    assert run is not None and run.status == "RUNNING" and len(run.events) == 1 and run.active


# -- resume: the four paths ----------------------------------------------------------------------
def test_resume_active_run_with_catch_up(fake: FakeAgentOS) -> None:
    fake.faults.cut(after_events=3, path="/runs", method="POST")
    raw, error = read_until_error(create(fake, background="true"))
    assert isinstance(error, APIConnectionError) and not isinstance(error, APITimeoutError)
    got = parse_sse(raw)
    assert indices(got) == [0, 1, 2]
    run = fake.last_run
    assert run is not None and run.status == "RUNNING" and len(run.events) == 3
    assert fake.advance_run(run.run_id, 2) == 2
    frames = read_sse(resume(fake, run.run_id, last=2, session_id=run.session_id))
    assert frames[0] == (
        "catch_up",
        {
            "event": "catch_up",
            "run_id": run.run_id,
            "status": "running",
            "missed_events": 2,
            "current_event_count": 5,
            "message": "Catching up on 2 missed events.",
        },
    )
    assert indices(frames[1:3]) == [3, 4]
    assert frames[3][0] == "subscribed" and frames[3][1]["current_event_count"] == 5
    assert frames[3][1]["message"] == "Subscribed to agent run. Receiving live events."
    assert indices(frames[4:]) == list(range(5, 10)) and frames[-1][0] == "RunCompleted"
    assert run.status == "COMPLETED"


def test_resume_active_run_without_missed_events(fake: FakeAgentOS) -> None:
    fake.faults.cut(after_events=2)
    read_until_error(create(fake, background="true"))
    run = fake.last_run
    assert run is not None
    frames = read_sse(resume(fake, run.run_id, last=1))
    assert frames[0][0] == "subscribed"
    assert indices(frames) == list(range(2, 10))


def test_resume_without_last_index_sends_everything(fake: FakeAgentOS) -> None:
    fake.faults.cut(after_events=0)
    read_until_error(create(fake, background="true"))
    run = fake.last_run
    assert run is not None and run.events == [] and run.status == "RUNNING"
    frames = read_sse(resume(fake, run.run_id))
    assert frames[0][0] == "subscribed" and indices(frames) == list(range(10))


@needs_wire
def test_resume_finished_run_replays_from_buffer(fake: FakeAgentOS) -> None:
    fake.faults.cut(after_events=4)
    read_until_error(create(fake, background="true"))
    run = fake.last_run
    assert run is not None
    assert fake.finish_all_runs() == 6
    frames = read_sse(resume(fake, run.run_id, last=5, session_id=run.session_id))
    wire = parse_sse((WIRE / "resume_finished_replay.sse").read_bytes())
    assert list(frames[0][1]) == list(wire[0][1])
    assert frames[0][1] == {
        "event": "replay",
        "run_id": run.run_id,
        "status": "COMPLETED",
        "total_events": 4,
        "total_buffered": 10,
        "last_event_index_requested": 5,
        "message": "Run COMPLETED. Replaying 4 missed events (of 10 total).",
    }
    assert [e for e, _ in frames] == [e for e, _ in wire]
    assert indices(frames) == [6, 7, 8, 9]


def test_resume_after_restart_replays_stored_events(fake: FakeAgentOS) -> None:
    fake.faults.cut(after_events=4)
    read_until_error(create(fake, background="true"))
    run = fake.last_run
    assert run is not None
    fake.restart()
    assert run.status == "RUNNING" and not run.active and fake.restarts == 1
    frames = read_sse(resume(fake, run.run_id, last=1, session_id=run.session_id))
    assert frames[0][1] == {
        "event": "replay",
        "run_id": run.run_id,
        "status": "RUNNING",
        "total_events": 2,
        "message": "Run completed. Replaying stored events from database.",
    }
    assert indices(frames) == [2, 3]
    # Nothing executes the run any more.
    assert fake.finish_run(run.run_id) == 0
    # Without session_id there is no database fallback.
    assert read_sse(resume(fake, run.run_id, last=1))[0][0] == "error"


def test_resume_after_restart_without_stored_events(fake: FakeAgentOS) -> None:
    fake.add_agent("nostore", store_events=False)
    frames = read_sse(create(fake, agent="nostore", background="true"))
    run = fake.last_run
    assert run is not None and len(frames) == 10
    fake.restart()
    frames = read_sse(resume(fake, run.run_id, last=3, session_id=run.session_id, component="nostore"))
    assert len(frames) == 1 and frames[0][0] == "replay"
    assert frames[0][1]["total_events"] == 0 and frames[0][1]["status"] == "COMPLETED"
    # A 202 run never publishes events: the database path says so.
    acc = body_json(create(fake, stream="false", background="true"))
    frames = read_sse(resume(fake, acc["run_id"], session_id=acc["session_id"]))
    assert frames[0][1]["total_events"] == 0 and frames[0][1]["status"] == "PENDING"
    assert "Poll the run endpoint" in frames[0][1]["message"]


@needs_wire
def test_resume_unknown_run_is_one_error_frame(fake: FakeAgentOS) -> None:
    response = resume(fake, "unknown-run", last=3, session_id="whatever")
    assert response.status_code == 200
    assert response.read() == (WIRE / "resume_unknown_run.sse").read_bytes()
    assert resume(fake, "x", component="nope").status_code == 404


def test_restart_cuts_open_streams(fake: FakeAgentOS) -> None:
    response = create(fake, background="true")
    chunks = response.iter_bytes()
    next(chunks)
    fake.restart()
    with pytest.raises(APIConnectionError):
        next(chunks)
    response.close()


# -- faults --------------------------------------------------------------------------------------
def test_cut_after_bytes_mid_frame(fake: FakeAgentOS) -> None:
    fault = fake.faults.cut(after_bytes=50)
    raw, _ = read_until_error(create(fake, background="true"))
    assert len(raw) == 50 and raw.startswith(b"event: RunStarted\ndata: {")
    run = fake.last_run
    assert run is not None and len(run.events) == 1 and fault.fired == fault.triggered == 1
    frames = read_sse(resume(fake, run.run_id))
    assert frames[0][0] == "catch_up" and indices(frames)[0] == 0


def test_stall_raises_timeout(fake: FakeAgentOS) -> None:
    fake.faults.stall(after_events=2)
    raw, error = read_until_error(create(fake, background="true"))
    assert isinstance(error, APITimeoutError) and indices(parse_sse(raw)) == [0, 1]


def test_error_frame_then_clean_close(fake: FakeAgentOS) -> None:
    fake.faults.error_frame(after_events=3, error="Event stream failed: redis down")
    frames = read_sse(create(fake, background="true"))
    assert frames[-1] == ("error", {"event": "error", "error": "Event stream failed: redis down"})
    assert indices(frames) == [0, 1, 2]
    run = fake.last_run
    assert run is not None and run.status == "RUNNING" and len(run.events) == 3


def test_inject_heartbeat(fake: FakeAgentOS) -> None:
    fake.faults.inject(b": heartbeat\n\n", after_events=1)
    response = create(fake, background="true")
    raw = response.read()
    assert b"\n\n: heartbeat\n\n" in raw and indices(parse_sse(raw)) == list(range(10))


def test_status_faults_match_path_method_and_times(fake: FakeAgentOS) -> None:
    fake.faults.status(503, path="/resume", times=2)
    fake.faults.status(429, retry_after=2, path="/runs", method="POST")
    limited = create(fake, stream="false")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert body_json(limited) == {"detail": "Too Many Requests"} and fake.run_count() == 0
    run = body_json(create(fake, stream="false"))
    for _ in range(2):
        down = resume(fake, run["run_id"])
        assert down.status_code == 503 and body_json(down) == {"detail": "Service Unavailable"}
    assert resume(fake, run["run_id"]).status_code == 200
    assert fake.faults.pending == []
    assert len(fake.requests) == 5 and len(fake.requests_to("/resume", "POST")) == 3


def test_refuse_is_not_processed(fake: FakeAgentOS) -> None:
    fault = fake.faults.refuse(method="POST")
    with pytest.raises(APIConnectionError) as info:
        create(fake, stream="false")
    assert info.value.reached_server is False and fault.fired == 1
    assert fake.run_count() == 0 and fake.requests == []
    assert create(fake, stream="false").status_code == 200


def test_cut_headers_after_processing(fake: FakeAgentOS) -> None:
    fake.faults.cut_headers(path="/runs")
    with pytest.raises(APIConnectionError) as info:
        create(fake, background="true", session_id="s-cut")
    assert info.value.reached_server is True
    listed = body_json(send(fake, "GET", "/agents/assistant/runs", params={"session_id": "s-cut"}))
    assert [r["status"] for r in listed] == ["RUNNING"]
    frames = read_sse(resume(fake, listed[0]["run_id"], session_id="s-cut"))
    assert frames[0][0] == "subscribed" and indices(frames) == list(range(10))
    # A foreground stream cut in the headers loses its client: the run is cancelled.
    fake.faults.cut_headers()
    with pytest.raises(APIConnectionError):
        create(fake)
    assert fake.last_run is not None and fake.last_run.status == "CANCELLED"


def test_restart_fault_mid_stream(fake: FakeAgentOS) -> None:
    fake.faults.restart(after_events=2)
    read_until_error(create(fake, background="true"))
    run = fake.last_run
    assert run is not None and fake.restarts == 1 and not run.buffered
    frames = read_sse(resume(fake, run.run_id, last=0, session_id=run.session_id))
    assert frames[0][0] == "replay" and indices(frames) == [1]


def test_raw_bodies(fake: FakeAgentOS) -> None:
    fake.faults.raw(body=b"{not json", status=200, content_type="application/json", path="/config")
    fake.faults.raw(body="<html>502 Bad Gateway</html>", status=502, content_type="text/html", path="/agents")
    fake.faults.raw(body=b"event: RunContent\ndata: \xff\xfe\n\n", path="/runs")
    assert send(fake, "GET", "/config").read() == b"{not json"
    html = send(fake, "GET", "/agents")
    assert html.status_code == 502 and html.headers["content-type"] == "text/html"
    assert create(fake).read() == b"event: RunContent\ndata: \xff\xfe\n\n"
    assert fake.run_count() == 0

    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 1024

    fault = fake.faults.raw(body=endless, times=2)
    for _ in range(2):
        response = send(fake, "GET", "/health")
        chunks = response.iter_bytes()
        assert sum(len(next(chunks)) for _ in range(100)) == 100 * 1024
        response.close()
    assert fault.remaining == 0
    assert body_json(send(fake, "GET", "/health"))["status"] == "ok"


def test_body_fault_only_on_sse_and_trigger_validation(fake: FakeAgentOS) -> None:
    fault = fake.faults.cut(after_events=1)
    assert body_json(send(fake, "GET", "/health"))["status"] == "ok"
    assert fault.fired == 0
    with pytest.raises(ValueError):
        fake.faults.cut()
    with pytest.raises(ValueError):
        fake.faults.stall(after_events=1, after_bytes=2)
    fake.faults.clear()
    assert len(fake.faults) == 0 and isinstance(fake.faults, FaultPlan) and isinstance(fault, Fault)


def test_short_stream_does_not_trigger(fake: FakeAgentOS) -> None:
    fault = fake.faults.cut(after_events=50)
    assert len(read_sse(create(fake, background="true"))) == 10
    assert fault.fired == 1 and fault.triggered == 0


# -- idempotency ---------------------------------------------------------------------------------
def test_idempotency_key_202(fake: FakeAgentOS) -> None:
    headers = {"Idempotency-Key": "k1"}
    first = send(
        fake,
        "POST",
        "/agents/assistant/runs",
        headers=headers,
        form={"message": "hi", "stream": "false", "background": "true"},
    )
    second = send(
        fake,
        "POST",
        "/agents/assistant/runs",
        headers=headers,
        form={"message": "hi", "stream": "false", "background": "true"},
    )
    a, b = body_json(first), body_json(second)
    assert a["run_id"] == b["run_id"] and fake.run_count() == 1
    assert fake.runs[a["run_id"]].idempotency_key == "k1"
    create(fake, stream="false", background="true").read()
    assert fake.run_count() == 2
    assert [r.headers.get("Idempotency-Key") for r in fake.requests] == ["k1", "k1", None]


def test_idempotency_key_stream(fake: FakeAgentOS) -> None:
    headers = {"Idempotency-Key": "k2"}
    form = {"message": "What is 2 + 2?", "background": "true"}
    fake.faults.cut(after_events=3)
    read_until_error(send(fake, "POST", "/agents/assistant/runs", headers=headers, form=form))
    again = read_sse(send(fake, "POST", "/agents/assistant/runs", headers=headers, form=form))
    assert indices(again) == list(range(10)) and fake.run_count() == 1
    replay = read_sse(send(fake, "POST", "/agents/assistant/runs", headers=headers, form=form))
    assert replay[0][0] == "replay" and indices(replay) == list(range(10))
    mismatch = send(
        fake,
        "POST",
        "/agents/assistant/runs",
        headers={"Idempotency-Key": "k3"},
        form={"message": "x", "stream": "false", "background": "true"},
    )
    assert mismatch.status_code == 202
    conflict = send(fake, "POST", "/agents/assistant/runs", headers={"Idempotency-Key": "k3"}, form=form)
    assert conflict.status_code == 409


# -- human in the loop ---------------------------------------------------------------------------
def test_hitl_pause_and_continue(fake: FakeAgentOS) -> None:
    fake.add_agent("ops", confirm_tool="delete_file", tool_args={"path": "/tmp/x"}, tool_result="deleted")
    frames = read_sse(create(fake, agent="ops", message="clean up", background="true"))
    assert [e for e, _ in frames][-1] == "RunPaused"
    paused = frames[-1][1]
    tool = paused["tools"][0]
    for key in ("tool_call_id", "tool_name", "tool_args", "requires_confirmation", "confirmed"):
        assert key in tool
    assert tool["tool_name"] == "delete_file" and tool["requires_confirmation"] is True and tool["confirmed"] is None
    assert paused["requirements"][0]["tool_execution"]["tool_call_id"] == tool["tool_call_id"]
    run = fake.last_run
    assert run is not None and run.status == "PAUSED"
    output = body_json(send(fake, "GET", f"/agents/ops/runs/{run.run_id}", params={"session_id": run.session_id}))
    assert output["status"] == "PAUSED" and output["tools"][0]["tool_name"] == "delete_file"

    path = f"/agents/ops/runs/{run.run_id}/continue"
    assert send(fake, "POST", path, form={"tools": "[{", "session_id": run.session_id}).status_code == 400
    assert body_json(send(fake, "POST", path, form={"tools": "[]"})) == {
        "detail": "session_id is required for this action"
    }
    assert send(fake, "POST", path, form={"tools": "[]", "session_id": run.session_id}).status_code == 400

    confirmed = [dict(tool, confirmed=True)]
    cont = read_sse(
        send(
            fake,
            "POST",
            path,
            form={
                "tools": json.dumps(confirmed),
                "session_id": run.session_id,
                "background": "true",
            },
        )
    )
    names = [e for e, _ in cont]
    assert names[:3] == ["RunContinued", "ToolCallStarted", "ToolCallCompleted"] and names[-1] == "RunCompleted"
    assert cont[2][1]["content"] == "deleted"
    assert indices(cont)[0] == len(frames) and run.status == "COMPLETED"
    again = send(fake, "POST", path, form={"tools": json.dumps(confirmed), "session_id": run.session_id})
    assert again.status_code == 409


def test_hitl_rejected_non_stream(fake: FakeAgentOS) -> None:
    fake.add_agent("ops", confirm_tool="delete_file")
    out = body_json(create(fake, agent="ops", stream="false"))
    assert out["status"] == "PAUSED"
    rejected = [dict(out["tools"][0], confirmed=False)]
    done = body_json(
        send(
            fake,
            "POST",
            f"/agents/ops/runs/{out['run_id']}/continue",
            form={
                "tools": json.dumps(rejected),
                "session_id": out["session_id"],
                "stream": "false",
            },
        )
    )
    assert done["status"] == "COMPLETED" and "not confirmed" in done["content"]


# -- teams and workflows -------------------------------------------------------------------------
@needs_wire
def test_team_background_stream_matches_capture(fake: FakeAgentOS) -> None:
    fake.add_agent("writer", name="Writer").add_team("duo", members=["assistant", "writer"], name="Duo")
    assert body_json(send(fake, "GET", "/teams/duo"))["members"][1]["id"] == "writer"
    frames = read_sse(send(fake, "POST", "/teams/duo/runs", form={"message": "What is 2 + 2?", "background": "true"}))
    wire = parse_sse((WIRE / "team_background_stream.sse").read_bytes())
    assert [e for e, _ in frames] == [e for e, _ in wire]
    expected = wire_keys("team_background_stream.sse")
    for event, data in frames:
        assert list(data) == expected[event], event
    run = fake.last_run
    assert run is not None and run.kind == "team" and run.team_id == "duo" and run.status == "COMPLETED"
    assert fake.run_count(team_id="duo") == 1 and fake.run_count("assistant") == 0
    out = body_json(send(fake, "GET", f"/teams/duo/runs/{run.run_id}", params={"session_id": run.session_id}))
    assert out["team_id"] == "duo" and out["content"] == "2 + 2 = 4."


@needs_wire
def test_workflow_background_stream_matches_capture(fake: FakeAgentOS) -> None:
    fake.add_agent("writer", name="Writer", reply="2 + 2 = 4.")
    fake.add_agent("assistant", name="Assistant", reply="2 + 2 = 4.")  # the capture's model always said so
    fake.add_workflow("pipeline", steps=[("draft", "writer"), ("review", "assistant")], name="Pipeline")
    frames = read_sse(
        send(fake, "POST", "/workflows/pipeline/runs", form={"message": "What is 2 + 2?", "background": "true"})
    )
    wire = parse_sse((WIRE / "workflow_background_stream.sse").read_bytes())
    assert [e for e, _ in frames] == [e for e, _ in wire]
    expected = wire_keys("workflow_background_stream.sse")
    for event, data in frames:
        assert list(data) == expected[event], event
    assert indices(frames) == list(range(len(frames)))
    workflow_run_id = frames[0][1]["run_id"]
    nested = [d for e, d in frames if e == "RunCompleted"]
    assert len(nested) == 2 and all(d["workflow_run_id"] == workflow_run_id for d in nested)
    assert len({d["run_id"] for d in nested} | {workflow_run_id}) == 3
    assert frames[-1][0] == "WorkflowCompleted" and frames[-1][1]["run_id"] == workflow_run_id
    assert list(frames[-1][1]["step_results"][0]) == list(wire[-1][1]["step_results"][0])
    # Nested agent runs are not top-level runs.
    assert fake.run_count() == 1 and fake.runs[workflow_run_id].status == "COMPLETED"


def test_workflow_cut_and_resume_across_nested_completed(fake: FakeAgentOS) -> None:
    fake.add_workflow("pipeline", steps=[("one", "assistant"), ("two", "assistant")])
    fake.faults.cut(after_events=13)
    raw, _ = read_until_error(
        send(fake, "POST", "/workflows/pipeline/runs", form={"message": "What is 2 + 2?", "background": "true"})
    )
    got = parse_sse(raw)
    assert got[-1][0] == "StepCompleted"
    run = fake.last_run
    assert run is not None and run.status == "RUNNING"
    frames = read_sse(resume(fake, run.run_id, last=12, kind="workflows", component="pipeline"))
    assert frames[0][1]["message"] == "Subscribed to workflow run. Receiving live events."
    assert frames[-1][0] == "WorkflowCompleted" and indices(frames)[0] == 13


def test_cancel_team_and_workflow(fake: FakeAgentOS) -> None:
    fake.add_team("duo", members=["assistant"])
    fake.add_workflow("flow", steps=[("one", "assistant")])
    for kind, cid, tail in [
        ("teams", "duo", ["TeamRunCancelled", "TeamRunCompleted"]),
        ("workflows", "flow", ["WorkflowCancelled"]),
    ]:
        response = send(fake, "POST", f"/{kind}/{cid}/runs", form={"message": "hi", "background": "true"})
        chunks = response.iter_bytes()
        next(chunks)
        run = fake.last_run
        assert run is not None
        send(fake, "POST", f"/{kind}/{cid}/runs/{run.run_id}/cancel").read()
        assert [e for e, _ in parse_sse(b"".join(chunks))] == tail and run.status == "CANCELLED"


# -- sessions ------------------------------------------------------------------------------------
def test_sessions_endpoints(fake: FakeAgentOS) -> None:
    fake.add_team("duo", members=["assistant"])
    create(fake, stream="false", session_id="a1", user_id="u1").read()
    create(fake, stream="false", session_id="a1", message="second").read()
    create(fake, stream="false", session_id="a2").read()
    send(fake, "POST", "/teams/duo/runs", form={"message": "team", "stream": "false", "session_id": "t1"}).read()

    listing = body_json(send(fake, "GET", "/sessions", params={"type": "agent", "limit": "1", "page": "2"}))
    assert listing["meta"] == {"page": 2, "limit": 1, "total_pages": 2, "total_count": 2, "search_time_ms": 0.0}
    assert [s["session_id"] for s in listing["data"]] == ["a1"]
    everything = body_json(send(fake, "GET", "/sessions", params={"sort_order": "asc"}))
    assert [s["session_id"] for s in everything["data"]] == ["a1", "a2", "t1"]
    assert everything["data"][0]["session_name"] == "What is 2 + 2?"
    assert everything["data"][2]["session_type"] == "team" and everything["data"][2]["team_id"] == "duo"
    assert body_json(send(fake, "GET", "/sessions", params={"user_id": "u1"}))["meta"]["total_count"] == 1
    assert send(fake, "GET", "/sessions", params={"type": "bogus"}).status_code == 422

    detail = body_json(send(fake, "GET", "/sessions/a1"))
    assert detail["agent_session_id"] == "a1" and len(detail["chat_history"]) == 4
    assert send(fake, "GET", "/sessions/a1", params={"type": "team"}).status_code == 404
    runs = body_json(send(fake, "GET", "/sessions/a1/runs"))
    assert [r["run_input"] for r in runs] == ["What is 2 + 2?", "second"]
    assert send(fake, "GET", "/sessions/a1/runs?status=bogus").status_code == 400
    assert body_json(send(fake, "GET", "/sessions/a1/runs?status=completed&status=running")) == runs
    one = body_json(send(fake, "GET", f"/sessions/a1/runs/{runs[1]['run_id']}"))
    assert one["run_id"] == runs[1]["run_id"]
    assert send(fake, "GET", "/sessions/a1/runs/nope").status_code == 404
    assert send(fake, "GET", "/sessions/zzz/runs").status_code == 404

    created = send(
        fake,
        "POST",
        "/sessions",
        params={"type": "agent"},
        json_body={"session_id": "new", "session_name": "Mine", "agent_id": "assistant", "session_state": {"x": 1}},
    )
    assert created.status_code == 201 and body_json(created)["session_name"] == "Mine"
    assert send(fake, "POST", "/sessions", json_body={"session_id": "new"}).status_code == 409
    renamed = body_json(send(fake, "POST", "/sessions/new/rename", json_body={"session_name": "Renamed"}))
    assert renamed["session_name"] == "Renamed"
    patched = body_json(send(fake, "PATCH", "/sessions/new", json_body={"session_state": {"y": 2}}))
    assert patched["session_state"] == {"y": 2}
    assert send(fake, "POST", "/sessions/missing/rename", json_body={"session_name": "x"}).status_code == 404

    assert send(fake, "DELETE", "/sessions/new").status_code == 204
    assert send(fake, "GET", "/sessions/new").status_code == 404
    mismatch = send(fake, "DELETE", "/sessions", json_body={"session_ids": ["a1", "a2"], "session_types": ["agent"]})
    assert mismatch.status_code == 400
    deleted = send(
        fake, "DELETE", "/sessions", json_body={"session_ids": ["a1", "a2"], "session_types": ["agent", "agent"]}
    )
    assert deleted.status_code == 204 and deleted.read() == b""
    assert sorted(fake.sessions) == ["t1"]
    # Runs of a deleted session are gone from the database.
    run_id = runs[0]["run_id"]
    assert send(fake, "GET", f"/agents/assistant/runs/{run_id}", params={"session_id": "a1"}).status_code == 404


# -- thread safety -------------------------------------------------------------------------------
def test_concurrent_use(fake: FakeAgentOS) -> None:
    transport = fake.transport()
    errors: List[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                response = transport.send(
                    Request("POST", BASE + "/agents/assistant/runs", form={"message": "hi", "background": "true"})
                )
                assert len(parse_sse(response.read())) == 8
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and fake.run_count() == 80
    assert all(r.status == "COMPLETED" for r in fake.runs.values())


# -- over real HTTP ------------------------------------------------------------------------------
@pytest.fixture
def served() -> Iterator[Tuple[FakeAgentOS, FakeServer]]:
    fake = FakeAgentOS()
    with fake.serve(stall_seconds=0.5) as server:
        yield fake, server


def test_http_basics(served: Tuple[FakeAgentOS, FakeServer]) -> None:
    fake, server = served
    with requests.Session() as http:
        health = http.get(server.url + "/health", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert health.headers["content-length"] == str(len(health.content))
        out = http.post(
            server.url + "/agents/assistant/runs", data={"message": "What is 2 + 2?", "stream": "false"}, timeout=5
        )
        assert out.json()["content"] == "2 + 2 = 4."
        stream = http.post(
            server.url + "/agents/assistant/runs",
            data={"message": "What is 2 + 2?", "background": "true"},
            stream=True,
            timeout=5,
        )
        assert stream.headers["transfer-encoding"] == "chunked"
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert indices(parse_sse(stream.content)) == list(range(10))
        assert http.get(server.url + "/agents/nope", timeout=5).json() == {"detail": "Agent not found"}
        assert http.delete(server.url + "/sessions/nothing", timeout=5).status_code == 204
        upload = http.post(
            server.url + "/agents/assistant/runs",
            data={"message": "with file", "stream": "false"},
            files={"files": ("a.txt", b"hello", "text/plain")},
            timeout=5,
        )
        assert upload.json()["content"] == "You said: with file"
    recorded = fake.requests[-1]
    assert recorded.form == {"message": "with file", "stream": "false"}
    assert recorded.files == [("files", ("a.txt", b"hello", "text/plain"))]
    assert recorded.url.startswith(server.url + "/agents/assistant/runs")


def test_http_cut_and_resume(served: Tuple[FakeAgentOS, FakeServer]) -> None:
    fake, server = served
    fake.faults.cut(after_events=3)
    response = requests.post(
        server.url + "/agents/assistant/runs",
        data={"message": "What is 2 + 2?", "background": "true"},
        stream=True,
        timeout=5,
    )
    got = b""
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for chunk in response.iter_content(chunk_size=None):
            got += chunk
    assert indices(parse_sse(got)) == [0, 1, 2]
    run = fake.last_run
    assert run is not None and len(run.events) == 3
    resumed = requests.post(
        f"{server.url}/agents/assistant/runs/{run.run_id}/resume",
        data={"last_event_index": "2", "session_id": run.session_id},
        timeout=5,
    )
    frames = parse_sse(resumed.content)
    assert frames[0][0] == "subscribed" and indices(frames) == list(range(3, 10))


def test_http_connection_faults(served: Tuple[FakeAgentOS, FakeServer]) -> None:
    fake, server = served
    fake.faults.refuse()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.url + "/health", timeout=5)
    fake.faults.cut_headers()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(
            server.url + "/agents/assistant/runs",
            data={"message": "x", "background": "true", "stream": "false"},
            timeout=5,
        )
    assert fake.run_count() == 1
    fake.faults.status(503, retry_after=1)
    down = requests.get(server.url + "/health", timeout=5)
    assert down.status_code == 503 and down.headers["retry-after"] == "1"


def test_http_stall_and_error_frame(served: Tuple[FakeAgentOS, FakeServer]) -> None:
    fake, server = served
    fake.faults.stall(after_events=2, seconds=0.5)
    response = requests.post(
        server.url + "/agents/assistant/runs",
        data={"message": "hi", "background": "true"},
        stream=True,
        timeout=(5, 0.1),
    )
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        for _ in response.iter_content(chunk_size=None):
            pass
    response.close()
    fake.faults.error_frame(after_events=1)
    frames = parse_sse(
        requests.post(
            server.url + "/agents/assistant/runs", data={"message": "hi", "background": "true"}, timeout=5
        ).content
    )
    assert frames[-1][0] == "error" and indices(frames) == [0]


def test_http_endless_raw_body_and_close(served: Tuple[FakeAgentOS, FakeServer]) -> None:
    fake, server = served

    def endless() -> Iterator[bytes]:
        while True:
            yield b"y" * 4096

    fake.faults.raw(body=endless)
    response = requests.get(server.url + "/health", stream=True, timeout=5)
    received = 0
    for chunk in response.iter_content(chunk_size=4096):
        received += len(chunk)
        if received > 100_000:
            break
    response.close()
    assert received > 100_000
    # A keep-alive connection left open does not block close().
    with requests.Session() as http:
        assert http.get(server.url + "/health", timeout=5).status_code == 200
        assert server.wait(timeout=0) is False
        server.close()
        server.close()
    assert "closed" in repr(server) and server.wait(timeout=0) is True


def test_http_event_delay_and_restart() -> None:
    fake = FakeAgentOS()
    with fake.serve(event_delay=0.01) as server:
        form = {"message": "What is 2 + 2?", "background": "true"}
        started = time.monotonic()
        frames = parse_sse(requests.post(server.url + "/agents/assistant/runs", data=form, timeout=5).content)
        assert indices(frames) == list(range(10)) and time.monotonic() - started >= 0.09
        fake.add_agent("long", reply=" ".join(f"tok{i}" for i in range(100)))
        response = requests.post(server.url + "/agents/long/runs", data=form, stream=True, timeout=5)
        chunks = response.iter_content(chunk_size=None)
        assert next(chunks).startswith(b"event: RunStarted")
        fake.restart()
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for _ in chunks:
                pass
        response.close()
        run = fake.last_run
        assert run is not None and run.status == "RUNNING" and 1 <= len(run.events) < 105


# -- issue 25: limits and ids as the real server has them ------------------------------------------
def test_a_form_field_over_1024_kb_is_refused_as_agentos_refuses_it() -> None:
    fake = FakeAgentOS()
    big = send(fake, "POST", "/agents/assistant/runs", form={"message": "x" * (5 * 1024 * 1024), "stream": "false"})
    assert big.status_code == 400
    assert json.loads(big.read()) == {"detail": "Field exceeded maximum size of 1024KB."}
    assert fake.run_count("assistant") == 0
    fits = send(fake, "POST", "/agents/assistant/runs", form={"message": "x" * (1000 * 1024), "stream": "false"})
    assert fits.status_code == 200


def test_a_form_field_over_1024_kb_is_refused_over_http_too() -> None:
    fake = FakeAgentOS()
    with fake.serve() as server:
        answer = requests.post(
            f"{server.url}/agents/assistant/runs", data={"message": "x" * (2 * 1024 * 1024), "stream": "false"}
        )
    assert answer.status_code == 400 and answer.json()["detail"] == "Field exceeded maximum size of 1024KB."


def test_two_fakes_never_hand_out_the_same_run_ids_unless_seeded() -> None:
    def first_run_id(**kwargs: Any) -> str:
        reply = send(FakeAgentOS(**kwargs), "POST", "/agents/assistant/runs", form={"message": "Hi", "stream": "false"})
        return str(json.loads(reply.read())["run_id"])

    assert first_run_id() != first_run_id()
    assert first_run_id(seed=7) == first_run_id(seed=7)
