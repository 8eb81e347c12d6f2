"""Proves the integration infrastructure with plain ``requests`` (no agentos_sync import).

Each test also pins a wire fact of agno 3.1.10 that the client relies on; facts worth reading in
the test output are passed to ``observe(name, value)`` (printed with ``-s``, and appended as JSON
lines to the file named by ``$AGENTOS_IT_OBSERVATIONS`` when set).
"""

import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import requests

Frame = Tuple[Optional[str], Any]  # (event name, parsed data)
TIMEOUT = (5, 30)


def observe(name: str, value: Any) -> None:
    print(f"\nOBSERVED {name}: {json.dumps(value, default=str)[:4000]}")
    path = os.environ.get("AGENTOS_IT_OBSERVATIONS")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"name": name, "value": value}, default=str) + "\n")


def sse_frames(resp: requests.Response) -> Iterator[Frame]:
    """Minimal SSE decoder: yields (event, data) per frame; comments as (":", text)."""
    event: Optional[str] = None
    data: List[str] = []
    for line in resp.iter_lines(decode_unicode=True):
        if line is None:
            continue
        if line == "":
            if event is not None or data:
                raw = "\n".join(data)
                try:
                    parsed: Any = json.loads(raw)
                except ValueError:
                    parsed = raw
                yield event, parsed
            event, data = None, []
        elif line.startswith(":"):
            yield ":", line[1:].strip()
        else:
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "event":
                event = value
            elif key == "data":
                data.append(value)


def brief(frames: List[Frame]) -> List[str]:
    out = []
    for ev, d in frames:
        if isinstance(d, dict):
            keep = {
                k: d[k]
                for k in (
                    "event_index",
                    "status",
                    "missed_events",
                    "current_event_count",
                    "total_events",
                    "total_buffered",
                    "last_event_index_requested",
                    "error",
                    "content",
                )
                if k in d
            }
            if isinstance(keep.get("content"), str) and len(keep["content"]) > 40:
                keep["content"] = keep["content"][:40] + "..."
            out.append(f"{ev} {json.dumps(keep)}")
        else:
            out.append(f"{ev} {d!r}")
    return out


def run_form(message: str, stream: bool, background: bool, **extra: Any) -> Dict[str, Any]:
    form = {"message": message, "stream": str(stream).lower(), "background": str(background).lower()}
    form.update({k: v for k, v in extra.items() if v is not None})
    return form


