"""Exactly once on real AgentOS deployments (issue 12): ``uvicorn --workers 2`` and ``--workers 3``
on one SQLite file, two single-worker replicas behind a round-robin balancer, each without and
with agno's Redis coordination; the durable queue; reused sessions; cuts at every byte of a
response head; continue legs; close() and abandoned streams.

Every create and resume response is cut after a random 800-4000 bytes. The assertions hold what
the client guarantees on every deployment: no silent loss (a loop that ends normally saw every
event), no duplicate, and a RunIncompleteError/RunLostError whose stored output is the server's
content otherwise. Exact counts are asserted where the deployment allows them (Redis); without
Redis they are printed (``-s``) and bounded by what was measured (docs/deployments.md).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from _helpers import CREATE, CREATE_OR_RESUME, FAST, new_session, text_of, tokens
from fault_proxy import FaultProxy

from agentos_sync import AgentOSClient, ReconnectPolicy, errors, events
from agentos_sync.transports import Request, RequestsTransport, Response
from conftest import AgentOSServer, RedisServer, ServerStartError

RUNS = 30
TOKENS = 40
CUT_LO, CUT_HI = 800, 4000


class _Recording(RequestsTransport):
    """Remembers which worker (``x-worker-pid``) answered each request of each thread."""

    def __init__(self) -> None:
        super().__init__(pool_maxsize=16)
        self.by_thread: Dict[int, List[Tuple[str, Optional[str]]]] = {}

    def send(self, request: Request) -> Response:
        response = super().send(request)
        what = request.url.rsplit("/", 1)[-1]
        self.by_thread.setdefault(threading.get_ident(), []).append((what, response.headers.get("x-worker-pid")))
        return response


@dataclass
class Tally:
    name: str
    outcomes: Counter = field(default_factory=Counter)  # type: ignore[type-arg]
    workers: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return f"{self.name}: {dict(self.outcomes)} in {self.seconds:.1f}s"


class Deployment:
    """One deployment: its servers, a FaultProxy in front (round-robin over replicas)."""

    def __init__(self, name: str, servers: List[AgentOSServer]):
        self.name = name
        self.servers = servers
        self.proxy = FaultProxy(servers[0].port, more_upstream_ports=[s.port for s in servers[1:]])

    def start(self) -> Deployment:
        for s in self.servers:
            s.spawn()
        for s in self.servers:
            s.wait_ready()
        return self

    def stop(self) -> None:
        self.proxy.close()
        for s in self.servers:
            s.stop()


def _deployment(name: str, workdir: Path, llm_url: str, redis_url: Optional[str], **kw: Any) -> Deployment:
    db = workdir / f"{name}.db"
    header = ["--worker-header"]
    if kw.get("workers"):
        servers = [
            AgentOSServer(
                name,
                workdir,
                llm_url,
                db_path=db,
                redis_url=redis_url,
                extra_args=[*header, "--workers", str(kw["workers"]), *kw.get("args", [])],
            )
        ]
    else:
        servers = [
            AgentOSServer(
                f"{name}_{i}",
                workdir,
                llm_url,
                db_path=db,
                redis_url=redis_url,
                extra_args=[*header, *kw.get("args", [])],
            )
            for i in range(2)
        ]
    return Deployment(name, servers)


SHAPES = {"workers2": {"workers": 2}, "workers3": {"workers": 3}, "replicas_rr": {}}


@pytest.fixture(scope="module")
def deployments(it_workdir: Path, fake_llm: Any, redis_server: RedisServer) -> Iterator[Dict[str, Deployment]]:
    """The six deployments of the issue, started together (their imports overlap), stopped at the end."""
    made: Dict[str, Deployment] = {}
    for shape, kw in SHAPES.items():
        made[shape] = _deployment(shape, it_workdir, fake_llm.base_url, None, **kw)
        # One Redis database per deployment: runs of one must not be seen by another.
        index = len(made)
        made[shape + "_redis"] = _deployment(
            shape + "_redis", it_workdir, fake_llm.base_url, redis_server.url.rsplit("/", 1)[0] + f"/{index}", **kw
        )
    try:
        for d in made.values():
            for s in d.servers:
                s.spawn()
        for d in made.values():
            for s in d.servers:
                s.wait_ready()
    except ServerStartError as e:
        for d in made.values():
            d.stop()
        pytest.fail(str(e), pytrace=False)
    yield made
    for d in made.values():
        d.stop()


def _one_run(client: AgentOSClient, rec: _Recording, i: int) -> Tuple[str, str, List[str]]:
    """Run one background stream; classify it: exact, incomplete (documented error, stored output
    equal to the server's content), lost (RunLostError), or a FAILURE (silent loss, duplicate)."""
    rec.by_thread[threading.get_ident()] = []
    expected = tokens(TOKENS)
    message = f"[tokens={TOKENS} delay=0.01] run {i}"
    got: List[events.RunEvent] = []
    try:
        with client.run_agent_stream("assistant", message, background=True) as stream:
            for ev in stream:
                got.append(ev)
    except errors.RunIncompleteError as exc:
        kind = (
            "incomplete" if exc.output is not None and exc.output.content == expected else "INCOMPLETE-WITHOUT-OUTPUT"
        )
    except errors.RunLostError:
        kind = "lost"
    else:
        idx = [e.event_index for e in got]
        if len(idx) != len(set(idx)) or idx != sorted(idx):
            kind = "DUPLICATE"
        elif isinstance(got[-1], events.RunCompletedEvent) and text_of(got) == got[-1].content == expected:
            kind = "exact"
        else:
            kind = "SILENT-LOSS"
    if got and kind not in ("exact", "DUPLICATE", "SILENT-LOSS"):
        # What was delivered before the error is still exactly once, in order.
        idx = [e.event_index for e in got]
        kind = kind if len(idx) == len(set(idx)) and idx == sorted(idx) else "DUPLICATE"
    workers = [pid or "?" for _, pid in rec.by_thread.get(threading.get_ident(), [])]
    return str(i), kind, workers


def _cut_runs(d: Deployment, n: int, seed: int, policy: Optional[ReconnectPolicy] = None) -> Tally:
    d.proxy.reset()
    d.proxy.cut_random(CUT_LO, CUT_HI, seed=seed, times=None, path=CREATE_OR_RESUME)
    tally = Tally(d.name)
    rec = _Recording()
    started = time.monotonic()
    with (
        AgentOSClient(d.proxy.url, transport=rec, timeout=(5, 30), reconnect=policy) as client,
        ThreadPoolExecutor(10) as pool,
    ):
        for _, kind, workers in pool.map(lambda i: _one_run(client, rec, i), range(n)):
            tally.outcomes[kind] += 1
            if kind != "exact":
                tally.workers.append(f"{kind}: {' '.join(workers)}")
    tally.seconds = time.monotonic() - started
    d.proxy.clear()
    print(f"\n{tally.line()}")
    for line in tally.workers:
        print(f"  worker per request: {line}")
    return tally


def _assert_never_silent(t: Tally) -> None:
    bad = {k: v for k, v in t.outcomes.items() if k not in ("exact", "incomplete", "lost")}
    assert not bad, t.line()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_30_cut_runs_without_redis_never_lose_silently(deployments: Dict[str, Deployment], shape: str) -> None:
    # Default ReconnectPolicy: what a user gets out of the box.
    t = _cut_runs(deployments[shape], RUNS, seed=12_000 + len(shape))
    _assert_never_silent(t)
    assert sum(t.outcomes.values()) == RUNS
    # Exactness without Redis depends on reaching the worker that holds the run, which the kernel
    # decides: measured with hedged resumes 60/60 exact on --workers 2 and 3 (docs/deployments.md).
    # The bar for --workers 2 is asserted; the others leave room for a loaded CI machine.
    assert t.outcomes["exact"] >= (27 if shape == "workers2" else 24), t.line()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_30_cut_runs_with_redis_are_all_exact(deployments: Dict[str, Deployment], shape: str) -> None:
    t = _cut_runs(deployments[shape + "_redis"], RUNS, seed=13_000 + len(shape), policy=FAST)
    assert t.outcomes["exact"] == RUNS, t.line()


@pytest.mark.soak
@pytest.mark.parametrize("shape", list(SHAPES))
def test_300_cut_runs_without_redis_never_lose_silently(deployments: Dict[str, Deployment], shape: str) -> None:
    t = _cut_runs(deployments[shape], 300, seed=14_000 + len(shape))
    _assert_never_silent(t)
    assert sum(t.outcomes.values()) == 300


# -- run identity: reused sessions, durable queue ----------------------------------------------


def test_reused_session_cut_create_finds_its_own_run(proxy: FaultProxy) -> None:
    session = new_session("reused")
    with AgentOSClient(proxy.url, reconnect=FAST) as client:
        # Previous turns of the chat: one with the same message, one with another.
        previous = {
            client.run_agent_stream("assistant", message, background=True, session_id=session).get_final_output().run_id
            for message in ("[tokens=5] same", "[tokens=6] other")
        }
        # This turn's create reaches the server and is cut before a byte of the answer.
        proxy.cut_after_bytes(0, times=1, path=CREATE)
        with client.run_agent_stream("assistant", "[tokens=5] same", background=True, session_id=session) as stream:
            got = list(stream)
        runs = client.list_agent_runs("assistant", session)
    # One new run (no second create), and the stream is on it: not on the earlier run with the
    # same message, whose answer it would otherwise replay as this one's.
    assert len(runs) == 3 and len(previous) == 2, runs
    assert stream.run_id and stream.run_id not in previous and stream.run_id in {r.run_id for r in runs}
    assert got[0].event_index == 0 and all(e.run_id == stream.run_id for e in got)
    assert text_of(got) == tokens(5) and isinstance(got[-1], events.RunCompletedEvent)


@pytest.fixture(scope="module")
def durable(it_workdir: Path, fake_llm: Any, redis_server: RedisServer) -> Iterator[Deployment]:
    """One AgentOS with QueueConfig(durable=True) (a RedisDb queue store: agno refuses SqliteDb)."""
    url = redis_server.url.rsplit("/", 1)[0] + "/9"
    d = Deployment(
        "durable", [AgentOSServer("durable", it_workdir, fake_llm.base_url, redis_url=url, extra_args=["--durable"])]
    )
    try:
        d.start()
    except ServerStartError as e:
        d.stop()
        pytest.fail(str(e), pytrace=False)
    yield d
    d.stop()


def test_durable_queue_cut_create_reattaches_to_the_original_run(durable: Deployment) -> None:
    d = durable
    session = new_session("durable")
    with AgentOSClient(d.proxy.url, reconnect=FAST) as client:
        for offset in (0, 60, 150):
            d.proxy.reset()
            d.proxy.cut_after_bytes(offset, times=1, path=CREATE)
            session = new_session(f"durable{offset}")
            with client.run_agent_stream("assistant", "[tokens=8]", background=True, session_id=session) as stream:
                got = list(stream)
            assert text_of(got) == tokens(8) and isinstance(got[-1], events.RunCompletedEvent), offset
            assert got[0].event_index == 0 and all(e.run_id == stream.run_id for e in got)
            # The create re-sent with the same Idempotency-Key (what the stream does when the run
            # is not listed) re-attaches to the original run instead of making a second one.
            source = stream._source  # type: ignore[attr-defined]
            with source.recreate() as again:
                body = again.read().decode()
            assert f'"run_id": "{stream.run_id}"' in body or f'"run_id":"{stream.run_id}"' in body, body[:300]
            runs = client.list_agent_runs("assistant", session)
            assert [r.run_id for r in runs] == [stream.run_id], (offset, runs)
    creates = [x for x in d.proxy.exchanges if x["request"] == "POST /agents/assistant/runs"]
    print(f"\ndurable queue: 3 cut creates exact, {len(creates)} creates on the wire, one run per session")


# -- header cuts at every byte --------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["rst", "fin"])
def test_cut_at_every_byte_of_the_create_and_resume_heads(proxy: FaultProxy, fake_llm: Any, mode: str) -> None:
    # Every offset from the status line's first byte to past the header block (~163 bytes), once
    # in the create's head and once in the first resume's: each is a cut, resumed exactly.
    outcomes: Counter = Counter()  # type: ignore[type-arg]
    with AgentOSClient(proxy.url, reconnect=FAST) as client:
        for offset in range(0, 180):
            proxy.reset()
            proxy.cut_after_bytes(offset, times=1, path=CREATE, mode=mode)
            proxy.cut_after_bytes(offset, times=1, path=r"/resume$", mode=mode)
            llm_calls = fake_llm.requests
            stream = client.run_agent_stream("assistant", "[tokens=4]", background=True)
            got = list(stream)
            assert text_of(got) == tokens(4) and isinstance(got[-1], events.RunCompletedEvent), offset
            assert [e.event_index for e in got] == sorted({e.event_index for e in got}), offset
            # One run per create, executed once: re-sent only when the server never made the first
            # (the model was called once for the run, not once per create sent).
            assert len(client.list_agent_runs("assistant", stream.session_id or "")) == 1, offset
            assert fake_llm.requests - llm_calls == 1, offset
            creates = sum(1 for x in proxy.exchanges if x["request"] == "POST /agents/assistant/runs")
            outcomes["exact"] += 1
            outcomes["re-sent creates"] += creates - 1
    print(f"\nhead cuts ({mode}): {dict(outcomes)}")


def test_foreground_head_cut_is_stream_interrupted(proxy: FaultProxy) -> None:
    with AgentOSClient(proxy.url, reconnect=FAST) as client:
        for offset in range(0, 170, 7):
            proxy.reset()
            proxy.cut_after_bytes(offset, times=1, path=CREATE, mode="fin")
            with pytest.raises(errors.StreamInterruptedError):
                list(client.run_agent_stream("assistant", "[tokens=4]"))


# -- continue legs -------------------------------------------------------------------------------


@pytest.mark.parametrize("paused_background", [False, True])
@pytest.mark.parametrize("cut", [False, True])
def test_continue_stream_delivers_its_whole_leg(proxy: FaultProxy, paused_background: bool, cut: bool) -> None:
    session = new_session("hitl")
    with AgentOSClient(proxy.url, reconnect=FAST) as client:
        paused = list(
            client.run_agent_stream(
                "confirmer", "[call_tool=dangerous_action]", background=paused_background, session_id=session
            )
        )
        assert isinstance(paused[-1], events.RunPausedEvent)
        run_id = paused[-1].run_id or ""
        last = paused[-1]
        assert isinstance(last, events.RunPausedEvent) and last.tools
        tools = [last.tools[0].model_copy(update={"confirmed": True})]
        if cut:
            proxy.cut_after_bytes(random.Random(7).randint(200, 900), times=1, path=r"/continue$")
        stream = client.continue_agent_run_stream("confirmer", run_id, tools, session_id=session, background=True)
        got = list(stream)
    names = [e.event for e in got]
    assert names[0] == "RunContinued", names
    assert "ToolCallCompleted" in names and names[-1] == "RunCompleted", names
    idx = [e.event_index for e in got]
    assert idx == sorted(set(idx)), idx


# -- close() and abandoned streams ---------------------------------------------------------------


def test_close_racing_a_resume_releases_it_and_ends_cleanly(proxy: FaultProxy) -> None:
    slow = ReconnectPolicy(max_attempts=50, initial_backoff=0.05, max_backoff=0.05, deadline=30)
    with AgentOSClient(proxy.url, reconnect=slow) as client:
        # The resume is held before its head (close() meets a request still being sent), inside
        # its body (a reader blocked in recv), or not at all (close() during the backoff).
        for stall_at in (0, 400, None, 0, 400, None):
            proxy.reset()
            proxy.cut_after_bytes(1500, times=1, path=CREATE)
            if stall_at is not None:
                proxy.stall(after_bytes=stall_at, seconds=5, times=None, path=r"/resume$")
            stream = client.run_agent_stream("assistant", "[tokens=40 delay=0.02]", background=True)
            got: List[events.RunEvent] = []
            done = threading.Event()

            def consume(stream: Any = stream, got: List[events.RunEvent] = got, done: threading.Event = done) -> None:
                try:
                    for ev in stream:
                        got.append(ev)
                finally:
                    done.set()

            threading.Thread(target=consume, daemon=True).start()
            assert proxy.wait_for(
                lambda p: any(x["request"].endswith("/resume") for x in p.exchanges) or p.stalls > 0, 10
            )
            n = len(got)
            stream.close()
            if stall_at == 0:
                # A request still being sent cannot be aborted through the transport interface:
                # its connection is released as soon as its head arrives (the stall ends here).
                assert not done.wait(0.3)
                proxy.clear()
            assert done.wait(5), "the consumer did not end after close()"
            assert len(got) == n, "an event was delivered after close()"
            proxy.clear()
            assert proxy.wait_for(lambda p: p.active == 0, 6), f"{proxy.active} connections still open"


def test_200_abandoned_streams_leave_no_open_socket_without_gc(proxy: FaultProxy) -> None:
    import gc

    gc.disable()
    try:
        with AgentOSClient(proxy.url, reconnect=FAST) as client:

            def view(i: int) -> str:
                # A view that returns from inside the loop: the stream is abandoned, not closed.
                for ev in client.run_agent_stream("assistant", f"[tokens=30 delay=0.01] {i}", background=True):
                    if isinstance(ev, events.RunContentEvent):
                        return ev.content or ""
                return ""

            with ThreadPoolExecutor(8) as pool:
                assert all(pool.map(view, range(200)))
            # The pool keeps up to 10 idle connections; every abandoned stream's own is gone.
            assert proxy.wait_for(lambda p: p.active <= 10, 10), f"{proxy.active} connections still open"
    finally:
        gc.enable()


# -- the stream deadline is wall time -------------------------------------------------------------


@pytest.mark.parametrize("how", ["foreground", "background", "in_thread"])
def test_deadline_bounds_a_silent_server_in_wall_time(proxy: FaultProxy, how: str) -> None:
    # The read timeout (20 s) would let a silent server hold the stream far longer; deadline=3
    # must end it at ~3 s with the same APITimeoutError subclass however the stream is consumed.
    proxy.stall(after_bytes=900, seconds=15, times=None, path=CREATE_OR_RESUME)
    with AgentOSClient(proxy.url, timeout=(5, 20), reconnect=FAST) as client:
        stream = client.run_agent_stream(
            "assistant", "[tokens=60 delay=0.01]", background=how != "foreground", deadline=3
        )
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError) as info:
            if how == "in_thread":
                with stream.in_thread() as worker:
                    while worker.get(timeout=30) is not None:
                        pass
            else:
                list(stream)
        took = time.monotonic() - started
    proxy.clear()
    print(f"\ndeadline=3 ({how}): raised {type(info.value).__name__} after {took:.2f}s")
    assert "deadline" in str(info.value) and 2.5 < took < 4.5, took


