"""FakeAgentOS: a stateful, deterministic, in-memory emulation of the AgentOS HTTP server.

This module is the public API (configuration, transports, the time model) over parts that know
nothing of it: the state and run machinery (``_state``: the class's one base, the plain object
every route handler receives), a `Router` over the route table (``_router``, composed from one
module per area in ``_routes/``), the event streams (``_streams``) and the faults (``_faults``).
See docs/architecture.md, 'The fake server'.
"""

from __future__ import annotations

from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from ..errors import APIConnectionError
from ..transports.base import IteratorResponse, Request, Response
from ._model import FakeRun, Reply, Script, _AgentSpec, _TeamSpec, _WorkflowSpec
from ._router import Router
from ._server import FakeServer
from ._state import _State
from ._transport import MockTransport
from ._wire import _Exchange

__all__ = ["FakeAgentOS", "FakeTransport"]


def _display_name(component_id: str, name: Optional[str]) -> str:
    """The name a component gets when none is given: "my-agent" -> "My Agent"."""
    return name if name is not None else component_id.replace("-", " ").replace("_", " ").title()


def _check_index_step(index_step: int) -> None:
    if index_step < 1:
        raise ValueError("index_step must be >= 1")


class FakeAgentOS(_State):
    """A stateful in-memory AgentOS server, for tests (the client's and users') and demos.

    It holds agents, teams, workflows, sessions, runs and their event buffers, and answers every
    request the way a real AgentOS (agno 3.1.10) does: same paths, same status codes, same JSON
    and SSE shapes (docs/architecture.md, 'The fake server'). Reach it in memory with
    `transport` or over real loopback HTTP with `serve`.

    Starts with one agent, ``"assistant"`` (name ``"Assistant"``); pass ``with_defaults=False`` for
    an empty server. With ``security_key`` set, every route but ``/health`` needs
    ``Authorization: Bearer <key>``: without the header the answer is
    ``401 {"detail": "Authorization header required"}``, with a wrong key
    ``401 {"detail": "Invalid authentication token"}`` (agno 3.1.10's two messages).

    **Time model** (deterministic, nothing sleeps in memory): a streamed run produces its events
    lazily, as its stream is read. A background stream cut after N events leaves its run RUNNING
    with exactly N events produced (a real server would keep going; the fake waits until someone
    looks). `advance_run`, `finish_run` and `finish_all_runs` move runs forward
    as if time passed. A ``background=true, stream=false`` run (202) completes on its
    ``polls_until_done``-th ``GET`` poll, or on `finish_run`. A cancelled run produces
    RunCancelled then a RunCompleted with the partial content, at once. A foreground stream whose
    client goes away (response closed early, or cut) cancels its run.

    **The other areas** answer with state, as agno 3.1.10 does: memories (``memories``),
    knowledge (``knowledge_contents``; a content is ``processing`` until its status is first
    asked for; search scores by shared words; ``knowledge=False`` for a server without a knowledge
    base, whose ``/knowledge`` routes answer agno's 503), evals (``eval_runs``: accuracy scores 10
    when the agent's reply contains ``expected_output``), traces and metrics (derived from the
    finished runs), database migration (``fake-db``) and session run previews. Beyond agno's
    client: approvals (`require_approval` makes an agent's confirmation tool need one;
    ``approvals``), schedules (``schedules``, ``schedule_runs``; a trigger calls the endpoint on
    the fake itself; ``scheduler_enabled=False`` for agno's 503), the durable queue's jobs (off
    until ``durable_queue = True``; the jobs are the runs), ``GET /info``, run checkpoints,
    session fork, compaction (agno's ``not_enabled`` answer) and media (``media[(session_id,
    key)] = bytes``), knowledge sources (none) and refresh, components and their configs
    (``components``), ``registry`` entries, ``learnings``, and the A2A interface
    (``/a2a/...``: a task is a run; a cut stream cancels it, as on the real server).

    **Ids**: run and session ids are random uuid4s, so two fakes (two processes, a restarted
    ``serve-fake``) never hand out the same ones; ``seed=N`` makes the sequence repeat exactly.

    **Size limits**: like AgentOS (Starlette's form parser), a create's form field over 1024 KB is
    refused with ``400 {"detail": "Field exceeded maximum size of 1024KB."}``; send a big text as
    a file (``files=``) instead.

    **State for assertions**: ``requests`` (every request that reached the server, in order),
    ``runs`` (run_id -> `FakeRun`), ``sessions``, `run_count`, ``last_run``.

    **Idempotency**: a background create that repeats an ``Idempotency-Key`` header returns the
    original run instead of creating another (202 with its current status, or its stream: live if
    it is still running, else the ``replay`` path), as AgentOS's durable-queue mode does.

    Example:
        ```python
        from agentos_sync.testing import FakeAgentOS

        fake = FakeAgentOS()
        fake.add_agent("calc", name="Calculator", reply=lambda m: "42")
        fake.faults.cut(after_events=3, path="/agents/calc/runs")
        client = AgentOSClient("http://fake", transport=fake.transport())
        ...
        assert fake.run_count("calc") == 1
        ```
    """

    def __init__(
        self,
        *,
        security_key: Optional[str] = None,
        with_defaults: bool = True,
        os_id: str = "fake-agentos",
        name: str = "Fake AgentOS",
        seed: Optional[int] = None,
        clock: Optional[Callable[[], float]] = None,
        knowledge: bool = True,
    ) -> None:
        super().__init__(security_key=security_key, os_id=os_id, name=name, seed=seed, clock=clock, knowledge=knowledge)
        self._router = Router(self)
        self._dispatch = self._router.dispatch
        if with_defaults:
            self.add_agent("assistant", name="Assistant")

    # ------------------------------------------------------------------------------------------
    # configuration
    # ------------------------------------------------------------------------------------------
    def add_agent(
        self,
        agent_id: str,
        *,
        name: Optional[str] = None,
        reply: Optional[Reply] = None,
        description: Optional[str] = None,
        db: bool = True,
        store_events: bool = True,
        polls_until_done: int = 1,
        confirm_tool: Optional[str] = None,
        tool_args: Optional[Mapping[str, Any]] = None,
        tool_result: str = "done",
        error: Optional[str] = None,
        error_after: int = 0,
        error_type: Optional[str] = None,
        script: Optional[Script] = None,
        index_step: int = 1,
    ) -> FakeAgentOS:
        """Add (or replace) an agent. Returns the fake, for chaining.

        - ``reply``: fixed text or ``callable(message) -> str``; default: "2 + 2 = 4." for
          "What is 2 + 2?", "You said: <message>" otherwise. Each word token (trailing space kept)
          becomes one RunContent event.
        - ``db``: without one, background runs answer 400 and runs are not stored.
        - ``store_events``: streamed runs keep their events in the db (the ``/resume`` fallback
          after a restart replays them).
        - ``polls_until_done``: a 202 run completes on this many ``GET`` polls (0: at once).
        - ``confirm_tool``: human in the loop. Every run calls this tool, which requires
          confirmation: the run ends with RunPaused carrying ``tools`` (with ``tool_args``);
          ``POST .../continue`` with the tools (``confirmed`` true/false) finishes it, the tool
          returning ``tool_result``.
        - ``error``: the run fails with RunError(content=error) after ``error_after`` tokens.
        - ``script``: ``callable(message) -> [event dicts]`` replaces the generated events (each
          needs ``"event"``; the run's identity fields are filled in). End it with a terminal event.
        - ``index_step``: ``event_index`` grows by this much per event (>1 emulates the gaps a
          real server may leave).

        Example:
            ```python
            fake.add_agent("hitl", confirm_tool="delete_file", tool_args={"path": "/tmp/x"})
            fake.add_agent("slow", reply=" ".join(f"tok{i}" for i in range(200)))
            ```
        """
        _check_index_step(index_step)
        spec = _AgentSpec(
            kind="agent",
            id=agent_id,
            name=_display_name(agent_id, name),
            description=description,
            db=db,
            store_events=store_events,
            polls_until_done=polls_until_done,
            index_step=index_step,
            reply=reply,
            confirm_tool=confirm_tool,
            tool_args=dict(tool_args or {}),
            tool_result=tool_result,
            error=error,
            error_after=error_after,
            error_type=error_type,
            script=script,
        )
        with self._lock:
            self._agents[agent_id] = spec
        return self

    def add_team(
        self,
        team_id: str,
        *,
        members: Sequence[str] = (),
        name: Optional[str] = None,
        reply: Optional[Reply] = None,
        description: Optional[str] = None,
        mode: str = "coordinate",
        db: bool = True,
        store_events: bool = True,
        polls_until_done: int = 1,
        index_step: int = 1,
    ) -> FakeAgentOS:
        """Add (or replace) a team of existing agents. Its runs emit the team event family
        (TeamRunStarted, TeamRunContent per token, ..., TeamRunCompleted), answered by the leader
        as in ``wire/team_background_stream.sse``.

        Example:
            ```python
            fake.add_agent("writer").add_team("duo", members=["assistant", "writer"], name="Duo")
            ```
        """
        _check_index_step(index_step)
        with self._lock:
            unknown = [m for m in members if m not in self._agents]
            if unknown:
                raise ValueError(f"unknown member agent(s): {unknown}")
            self._teams[team_id] = _TeamSpec(
                kind="team",
                id=team_id,
                name=_display_name(team_id, name),
                description=description,
                db=db,
                store_events=store_events,
                polls_until_done=polls_until_done,
                index_step=index_step,
                reply=reply,
                members=list(members),
                mode=mode,
            )
        return self

    def add_workflow(
        self,
        workflow_id: str,
        *,
        steps: Sequence[Tuple[str, str]],
        name: Optional[str] = None,
        description: Optional[str] = None,
        db: bool = True,
        store_events: bool = True,
        polls_until_done: int = 1,
        index_step: int = 1,
    ) -> FakeAgentOS:
        """Add (or replace) a workflow of ``(step_name, agent_id)`` steps. Its stream carries each
        step's agent run inline (own ``run_id``, ``workflow_run_id`` = the workflow's) under the
        workflow's single ``event_index`` sequence, as in ``wire/workflow_background_stream.sse``;
        each step's input is the previous step's output.

        Example:
            ```python
            fake.add_agent("writer", name="Writer")
            fake.add_workflow("pipeline", steps=[("draft", "writer"), ("review", "assistant")])
            ```
        """
        _check_index_step(index_step)
        with self._lock:
            unknown = [a for _, a in steps if a not in self._agents]
            if unknown:
                raise ValueError(f"unknown step agent(s): {unknown}")
            self._workflows[workflow_id] = _WorkflowSpec(
                kind="workflow",
                id=workflow_id,
                name=_display_name(workflow_id, name),
                description=description,
                db=db,
                store_events=store_events,
                polls_until_done=polls_until_done,
                index_step=index_step,
                reply=None,
                steps=[(str(s), str(a)) for s, a in steps],
            )
        return self

    def require_approval(self, agent_id: str) -> None:
        """Make ``agent_id``'s confirmation tool (``add_agent(confirm_tool=...)``) need an admin's
        approval, as agno's ``@approval`` does: a run that pauses on it stores a pending approval."""
        self._approval_agents.add(agent_id)

    # ------------------------------------------------------------------------------------------
    # transports
    # ------------------------------------------------------------------------------------------
    def _exchange(self, request: Request) -> _Exchange:
        """What the server answers ``request`` (for `FakeServer`, which delivers it over HTTP)."""
        return self._router.exchange(request)

    def transport(self) -> FakeTransport:
        """A `FakeTransport` answering from this fake.

        Example:
            ```python
            client = AgentOSClient("http://fake", transport=fake.transport())
            ```
        """
        return FakeTransport(self)

    def handle(self, request: Request) -> Response:
        """Answer one request as the server would, and as a transport delivers it: a
        `Response` for any status (its body produced as it is
        read, cut or stalled by scripted faults), ``APIConnectionError(reached_server=False)``
        for a refused connection, ``APIConnectionError(reached_server=True)`` for a cut inside
        the response headers. Wrap it to script around the fake in a few lines.

        Example:
            ```python
            def handler(request):
                if request.url.endswith("/cancel"):
                    return json_response(500, {"detail": "boom"})
                return fake.handle(request)

            client = AgentOSClient("http://fake", transport=MockTransport(handler))
            ```
        """
        exchange = self._exchange(request)
        if exchange.refused:
            raise APIConnectionError(
                "Connection refused by the fake AgentOS server (scripted fault).",
                request=request,
                reached_server=False,
            )
        if exchange.cut_headers:
            exchange.body.close()
            raise APIConnectionError(
                "The connection broke while reading the response headers (scripted fault).",
                request=request,
                reached_server=True,
            )
        return IteratorResponse(exchange.status, exchange.headers, exchange.body)

    def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        stall_seconds: float = 1.0,
        event_delay: float = 0.0,
    ) -> FakeServer:
        """Serve this fake over real HTTP/1.1 on ``host:port`` (0: a free port) from a daemon
        thread. SSE bodies are chunked like uvicorn's; a cut closes the socket mid-body; a stall
        sleeps ``stall_seconds`` then closes; ``event_delay`` sleeps between run events (for demos).
        Returns a `FakeServer` (``.url``, ``.close()``, a context manager).

        Example:
            ```python
            with FakeAgentOS().serve() as server:
                requests.get(server.url + "/health").json()
            ```
        """
        return FakeServer(self, host, port, stall_seconds=stall_seconds, event_delay=event_delay)

    # ------------------------------------------------------------------------------------------
    # time model and state
    # ------------------------------------------------------------------------------------------
    def advance_run(self, run_id: str, events: int = 1) -> int:
        """Let a live run produce up to ``events`` more events, as if time passed while nobody
        watched. Returns how many it produced.

        Example:
            ```python
            fake.advance_run(run_id, 5)   # the next /resume sends catch_up with these 5
            ```
        """
        with self._lock:
            run = self._run_or_raise(run_id)
            produced = 0
            while produced < events and run.active:
                self._produce(run)
                produced += 1
            return produced

    def finish_run(self, run_id: str) -> int:
        """Let a live run produce all its remaining events (it reaches its terminal status; a
        buffered run then resumes through the ``replay`` path). Returns how many it produced.

        Example:
            ```python
            fake.finish_run(run_id)
            assert fake.runs[run_id].status == "COMPLETED"
            ```
        """
        with self._lock:
            run = self._run_or_raise(run_id)
            return self._finish(run)

    def finish_all_runs(self) -> int:
        """`finish_run` for every live run. Returns the number of events produced.

        Example:
            ```python
            fake.finish_all_runs()   # every interrupted background run is now COMPLETED
            ```
        """
        with self._lock:
            return sum(self._finish(run) for run in list(self.runs.values()))

    def run_count(
        self,
        agent_id: Optional[str] = None,
        *,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
    ) -> int:
        """Number of runs created, all kinds, or of one agent / team / workflow.

        Example:
            ```python
            assert fake.run_count("assistant") == 1   # a retried create did not start a second run
            ```
        """
        with self._lock:
            runs = list(self.runs.values())
        if agent_id is not None:
            return sum(1 for r in runs if r.kind == "agent" and r.component_id == agent_id)
        if team_id is not None:
            return sum(1 for r in runs if r.kind == "team" and r.component_id == team_id)
        if workflow_id is not None:
            return sum(1 for r in runs if r.kind == "workflow" and r.component_id == workflow_id)
        return len(runs)

    @property
    def last_run(self) -> Optional[FakeRun]:
        """The most recently created run, if any.

        Example:
            ```python
            client.agents.run("assistant", "hi")
            assert fake.last_run is not None and fake.last_run.status == "COMPLETED"
            ```
        """
        with self._lock:
            return next(reversed(self.runs.values()), None) if self.runs else None

    def requests_to(self, path: str, method: Optional[str] = None) -> List[Request]:
        """Recorded requests whose URL path contains ``path`` (and with ``method``, if given).

        Example:
            ```python
            assert len(fake.requests_to("/resume")) == 2
            ```
        """
        with self._lock:
            return [
                r
                for r in self.requests
                if path in urlsplit(r.url).path and (method is None or r.method.upper() == method.upper())
            ]

    def __repr__(self) -> str:
        return (
            f"<FakeAgentOS agents={len(self._agents)} teams={len(self._teams)} workflows={len(self._workflows)} "
            f"runs={len(self.runs)} sessions={len(self.sessions)} restarts={self.restarts}>"
        )


class FakeTransport(MockTransport):
    """A transport that hands every request to a `FakeAgentOS`
    (`FakeAgentOS.handle <agentos_sync.testing.FakeAgentOS.handle>`), in memory: no
    sockets, no threads, no sleeps. Safe to share between threads (the fake's state is behind
    one lock).

    Example:
        ```python
        from agentos_sync.testing import FakeAgentOS, FakeTransport
        from agentos_sync.transports import Request

        fake = FakeAgentOS()
        with FakeTransport(fake).send(Request("GET", "http://fake/health")) as response:
            assert response.status_code == 200
        ```
    """

    def __init__(self, fake: FakeAgentOS) -> None:
        super().__init__(fake.handle)
        self.fake = fake
        #: Requests sent with ``fresh_connection=True`` (the fake has no pool: one process answers).
        self.fresh_connections = 0

    def send(self, request: Request) -> Response:
        if request.fresh_connection:
            self.fresh_connections += 1
        # The fake keeps its own record (fake.requests, refused sends excluded); no second list.
        return self.fake.handle(request)

    def __repr__(self) -> str:
        return f"FakeTransport({self.fake!r})"