def start_stream(
    base: str, path: str, message: str, session: Optional[requests.Session] = None, **extra: Any
) -> requests.Response:
    http = session or requests
    r = http.post(base + path, data=run_form(message, True, True, **extra), stream=True, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    return r


def read_until(resp: requests.Response, min_index: int) -> List[Frame]:
    """Read a background stream until an event with event_index >= min_index, then close it."""
    got: List[Frame] = []
    try:
        for ev, d in sse_frames(resp):
            got.append((ev, d))
            if isinstance(d, dict) and (d.get("event_index") or 0) >= min_index:
                break
    finally:
        resp.close()
    return got


def resume(
    base: str,
    kind: str,
    comp: str,
    run_id: str,
    session_id: Optional[str],
    last: Optional[int],
    headers: Optional[Dict[str, str]] = None,
) -> List[Frame]:
    form: Dict[str, Any] = {}
    if session_id is not None:
        form["session_id"] = session_id
    if last is not None:
        form["last_event_index"] = last
    r = requests.post(
        f"{base}/{kind}/{comp}/runs/{run_id}/resume", data=form, stream=True, timeout=TIMEOUT, headers=headers
    )
    assert r.status_code == 200, r.text
    with r:
        return list(sse_frames(r))


def indices(frames: List[Frame]) -> List[int]:
    return [d["event_index"] for _, d in frames if isinstance(d, dict) and "event_index" in d]


def content_of(frames: List[Frame], event: str = "RunContent") -> str:
    return "".join(d.get("content") or "" for ev, d in frames if ev == event)


def tokens(n: int) -> str:
    return "".join(f"tok{i} " for i in range(n))


def get_run(base: str, run_id: str, session_id: str, comp: str = "assistant") -> Dict[str, Any]:
    r = requests.get(f"{base}/agents/{comp}/runs/{run_id}", params={"session_id": session_id}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def wait_status(
    base: str, run_id: str, session_id: str, statuses: Tuple[str, ...], timeout: float = 30, comp: str = "assistant"
) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = get_run(base, run_id, session_id, comp)
        if run.get("status") in statuses or time.monotonic() > deadline:
            assert run.get("status") in statuses, run.get("status")
            return run
        time.sleep(0.05)


# -- basics -----------------------------------------------------------------------------------


def test_health_and_config(agentos, fake_llm):
    r = requests.get(agentos.url + "/health", timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    cfg = requests.get(agentos.url + "/config", timeout=TIMEOUT).json()
    assert [a["id"] for a in cfg["agents"]] == ["assistant", "confirmer"]
    assert [t["id"] for t in cfg["teams"]] == ["duo"]
    assert [w["id"] for w in cfg["workflows"]] == ["pipeline"]
    r = requests.get(agentos.url + "/agents/nope", timeout=TIMEOUT)
    assert r.status_code == 404 and r.json() == {"detail": "Agent not found"}
    observe("startup_seconds", {"agentos": round(agentos.startup_seconds, 2)})


def test_nonstream_run(agentos):
    r = requests.post(
        agentos.url + "/agents/assistant/runs", data=run_form("What is 2 + 2?", False, False), timeout=TIMEOUT
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["content"] == "2 + 2 = 4."
    assert out["status"] == "COMPLETED"
    assert out["agent_id"] == "assistant"
    assert out["metrics"]["output_tokens"] == 5
    assert out["metrics"]["total_tokens"] == out["metrics"]["input_tokens"] + 5


def test_background_stream_carries_event_index(agentos):
    r = start_stream(agentos.url, "/agents/assistant/runs", "What is 2 + 2?")
    with r:
        frames = list(sse_frames(r))
    idx = indices(frames)
    assert len(idx) == len(frames) and idx == sorted(set(idx)) and idx[0] == 0
    assert frames[0][0] == "RunStarted" and frames[-1][0] == "RunCompleted"
    assert content_of(frames) == "2 + 2 = 4."
    assert frames[-1][1]["content"] == "2 + 2 = 4."
    assert all(d["run_id"] == frames[0][1]["run_id"] for _, d in frames)


def test_plain_stream_has_no_event_index(agentos):
    r = requests.post(
        agentos.url + "/agents/assistant/runs",
        data=run_form("What is 2 + 2?", True, False),
        stream=True,
        timeout=TIMEOUT,
    )
    with r:
        frames = list(sse_frames(r))
    assert frames[-1][0] == "RunCompleted" and indices(frames) == []


def test_background_nonstream_is_accepted_then_polled(agentos):
    r = requests.post(
        agentos.url + "/agents/assistant/runs", data=run_form("What is 2 + 2?", False, True), timeout=TIMEOUT
    )
    assert r.status_code == 202, r.text
    acc = r.json()
    assert acc["status"] == "PENDING" and set(acc) == {"run_id", "session_id", "status"}
    run = wait_status(agentos.url, acc["run_id"], acc["session_id"], ("COMPLETED",))
    assert run["content"] == "2 + 2 = 4."


def test_llm_error_becomes_run_error_event(agentos):
    r = start_stream(agentos.url, "/agents/assistant/runs", "boom [llm_error=500]")
    with r:
        frames = list(sse_frames(r))
    observe("llm_error_stream", brief(frames))
    assert frames[-1][0] == "RunError"
    assert "fake error 500" in frames[-1][1]["content"]


def test_fake_llm_survives_32_concurrent_streams(agentos, fake_llm):
    def one(i: int) -> str:
        r = start_stream(agentos.url, "/agents/assistant/runs", f"run {i} [tokens=20 delay=0.01]")
        with r:
            frames = list(sse_frames(r))
        assert frames[-1][0] == "RunCompleted", brief(frames[-3:])
        return content_of(frames)

    t0 = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(one, range(32)))
    assert results == [tokens(20)] * 32
    observe("32_concurrent_background_streams_seconds", round(time.monotonic() - t0, 2))


# -- the proxy --------------------------------------------------------------------------------


def test_proxy_passes_through_and_pools(proxy):
    with requests.Session() as s:
        for _ in range(3):
            assert s.get(proxy.url + "/health", timeout=TIMEOUT).status_code == 200
    assert proxy.connections == 1 and proxy.requests == 3 and proxy.cuts == 0


def test_proxy_cut_mid_body_is_a_real_cut(proxy):
    proxy.cut_after_bytes(1500)
    r = start_stream(proxy.url, "/agents/assistant/runs", "[tokens=30 delay=0.01]")
    got = []
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)), r:
        for frame in sse_frames(r):
            got.append(frame)
    assert proxy.cuts == 1 and proxy.exchanges[-1]["bytes"] == 1500
    assert got and got[-1][0] not in ("RunCompleted",)


def test_proxy_cut_inside_headers_and_refusals(proxy):
    proxy.cut_after_bytes(20)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(proxy.url + "/health", timeout=TIMEOUT)
    assert proxy.cuts == 1
    proxy.refuse(count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(proxy.url + "/health", timeout=TIMEOUT)
    assert requests.get(proxy.url + "/health", timeout=TIMEOUT).status_code == 200
    proxy.refuse(seconds=0.3, mode="close")
    with pytest.raises(requests.exceptions.ConnectionError, match="refused"):
        requests.get(proxy.url + "/health", timeout=TIMEOUT)
    assert proxy.wait_for(lambda p: _health_ok(p.url), timeout=5)


def _health_ok(url: str) -> bool:
    try:
        return requests.get(url + "/health", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_proxy_stall_and_path_filter(proxy):
    proxy.stall(after_bytes=10, seconds=0.5, path="/health$")
    proxy.cut_after_bytes(10, path="/nothing-matches$")
    t0 = time.monotonic()
    assert requests.get(proxy.url + "/health", timeout=TIMEOUT).status_code == 200
    assert time.monotonic() - t0 >= 0.45
    assert proxy.stalls == 1 and proxy.cuts == 0


def test_proxy_cut_random_is_deterministic(proxy):
    def offsets(seed: int) -> List[int]:
        proxy.reset()
        proxy.cut_random(10, 150, seed=seed, times=5)
        for _ in range(5):
            with pytest.raises(requests.exceptions.ConnectionError):
                requests.get(proxy.url + "/health", timeout=TIMEOUT)
        return [e["bytes"] for e in proxy.exchanges]

    first = offsets(7)
    assert first == offsets(7) and len(first) == 5 and all(10 <= b <= 150 for b in first)


# -- resume -----------------------------------------------------------------------------------


def test_resume_after_cut_delivers_catch_up_and_the_rest(proxy, agentos):
    # Cut the create response mid-body (after ~5 events), then resume directly
    proxy.cut_after_bytes(2500, path="/agents/assistant/runs$")
    r = start_stream(proxy.url, "/agents/assistant/runs", "[tokens=40 delay=0.02]")
    before: List[Frame] = []
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)), r:
        for frame in sse_frames(r):
            before.append(frame)
    assert proxy.cuts == 1 and before, "cut too early: raise the byte offset"
    run_id, session_id = before[0][1]["run_id"], before[0][1]["session_id"]
    last = indices(before)[-1]
    time.sleep(0.1)  # let a few events be missed, so catch_up has something to carry
    after = resume(proxy.url, "agents", "assistant", run_id, session_id, last)
    observe(
        "resume_running_after_cut", {"last_event_index": last, "frames": [*brief(after)[:3], "...", *brief(after)[-2:]]}
    )
    names = [ev for ev, _ in after]
    assert names[0] == "catch_up"
    catch_up = after[0][1]
    assert catch_up["status"] == "running" and catch_up["missed_events"] >= 1
    assert "event_index" not in catch_up
    assert "subscribed" in names
    sub = names.index("subscribed")
    assert sub == catch_up["missed_events"] + 1  # catch_up, the missed events, then subscribed
    assert names[-1] == "RunCompleted"
    idx = indices(after)
    assert idx[0] == last + 1 and idx == sorted(set(idx))
    assert content_of(before + after) == tokens(40)


def test_resume_finished_run_replays(agentos):
    r = start_stream(agentos.url, "/agents/assistant/runs", "What is 2 + 2?")
    with r:
        frames = list(sse_frames(r))
    run_id, session_id = frames[0][1]["run_id"], frames[0][1]["session_id"]
    after = resume(agentos.url, "agents", "assistant", run_id, session_id, 5)
    assert after[0][0] == "replay"
    meta = after[0][1]
    assert meta["status"] == "COMPLETED" and meta["last_event_index_requested"] == 5
    assert meta["total_buffered"] == len(frames) and meta["total_events"] == len(frames) - 6
    assert indices(after) == indices(frames)[6:]
    everything = resume(agentos.url, "agents", "assistant", run_id, session_id, None)
    assert everything[0][1]["last_event_index_requested"] == -1 and indices(everything) == indices(frames)


def test_resume_unknown_run_is_an_error_frame(agentos):
    frames = resume(agentos.url, "agents", "assistant", "unknown-run", str(uuid.uuid4()), 3)
    assert frames == [("error", {"event": "error", "error": "Run unknown-run not found in buffer or database"})]


def test_create_cut_inside_headers_still_creates_the_run(proxy, agentos):
    session_id = str(uuid.uuid4())
    proxy.cut_after_bytes(20, path="/agents/assistant/runs$")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(
            proxy.url + "/agents/assistant/runs",
            data=run_form("[tokens=30 delay=0.03]", True, True, session_id=session_id),
            stream=True,
            timeout=TIMEOUT,
        )
    assert proxy.cuts == 1

    def listed() -> List[Dict[str, Any]]:
        r = requests.get(agentos.url + "/agents/assistant/runs", params={"session_id": session_id}, timeout=TIMEOUT)
        return r.json() if r.status_code == 200 else []

    deadline = time.monotonic() + 10
    runs = listed()
    while not runs and time.monotonic() < deadline:
        time.sleep(0.02)
        runs = listed()
    assert len(runs) == 1, runs
    first_status = runs[0]["status"]
    run = wait_status(agentos.url, runs[0]["run_id"], session_id, ("COMPLETED",))
    observe(
        "create_cut_in_headers",
        {"first_listed_status": first_status, "final_status": run["status"], "run_keys": sorted(runs[0])},
    )
    assert run["content"] == tokens(30)


def test_cancel_during_background_stream(agentos):
    r = start_stream(agentos.url, "/agents/assistant/runs", "[tokens=200 delay=0.02]")
    before: List[Frame] = []
    after: List[Frame] = []
    with r:
        for ev, d in sse_frames(r):
            (after if before and before[-1][0] == "CANCEL" else before).append((ev, d))
            if ev == "RunContent" and d["event_index"] >= 5 and not after and before[-1][0] != "CANCEL":
                run_id, session_id = d["run_id"], d["session_id"]
                c = requests.post(f"{agentos.url}/agents/assistant/runs/{run_id}/cancel", timeout=TIMEOUT)
                assert c.status_code == 200 and c.json() == {}
                before.append(("CANCEL", None))
    observe("cancel_stream_tail", brief(after))
    names = [ev for ev, _ in after]
    assert names[-2:] == ["RunCancelled", "RunCompleted"]
    assert set(names[:-2]) <= {"RunContent"}
    assert after[-2][1]["content"] == after[-1][1]["content"]  # the partial content, twice
    run = get_run(agentos.url, run_id, session_id)
    assert run["status"] == "CANCELLED"
    replay = resume(agentos.url, "agents", "assistant", run_id, session_id, after[-1][1]["event_index"] - 2)
    assert replay[0][1]["status"] == "CANCELLED" and [e for e, _ in replay[-2:]] == ["RunCancelled", "RunCompleted"]
    # cancelling an unknown run is still 200 {}
    c = requests.post(f"{agentos.url}/agents/assistant/runs/{uuid.uuid4()}/cancel", timeout=TIMEOUT)
    assert c.status_code == 200 and c.json() == {}


def test_hitl_confirmation_flow(agentos):
    r = start_stream(agentos.url, "/agents/confirmer/runs", "Please act [call_tool=dangerous_action]")
    with r:
        frames = list(sse_frames(r))
    assert [ev for ev, _ in frames][-1] == "RunPaused"
    paused = frames[-1][1]
    observe("run_paused_event", paused)
    assert paused["tools"][0]["tool_name"] == "dangerous_action"
    assert paused["tools"][0]["requires_confirmation"] is True and paused["tools"][0]["confirmed"] is None
    run_id, session_id = paused["run_id"], paused["session_id"]
    assert get_run(agentos.url, run_id, session_id, "confirmer")["status"] == "PAUSED"

    tools = paused["tools"]
    tools[0]["confirmed"] = True
    r = requests.post(
        f"{agentos.url}/agents/confirmer/runs/{run_id}/continue",
        data={"tools": json.dumps(tools), "session_id": session_id, "stream": "true", "background": "true"},
        stream=True,
        timeout=TIMEOUT,
    )
    assert r.status_code == 200, r.text
    with r:
        cont = list(sse_frames(r))
    observe("continue_stream_background", brief(cont))
    names = [ev for ev, _ in cont]
    assert names[0] == "RunContinued" and names[-1] == "RunCompleted"
    assert "ToolCallCompleted" in names
    done = next(d for ev, d in cont if ev == "ToolCallCompleted")
    assert done["tool"]["result"] == "dangerous action done"
    # the continued run keeps the same run_id and continues the event_index sequence
    assert {d["run_id"] for _, d in cont} == {run_id}
    assert indices(cont)[0] == paused["event_index"] + 1
    assert get_run(agentos.url, run_id, session_id, "confirmer")["status"] == "COMPLETED"

    # rejected, non-streaming continue: 200 RunOutput JSON, the tool did not run
    r = start_stream(agentos.url, "/agents/confirmer/runs", "Again [call_tool=dangerous_action]")
    with r:
        paused = list(sse_frames(r))[-1][1]
    tools = paused["tools"]
    tools[0]["confirmed"] = False
    r = requests.post(
        f"{agentos.url}/agents/confirmer/runs/{paused['run_id']}/continue",
        data={"tools": json.dumps(tools), "session_id": paused["session_id"], "stream": "false"},
        timeout=TIMEOUT,
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "COMPLETED" and out["tools"][0]["confirmed"] is False
    assert out["tools"][0].get("result") is None
    # session_id is required
    r = requests.post(
        f"{agentos.url}/agents/confirmer/runs/{paused['run_id']}/continue",
        data={"tools": json.dumps(tools), "stream": "false"},
        timeout=TIMEOUT,
    )
    assert r.status_code == 400


# -- teams and workflows ----------------------------------------------------------------------


def test_team_background_stream(agentos):
    r = start_stream(agentos.url, "/teams/duo/runs", "What is 2 + 2?")
    with r:
        frames = list(sse_frames(r))
    names = [ev for ev, _ in frames]
    assert names[0] == "TeamRunStarted" and names[-1] == "TeamRunCompleted"
    assert content_of(frames, "TeamRunContent") == "2 + 2 = 4."
    idx = indices(frames)
    assert idx == list(range(len(frames)))
    run_id, session_id = frames[0][1]["run_id"], frames[0][1]["session_id"]
    after = resume(agentos.url, "teams", "duo", run_id, session_id, 3)
    assert after[0][0] == "replay" and indices(after) == idx[4:]
    r = requests.post(agentos.url + "/teams/duo/runs", data=run_form("What is 2 + 2?", False, False), timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["content"] == "2 + 2 = 4."


WORKFLOW_EVENTS = (
    ["WorkflowStarted"]
    + (
        ["StepStarted", "RunStarted", "ModelRequestStarted"]
        + ["RunContent"] * 5
        + ["ModelRequestCompleted", "RunContentCompleted", "RunCompleted", "StepCompleted"]
    )
    * 2
    + ["WorkflowCompleted"]
)


def test_workflow_background_stream(agentos):
    r = start_stream(agentos.url, "/workflows/pipeline/runs", "What is 2 + 2?")
    with r:
        frames = list(sse_frames(r))
    assert [ev for ev, _ in frames] == WORKFLOW_EVENTS
    wf_run = frames[0][1]["run_id"]
    steps = [(d["step_name"], d["agent_id"]) for ev, d in frames if ev == "RunStarted"]
    assert steps == [("draft", "writer"), ("review", "assistant")]
    nested = [d for ev, d in frames if ev == "RunCompleted"]
    assert all(d["run_id"] != wf_run and d["workflow_run_id"] == wf_run for d in nested)
    assert frames[-1][1]["run_id"] == wf_run and frames[-1][1]["content"] == "2 + 2 = 4."
    assert indices(frames) == list(range(len(frames)))
    after = resume(agentos.url, "workflows", "pipeline", wf_run, frames[0][1]["session_id"], 20)
    assert after[0][0] == "replay" and indices(after) == list(range(21, len(frames)))


# -- auth -------------------------------------------------------------------------------------


def test_secure_server_wants_the_bearer_key(agentos_secure):
    base = agentos_secure.url
    r = requests.get(base + "/agents", timeout=TIMEOUT)
    assert r.status_code == 401, r.text
    observe("401_body", r.json())
    assert requests.get(base + "/agents", headers={"Authorization": "Bearer wrong"}, timeout=TIMEOUT).status_code == 401
    r = requests.get(base + "/agents", headers=agentos_secure.headers, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()[0]["id"] == "assistant"
    r = requests.post(base + "/agents/assistant/runs", data=run_form("What is 2 + 2?", False, False), timeout=TIMEOUT)
    assert r.status_code == 401
    r = requests.post(
        base + "/agents/assistant/runs",
        data=run_form("What is 2 + 2?", False, False),
        headers=agentos_secure.headers,
        timeout=TIMEOUT,
    )
    assert r.status_code == 200 and r.json()["content"] == "2 + 2 = 4."
    observe("health_without_key", requests.get(base + "/health", timeout=TIMEOUT).status_code)


# -- replicas and restarts --------------------------------------------------------------------


def test_cross_replica_resume(replicas):
    a, b = replicas.a, replicas.b
    r = start_stream(a.url, "/agents/assistant/runs", "[tokens=60 delay=0.02]")
    before = read_until(r, 6)  # closing the response drops the connection: a cut
    run_id, session_id = before[0][1]["run_id"], before[0][1]["session_id"]
    last = indices(before)[-1]
    time.sleep(0.1)
    after = resume(b.url, "agents", "assistant", run_id, session_id, last)
    observe("cross_replica_resume", [*brief(after)[:3], "...", *brief(after)[-2:]])
    names = [ev for ev, _ in after]
    assert names[0] == "catch_up" and "subscribed" in names and names[-1] == "RunCompleted"
    idx = indices(after)
    assert idx[0] == last + 1 and idx == sorted(set(idx))
    assert content_of(before + after) == tokens(60)
    # finished: B replays from Redis too
    replay = resume(b.url, "agents", "assistant", run_id, session_id, last)
    assert replay[0][0] == "replay" and replay[0][1]["status"] == "COMPLETED"
    assert indices(replay) == idx


def test_cross_replica_cancel(replicas):
    a, b = replicas.a, replicas.b
    r = start_stream(a.url, "/agents/assistant/runs", "[tokens=200 delay=0.02]")
    tail: List[Frame] = []
    cancelled = False
    with r:
        for ev, d in sse_frames(r):
            if cancelled:
                tail.append((ev, d))
            elif ev == "RunContent" and d["event_index"] >= 4:
                run_id, session_id = d["run_id"], d["session_id"]
                c = requests.post(f"{b.url}/agents/assistant/runs/{run_id}/cancel", timeout=TIMEOUT)
                assert c.status_code == 200
                cancelled = True
    observe("cross_replica_cancel_tail", brief(tail)[-3:])
    assert [ev for ev, _ in tail][-2:] == ["RunCancelled", "RunCompleted"]
    assert get_run(b.url, run_id, session_id)["status"] == "CANCELLED"


def test_resume_after_kill_and_restart(agentos):
    r = start_stream(agentos.url, "/agents/assistant/runs", "[tokens=300 delay=0.02]")
    before = read_until(r, 10)
    run_id, session_id = before[0][1]["run_id"], before[0][1]["session_id"]
    last = indices(before)[-1]
    old_pid = agentos.pid
    t0 = time.monotonic()
    agentos.restart()  # kill -9, start again on the same port and db
    restart_seconds = time.monotonic() - t0
    assert agentos.pid != old_pid
    after = resume(agentos.url, "agents", "assistant", run_id, session_id, last)
    run = get_run(agentos.url, run_id, session_id)
    observe(
        "resume_after_restart",
        {
            "frames": after,
            "run_status_after_restart": run["status"],
            "stored_events": len(run.get("events") or []),
            "restart_seconds": round(restart_seconds, 2),
        },
    )
    # agno 3.1.10: the in-memory buffer died with the process, so /resume falls back to the
    # database, where the killed run is still RUNNING and no events were stored yet
    assert after[0][0] == "replay"
    assert after[0][1]["status"] == run["status"]
    everything = resume(agentos.url, "agents", "assistant", run_id, session_id, None)
    observe("resume_after_restart_from_start", brief(everything))


def test_concurrent_readers_of_one_run(agentos):
    """Two resumes of the same live run both get every event (the server fans out)."""
    r = start_stream(agentos.url, "/agents/assistant/runs", "[tokens=30 delay=0.02]")
    before = read_until(r, 2)
    run_id, session_id = before[0][1]["run_id"], before[0][1]["session_id"]
    results: List[List[Frame]] = [[], []]

    def reader(i: int) -> None:
        results[i] = resume(agentos.url, "agents", "assistant", run_id, session_id, 2)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert indices(results[0]) == indices(results[1])
    assert content_of(before + results[0]) == tokens(30)


# -- sessions ---------------------------------------------------------------------------------


def test_session_endpoints(agentos):
    base, sid = agentos.url, f"sess-{uuid.uuid4()}"
    for message in ("What is 2 + 2?", "hello"):
        r = requests.post(
            base + "/agents/assistant/runs",
            timeout=TIMEOUT,
            data=run_form(message, False, False, session_id=sid, user_id="u1"),
        )
        assert r.status_code == 200, r.text

    page = requests.get(
        base + "/sessions", params={"type": "agent", "component_id": "assistant", "limit": 100}, timeout=TIMEOUT
    ).json()
    assert set(page) == {"data", "meta"} and {"page", "limit", "total_count", "total_pages"} <= set(page["meta"])
    row = next(s for s in page["data"] if s["session_id"] == sid)
    assert row["session_type"] == "agent" and row["agent_id"] == "assistant" and row["session_name"] == "What is 2 + 2?"

    detail = requests.get(f"{base}/sessions/{sid}", timeout=TIMEOUT).json()
    assert detail["agent_session_id"] == sid and detail["user_id"] == "u1"
    assert [m["role"] for m in detail["chat_history"]] == ["user", "assistant"] * 2

    runs = requests.get(f"{base}/sessions/{sid}/runs", timeout=TIMEOUT).json()
    assert [r["run_input"] for r in runs] == ["What is 2 + 2?", "hello"]
    one = requests.get(f"{base}/sessions/{sid}/runs/{runs[0]['run_id']}", timeout=TIMEOUT).json()
    assert one["content"] == "2 + 2 = 4." and one["status"] == "COMPLETED"

    r = requests.post(f"{base}/sessions/{sid}/rename", json={"session_name": "Renamed"}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["session_name"] == "Renamed"
    r = requests.patch(
        f"{base}/sessions/{sid}", json={"session_state": {"k": 1}, "metadata": {"m": 2}}, timeout=TIMEOUT
    )
    assert r.status_code == 200 and r.json()["session_state"] == {"k": 1} and r.json()["metadata"] == {"m": 2}

    new = f"new-{uuid.uuid4()}"
    r = requests.post(
        base + "/sessions",
        params={"type": "agent"},
        timeout=TIMEOUT,
        json={"session_id": new, "session_name": "New", "agent_id": "assistant", "session_state": {"a": 1}},
    )
    assert r.status_code == 201 and r.json()["session_id"] == new and r.json()["session_state"] == {"a": 1}
    r = requests.post(base + "/sessions", params={"type": "agent"}, json={"session_id": new}, timeout=TIMEOUT)
    assert r.status_code == 409
    assert requests.delete(f"{base}/sessions/{new}", timeout=TIMEOUT).status_code == 204
    assert requests.get(f"{base}/sessions/{new}", timeout=TIMEOUT).status_code == 404
    r = requests.delete(base + "/sessions", json={"session_ids": [sid], "session_types": ["agent"]}, timeout=TIMEOUT)
    assert r.status_code == 204
    r = requests.get(base + "/agents/assistant/runs", params={"session_id": sid}, timeout=TIMEOUT)
    assert r.status_code == 404 and r.json() == {"detail": "Session not found"}