@pytest.mark.parametrize(("kind", "component"), [("team", "duo"), ("workflow", "pipeline")])
def test_reused_session_cut_team_and_workflow_creates_find_their_own_run(
    proxy: FaultProxy, kind: str, component: str
) -> None:
    # Team and workflow runs list no metadata: the create names its run (run_id form field,
    # which the server takes as the run's id), so an earlier run of the session is never taken.
    session = new_session(f"reused-{kind}")
    plural = f"{kind}s"
    with AgentOSClient(proxy.url, reconnect=FAST) as client:
        run_stream = getattr(client, f"run_{kind}_stream")
        earlier = run_stream(component, "[tokens=3] turn", background=True, session_id=session).get_final_output()
        for offset in (0, 80):
            proxy.reset()
            proxy.cut_after_bytes(offset, times=1, path=rf"^/{plural}/{component}/runs$")
            with run_stream(component, "[tokens=3] turn", background=True, session_id=session) as stream:
                got = list(stream)
            assert stream.run_id != earlier.run_id, offset
            assert got[0].event_index == 0 and got[0].run_id == stream.run_id, offset
            assert stream.terminal_event is not None and stream.terminal_event.run_id == stream.run_id
        runs = getattr(client, f"list_{kind}_runs")(component, session)
    assert len(runs) == 3, [(r.run_id, r.status) for r in runs]  # one run per create, none twice
