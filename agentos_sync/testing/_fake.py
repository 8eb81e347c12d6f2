"""FakeAgentOS: a stateful, deterministic, in-memory emulation of the AgentOS HTTP server."""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
)
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import APIConnectionError
from ..transports.base import Request
from ._body import Body, Frame
from ._events import CONTENT_EVENTS, TERMINAL_EVENTS, Planner, iso, with_index, without_index
from ._faults import FaultPlan, apply_body_fault
from ._model import (
    FakeRun,
    FakeSession,
    Reply,
    Script,
    _AgentSpec,
    _Component,
    _TeamSpec,
    _WorkflowSpec,
)
from ._shapes import run_output, run_schema, session_detail, session_summary, stored_events
from ._sse import event_frame, json_body, meta_frame

if TYPE_CHECKING:
    from ._server import FakeServer
    from ._transport import FakeTransport

__all__ = ["FakeAgentOS"]

SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
DB_ID = "fake-db"
SESSION_ID_REQUIRED = "session_id is required for this action"

_KINDS = {"agents": "agent", "teams": "team", "workflows": "workflow"}
_NOT_FOUND = {"agent": "Agent not found", "team": "Team not found", "workflow": "Workflow not found"}
_PAUSED_EVENTS = frozenset({"RunPaused", "TeamRunPaused", "WorkflowPaused"})
_RUN_FORM_FIELDS = frozenset(
    {"message", "stream", "session_id", "user_id", "background", "version", "files_metadata", "factory_input"}
)
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_RUN_STATUSES = ["CANCELLED", "COMPLETED", "ERROR", "PAUSED", "PENDING", "REGENERATED", "RUNNING"]
_SUBSCRIBED = {
    "agent": "Subscribed to agent run. Receiving live events.",
    "team": "Subscribed to team run. Receiving live events.",
    "workflow": "Subscribed to workflow run. Receiving live events.",
}


@dataclass
class _Reply:
    status: int
    headers: Dict[str, str]
    frames: Iterable[Frame]
    sse: bool = False
    on_disconnect: Optional[Callable[[], None]] = None


@dataclass
class _Exchange:
    """What the fake answers to one request, for a transport to deliver."""

    refused: bool = False
    status: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: Body = field(default_factory=lambda: Body([]))
    cut_headers: bool = False
    stall_seconds: Optional[float] = None
    #: The body's length is unknown up front (SSE, a generator): chunked over HTTP.
    streaming: bool = False


class _Invalid(Exception):
    """A request the route rejects; carries the reply."""

    def __init__(self, reply: _Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


@dataclass
class _Call:
    method: str
    path: str
    query: Dict[str, List[str]]
    request: Request

    def q(self, name: str) -> Optional[str]:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def form(self) -> Mapping[str, str]:
        return self.request.form or {}

    def header(self, name: str) -> Optional[str]:
        lname = name.lower()
        for key, value in self.request.headers.items():
            if key.lower() == lname:
                return value
        return None


def _json(status: int, payload: Any, headers: Optional[Mapping[str, str]] = None) -> _Reply:
    hdrs = {"content-type": JSON_CONTENT_TYPE}
    hdrs.update(headers or {})
    return _Reply(status, hdrs, [Frame(json_body(payload))])


def _detail(status: int, detail: Any) -> _Reply:
    return _json(status, {"detail": detail})


def _no_content() -> _Reply:
    return _Reply(204, {}, [])


def _invalid(loc: Sequence[str], kind: str, msg: str, value: Any) -> _Invalid:
    return _Invalid(_json(422, {"detail": [{"type": kind, "loc": list(loc), "msg": msg, "input": value}]}))


def _missing(loc: Sequence[str]) -> _Invalid:
    return _invalid(loc, "missing", "Field required", None)


def _parse_bool(raw: Optional[str], default: bool, loc: Sequence[str]) -> bool:
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _invalid(loc, "bool_parsing", "Input should be a valid boolean, unable to interpret input", raw)


def _parse_int(raw: Optional[str], loc: Sequence[str]) -> Optional[int]:
    if raw is None or raw == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise _invalid(
            loc, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", raw
        ) from None


def _decode_field(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _display_name(component_id: str, name: Optional[str]) -> str:
    """The name a component gets when none is given: "my-agent" -> "My Agent"."""
    return name if name is not None else component_id.replace("-", " ").replace("_", " ").title()


def _check_index_step(index_step: int) -> None:
    if index_step < 1:
        raise ValueError("index_step must be >= 1")


class FakeAgentOS:
    """A stateful in-memory AgentOS server, for tests (the client's and users') and demos.

    It holds agents, teams, workflows, sessions, runs and their event buffers, and answers every
    request the way a real AgentOS (agno 3.1.10) does: same paths, same status codes, same JSON
    and SSE shapes (see ``shared/PROTOCOL.md``). Reach it in memory with :meth:`transport` or
    over real loopback HTTP with :meth:`serve`.

    Starts with one agent, ``"assistant"`` (name ``"Assistant"``); pass ``with_defaults=False`` for
    an empty server. With ``security_key`` set, every route but ``/health`` needs
    ``Authorization: Bearer <key>``: without the header the answer is
    ``401 {"detail": "Authorization header required"}``, with a wrong key
    ``401 {"detail": "Invalid authentication token"}`` (agno 3.1.10's two messages).

    **Time model** (deterministic, nothing sleeps in memory): a streamed run produces its events
    lazily, as its stream is read. A background stream cut after N events leaves its run RUNNING
    with exactly N events produced (a real server would keep going; the fake waits until someone
    looks). :meth:`advance_run`, :meth:`finish_run` and :meth:`finish_all_runs` move runs forward
    as if time passed. A ``background=true, stream=false`` run (202) completes on its
    ``polls_until_done``-th ``GET`` poll, or on :meth:`finish_run`. A cancelled run produces
    RunCancelled then a RunCompleted with the partial content, at once. A foreground stream whose
    client goes away (response closed early, or cut) cancels its run.

    **State for assertions**: ``requests`` (every request that reached the server, in order),
    ``runs`` (run_id -> :class:`FakeRun`), ``sessions``, :meth:`run_count`, ``last_run``.

    **Idempotency**: a background create that repeats an ``Idempotency-Key`` header returns the
    original run instead of creating another (202 with its current status, or its stream: live if
    it is still running, else the ``replay`` path), as AgentOS's durable-queue mode does.

    Example::

        from agentos_sync.testing import FakeAgentOS

        fake = FakeAgentOS()
        fake.add_agent("calc", name="Calculator", reply=lambda m: "42")
        fake.faults.cut(after_events=3, path="/agents/calc/runs")
        client = AgentOSClient("http://fake", transport=fake.transport())
        ...
        assert fake.run_count("calc") == 1
    """

    def __init__(
        self,
        *,
        security_key: Optional[str] = None,
        with_defaults: bool = True,
        os_id: str = "fake-agentos",
        name: str = "Fake AgentOS",
        seed: int = 0,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        self._lock = threading.RLock()
        self.security_key = security_key
        self.os_id = os_id
        self.name = name
        #: Scripted faults; see :class:`~agentos_sync.testing.FaultPlan`.
        self.faults = FaultPlan(self._lock)
        #: Every request that reached the server (refused sends excluded), in arrival order.
        self.requests: List[Request] = []
        #: Every top-level run, by run_id (workflow steps' nested agent runs are not listed).
        self.runs: Dict[str, FakeRun] = {}
        #: Stored sessions, by session_id.
        self.sessions: Dict[str, FakeSession] = {}
        #: How many times the server restarted (:meth:`restart` or a restart fault).
        self.restarts = 0
        #: Exceptions raised while answering (a reply callable that failed); each became a 500.
        self.errors: List[BaseException] = []
        self._agents: Dict[str, _AgentSpec] = {}
        self._teams: Dict[str, _TeamSpec] = {}
        self._workflows: Dict[str, _WorkflowSpec] = {}
        self._idempotency: Dict[str, str] = {}
        self._generation = 0
        self._seq = 0
        self._rng = random.Random(seed)
        self._clock: Callable[[], float] = clock or time.time
        self._started_at = self._clock()
        self._planner = Planner(self._now, self._new_id)
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

        Example::

            fake.add_agent("hitl", confirm_tool="delete_file", tool_args={"path": "/tmp/x"})
            fake.add_agent("slow", reply=" ".join(f"tok{i}" for i in range(200)))
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

        Example::

            fake.add_agent("writer").add_team("duo", members=["assistant", "writer"], name="Duo")
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

        Example::

            fake.add_agent("writer", name="Writer")
            fake.add_workflow("pipeline", steps=[("draft", "writer"), ("review", "assistant")])
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

    # ------------------------------------------------------------------------------------------
    # transports
    # ------------------------------------------------------------------------------------------
    def transport(self) -> FakeTransport:
        """A :class:`~agentos_sync.testing.FakeTransport` answering from this fake.

        Example::

            client = AgentOSClient("http://fake", transport=fake.transport())
        """
        from ._transport import FakeTransport

        return FakeTransport(self)

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
        Returns a :class:`~agentos_sync.testing.FakeServer` (``.url``, ``.close()``, a context manager).

        Example::

            with FakeAgentOS().serve() as server:
                requests.get(server.url + "/health").json()
        """
        from ._server import FakeServer

        return FakeServer(self, host, port, stall_seconds=stall_seconds, event_delay=event_delay)

    # ------------------------------------------------------------------------------------------
    # time model and state
    # ------------------------------------------------------------------------------------------
    def advance_run(self, run_id: str, events: int = 1) -> int:
        """Let a live run produce up to ``events`` more events, as if time passed while nobody
        watched. Returns how many it produced.

        Example::

            fake.advance_run(run_id, 5)   # the next /resume sends catch_up with these 5
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

        Example::

            fake.finish_run(run_id)
            assert fake.runs[run_id].status == "COMPLETED"
        """
        with self._lock:
            run = self._run_or_raise(run_id)
            return self._finish(run)

    def finish_all_runs(self) -> int:
        """:meth:`finish_run` for every live run. Returns the number of events produced.

        Example::

            fake.finish_all_runs()   # every interrupted background run is now COMPLETED
        """
        with self._lock:
            return sum(self._finish(run) for run in list(self.runs.values()))

    def restart(self) -> None:
        """Restart the server: event buffers and live runs are dropped, open streams are cut (their
        next read raises ``APIConnectionError``; over HTTP the socket closes).

        What survives is what a real AgentOS keeps in its database: agents, sessions, runs with
        their stored status (a run that was RUNNING or PENDING stays so: nothing executes it any
        more) and, for components with ``store_events``, the events streamed runs produced so far.
        ``/resume`` then takes the database path: ``replay`` meta plus the stored events after
        ``last_event_index``, or one ``replay`` with ``total_events: 0``.

        Example::

            fake.restart()
            assert fake.runs[run_id].status == "RUNNING" and not fake.runs[run_id].active
        """
        with self._lock:
            self._generation += 1
            self.restarts += 1
            for run in self.runs.values():
                run.buffered = False
                run.live = False

    def run_count(
        self,
        agent_id: Optional[str] = None,
        *,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
    ) -> int:
        """Number of runs created, all kinds, or of one agent / team / workflow.

        Example::

            assert fake.run_count("assistant") == 1   # a retried create did not start a second run
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

        Example::

            client.run_agent("assistant", "hi")
            assert fake.last_run is not None and fake.last_run.status == "COMPLETED"
        """
        with self._lock:
            return next(reversed(self.runs.values()), None) if self.runs else None

    def requests_to(self, path: str, method: Optional[str] = None) -> List[Request]:
        """Recorded requests whose URL path contains ``path`` (and with ``method``, if given).

        Example::

            assert len(fake.requests_to("/resume")) == 2
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

    # ------------------------------------------------------------------------------------------
    # internals: ids, clock, runs
    # ------------------------------------------------------------------------------------------
    def _now(self) -> int:
        return int(self._clock())

    def _new_id(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _run_or_raise(self, run_id: str) -> FakeRun:
        run = self.runs.get(run_id)
        if run is None:
            raise KeyError(f"no run {run_id!r} on this fake server")
        return run

    def _spec(self, kind: str, component_id: str) -> Optional[_Component]:
        table: Mapping[str, _Component]
        table = self._agents if kind == "agent" else self._teams if kind == "team" else self._workflows
        return table.get(component_id)

    def _spec_of(self, run: FakeRun) -> Optional[_Component]:
        return self._spec(run.kind, run.component_id)

    def _produce(self, run: FakeRun) -> Dict[str, Any]:
        spec = self._spec_of(run)
        event = with_index(run.plan[len(run.events)], run.next_index)
        run.next_index += spec.index_step if spec is not None else 1
        run.events.append(event)
        if run.status == "PENDING":
            run.status = "RUNNING"
        if event.get("run_id") == run.run_id:
            name = str(event.get("event"))
            if name == CONTENT_EVENTS.get(run.kind):
                run.content = (run.content or "") + str(event.get("content") or "")
            terminal = TERMINAL_EVENTS[run.kind].get(name)
            if terminal is not None:
                if run.status != "CANCELLED":
                    run.status = terminal
                if terminal == "PAUSED":
                    run.paused_tools = [dict(t) for t in event.get("tools") or []]
                elif isinstance(event.get("content"), str):
                    run.content = event["content"]
                if isinstance(event.get("metrics"), dict):
                    run.metrics = event["metrics"]
                if name == "WorkflowCompleted":
                    run.step_results = list(event.get("step_results") or [])
                    run.step_executor_runs = list(event.get("step_executor_runs") or [])
        return event

    def _finish(self, run: FakeRun) -> int:
        produced = 0
        while run.active:
            self._produce(run)
            produced += 1
        return produced

    def _cancel(self, run: FakeRun) -> None:
        if not run.active:
            return
        del run.plan[len(run.events) :]
        run.status = "CANCELLED"
        run.plan.extend(self._planner.cancel_tail(run))
        self._finish(run)

    def _client_gone(self, run: FakeRun) -> None:
        """A foreground stream's client disconnected: AgentOS cancels the inline run."""
        with self._lock:
            if run.active:
                del run.plan[len(run.events) :]
                run.status = "CANCELLED"

    def _poll(self, run: FakeRun, spec: _Component) -> None:
        run.polls += 1
        if run.background and not run.stream and run.active:
            if run.polls >= spec.polls_until_done:
                self._finish(run)
            elif run.status == "PENDING":
                run.status = "RUNNING"

    def _new_run(
        self,
        spec: _Component,
        call: _Call,
        message: str,
        session_id: str,
        stream: bool,
        background: bool,
        idempotency_key: Optional[str],
    ) -> FakeRun:
        extra = {k: _decode_field(v) for k, v in call.form.items() if k not in _RUN_FORM_FIELDS}
        # Like the server, a create's run_id form field names the run.
        wanted = extra.pop("run_id", None)
        run = FakeRun(
            run_id=wanted if isinstance(wanted, str) and wanted and wanted not in self.runs else self._new_id(),
            session_id=session_id,
            kind=spec.kind,
            component_id=spec.id,
            component_name=spec.name,
            message=message,
            user_id=call.form.get("user_id") or None,
            stream=stream,
            background=background,
            created_at=self._now(),
            idempotency_key=idempotency_key,
            extra=extra,
        )
        if isinstance(spec, _AgentSpec):
            run.plan = self._planner.agent_plan(spec, run)
        elif isinstance(spec, _TeamSpec):
            run.plan = self._planner.team_plan(spec, run)
        elif isinstance(spec, _WorkflowSpec):
            run.plan = self._planner.workflow_plan(spec, run, self._agents)
        self.runs[run.run_id] = run
        if spec.db:
            self._attach_to_session(run)
        if idempotency_key:
            self._idempotency[idempotency_key] = run.run_id
        return run

    def _attach_to_session(self, run: FakeRun) -> None:
        now = self._now()
        session = self.sessions.get(run.session_id)
        if session is None:
            self._seq += 1
            session = FakeSession(
                session_id=run.session_id,
                session_type=run.kind,
                component_id=run.component_id,
                user_id=run.user_id,
                created_at=now,
                updated_at=now,
                seq=self._seq,
            )
            self.sessions[run.session_id] = session
        if session.component_id is None:
            session.component_id = run.component_id
        session.run_ids.append(run.run_id)
        session.updated_at = now
        state = run.extra.get("session_state")
        if isinstance(state, dict):
            session.session_state = dict(state)

    def _db_run(self, kind: str, component_id: str, run_id: str, session_id: Optional[str]) -> Optional[FakeRun]:
        """The run as the database would return it (its session must still exist)."""
        if not session_id:
            return None
        run = self.runs.get(run_id)
        session = self.sessions.get(session_id)
        if run is None or session is None or run.run_id not in session.run_ids:
            return None
        if run.kind != kind or run.component_id != component_id:
            return None
        return run

    # ------------------------------------------------------------------------------------------
    # request handling
    # ------------------------------------------------------------------------------------------
    def _exchange(self, request: Request) -> _Exchange:
        """Answer one request: faults, then the route. Used by both transports."""
        method = request.method.upper()
        parts = urlsplit(request.url)
        path = parts.path or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        for key, value in (request.params or {}).items():
            query.setdefault(key, []).append(str(value))
        with self._lock:
            fault = self.faults._take("request", method, path)
            if fault is not None and fault.kind == "refuse":
                return _Exchange(refused=True)
            self.requests.append(request)
            if fault is not None:
                chunks = fault.raw_chunks()
                frames = (Frame(c.encode() if isinstance(c, str) else bytes(c)) for c in chunks)
                return _Exchange(
                    status=fault.status,
                    headers=dict(fault.headers),
                    body=Body(frames),
                    streaming=not isinstance(fault.body, (bytes, str)),
                )
            call = _Call(method, path, query, request)
            try:
                reply = self._dispatch(call)
            except _Invalid as invalid:
                reply = invalid.reply
            except Exception as exc:  # a user reply/script callable failed: answer as a server would
                self.errors.append(exc)
                reply = _detail(500, "Internal Server Error")
            header_cut = self.faults._take("headers", method, path)
            frames_iter: Iterator[Frame] = iter(reply.frames)
            stall: Optional[float] = None
            if header_cut is None and reply.sse:
                body_fault = self.faults._take("body", method, path)
                if body_fault is not None:
                    frames_iter = apply_body_fault(frames_iter, body_fault, self.restart)
                    stall = body_fault.seconds
            return _Exchange(
                status=reply.status,
                headers=reply.headers,
                body=Body(frames_iter, reply.on_disconnect),
                cut_headers=header_cut is not None,
                stall_seconds=stall,
                streaming=reply.sse,
            )

    def _check_auth(self, call: _Call) -> None:
        if not self.security_key:
            return
        auth = call.header("authorization")
        scheme, _, token = (auth or "").strip().partition(" ")
        if not auth or scheme.lower() != "bearer" or not token.strip():
            raise _Invalid(_detail(401, "Authorization header required"))
        if token.strip() != self.security_key:
            raise _Invalid(_detail(401, "Invalid authentication token"))

    def _dispatch(self, call: _Call) -> _Reply:
        path = call.path.rstrip("/") or "/"
        allowed: List[str] = []
        for pattern, handlers in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            handler_name = handlers.get(call.method)
            if handler_name is None:
                allowed.extend(handlers)
                continue
            if path != "/health":
                self._check_auth(call)
            handler: Callable[..., _Reply] = getattr(self, handler_name)
            return handler(call, *[unquote(g) for g in match.groups()])
        if allowed:
            return _detail(405, "Method Not Allowed")
        return _detail(404, "Not Found")

    def _component_or_404(self, kind: str, component_id: str) -> _Component:
        spec = self._spec(kind, component_id)
        if spec is None:
            raise _Invalid(_detail(404, _NOT_FOUND[kind]))
        return spec

    @staticmethod
    def _sse(frames: Iterable[Frame], on_disconnect: Optional[Callable[[], None]] = None) -> _Reply:
        return _Reply(200, {"content-type": SSE_CONTENT_TYPE}, frames, sse=True, on_disconnect=on_disconnect)

    # -- discovery -------------------------------------------------------------------------------
    def _h_health(self, call: _Call) -> _Reply:
        return _json(200, {"status": "ok", "instantiated_at": iso(self._started_at)})

    def _model_info(self) -> Dict[str, Any]:
        return {"name": "OpenAIChat", "model": "gpt-fake", "provider": "OpenAI"}

    def _describe(self, spec: _Component) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": spec.id, "name": spec.name}
        if spec.db:
            out["db_id"] = DB_ID
        if spec.description is not None:
            out["description"] = spec.description
        if isinstance(spec, _AgentSpec):
            out["model"] = self._model_info()
            if spec.confirm_tool is not None:
                out["tools"] = {"tools": [{"name": spec.confirm_tool, "requires_confirmation": True}]}
            if spec.db:
                out["sessions"] = {"session_table": "agno_sessions"}
            out.update(filesystem=False, is_factory=False, is_component=False, sandboxed=False)
        elif isinstance(spec, _TeamSpec):
            out["mode"] = spec.mode
            out["model"] = self._model_info()
            if spec.db:
                out["sessions"] = {"session_table": "agno_sessions"}
            out["members"] = [self._describe(self._agents[m]) for m in spec.members if m in self._agents]
        elif isinstance(spec, _WorkflowSpec):
            out["steps"] = [
                {"name": step, "type": "Step", "agent": {"id": agent, "name": self._agents[agent].name}}
                for step, agent in spec.steps
                if agent in self._agents
            ]
            out.update(workflow_agent=False, is_factory=False, is_component=False, sandboxed=False)
        return out

    def _summary(self, spec: _Component) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": spec.id, "name": spec.name}
        if spec.description is not None:
            out["description"] = spec.description
        if spec.db:
            out["db_id"] = DB_ID
        if isinstance(spec, _TeamSpec):
            out["mode"] = spec.mode
        if not isinstance(spec, _WorkflowSpec):
            out["model"] = {"id": "gpt-fake", "provider": "OpenAI"}
        else:
            out.update(is_factory=False, is_component=False)
        out["sandboxed"] = False
        return out

    def _h_config(self, call: _Call) -> _Reply:
        specs: List[_Component] = [*self._agents.values(), *self._teams.values(), *self._workflows.values()]
        has_db = any(s.db for s in specs)
        return _json(
            200,
            {
                "os_id": self.os_id,
                "name": self.name,
                "available_models": [{"id": "gpt-fake", "provider": "OpenAI"}],
                "os_database": DB_ID if has_db else None,
                "databases": [DB_ID] if has_db else [],
                "agents": [self._summary(s) for s in self._agents.values()],
                "teams": [self._summary(s) for s in self._teams.values()],
                "workflows": [self._summary(s) for s in self._workflows.values()],
                "interfaces": [],
                "company": None,
            },
        )

    def _h_list_components(self, call: _Call, plural: str) -> _Reply:
        kind = _KINDS[plural]
        table: Mapping[str, _Component]
        table = self._agents if kind == "agent" else self._teams if kind == "team" else self._workflows
        return _json(200, [self._describe(s) for s in table.values()])

    def _h_get_component(self, call: _Call, plural: str, component_id: str) -> _Reply:
        return _json(200, self._describe(self._component_or_404(_KINDS[plural], component_id)))

    # -- runs ------------------------------------------------------------------------------------
    def _h_create_run(self, call: _Call, plural: str, component_id: str) -> _Reply:
        kind = _KINDS[plural]
        form = call.form
        message = form.get("message")
        if message is None:
            raise _missing(["body", "message"])
        stream = _parse_bool(form.get("stream"), True, ["body", "stream"])
        background = _parse_bool(form.get("background"), False, ["body", "background"])
        spec = self._component_or_404(kind, component_id)
        if background and not spec.db:
            return _detail(400, f"Background execution requires a database to be configured on the {kind}")
        session_id = form.get("session_id") or self._new_id()
        key = (call.header("idempotency-key") or "").strip() or None
        if background and key is not None:
            existing = self.runs.get(self._idempotency.get(key, ""))
            if existing is not None:
                return self._duplicate(existing, spec, stream)
        run = self._new_run(spec, call, message, session_id, stream, background, key if background else None)
        if not background:
            if not stream:
                self._finish(run)
                return _json(200, run_output(run, spec))
            run.status = "RUNNING"
            return self._sse(self._live_frames(run, 0, indexed=False), lambda: self._client_gone(run))
        if stream:
            run.status = "RUNNING"
            run.buffered = True
            return self._sse(self._live_frames(run, 0, indexed=True))
        if spec.polls_until_done <= 0:
            self._finish(run)
        return _json(202, {"run_id": run.run_id, "session_id": run.session_id, "status": "PENDING"})

    def _duplicate(self, run: FakeRun, spec: _Component, stream: bool) -> _Reply:
        """A background create repeating an Idempotency-Key: the original run, not a new one."""
        if run.kind != spec.kind or run.component_id != spec.id:
            return _detail(409, "Idempotency-Key was already used for a different component")
        if not stream:
            return _json(202, {"run_id": run.run_id, "session_id": run.session_id, "status": run.status})
        if not run.stream:
            return _detail(
                409,
                "Idempotency-Key was used by a non-streaming submission; "
                f"poll run {run.run_id} instead of attaching a stream",
            )
        if run.active and run.buffered:
            return self._sse(self._live_frames(run, 0, indexed=True))
        return self._sse(self._resume_frames(run.kind, run.component_id, run.run_id, None, run.session_id))

    def _h_list_runs(self, call: _Call, plural: str, component_id: str) -> _Reply:
        kind = _KINDS[plural]
        session_id = call.q("session_id")
        if session_id is None:
            raise _missing(["query", "session_id"])
        spec = self._component_or_404(kind, component_id)
        session = self.sessions.get(session_id) if spec.db else None
        if session is None or session.session_type != kind or session.component_id not in (None, component_id):
            return _detail(404, "Session not found")
        status = call.q("status")
        out = []
        for run_id in session.run_ids:
            run = self.runs.get(run_id)
            if run is None or run.kind != kind or run.component_id != component_id:
                continue
            if status and run.status != status:
                continue
            out.append(run_schema(run, spec))
        return _json(200, out)

    def _h_get_run(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        session_id = call.q("session_id")
        if session_id is None:
            raise _missing(["query", "session_id"])
        spec = self._component_or_404(kind, component_id)
        run = self._db_run(kind, component_id, run_id, session_id) if spec.db else None
        if run is None:
            return _detail(404, "Run not found")
        self._poll(run, spec)
        return _json(200, run_output(run, spec))

    def _h_cancel(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        self._component_or_404(kind, component_id)
        run = self.runs.get(run_id)
        if run is not None and run.kind == kind and run.component_id == component_id:
            self._cancel(run)
        return _json(200, {})

    def _h_continue(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        form = call.form
        stream = _parse_bool(form.get("stream"), True, ["body", "stream"])
        background = _parse_bool(form.get("background"), False, ["body", "background"])
        raw_tools = form.get("tools") or ""
        try:
            tools = json.loads(raw_tools) if raw_tools else None
        except ValueError:
            return _detail(400, "Invalid JSON in tools field")
        spec = self._component_or_404(kind, component_id)
        session_id = form.get("session_id")
        if not session_id:
            return _detail(400, SESSION_ID_REQUIRED)
        if tools is not None and (not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools)):
            return _detail(400, "Invalid structure or content for tools: expected a JSON list of tool executions")
        run = self._db_run(kind, component_id, run_id, session_id) if spec.db else None
        if run is None:
            return _detail(404, "Run not found")
        if not isinstance(spec, _AgentSpec) or run.status != "PAUSED":
            return _detail(409, f"Run {run_id} is not paused (status: {run.status}); the fake continues paused runs")
        pending = {str(t.get("tool_call_id")): t for t in run.paused_tools or []}
        given = {str(t.get("tool_call_id")): t for t in tools or []}
        unresolved = [
            str(t.get("tool_name")) for cid, t in pending.items() if given.get(cid, {}).get("confirmed") is None
        ]
        if unresolved:
            return _detail(400, f"Run {run_id} has unresolved requirements: {', '.join(unresolved)} needs confirmation")
        resolved = [{**pending[cid], **given[cid]} for cid in pending]
        run.paused_tools = resolved
        run.status = "RUNNING"
        run.live = True
        run.plan.extend(self._planner.agent_continue_plan(spec, run, resolved))
        start = len(run.events)
        if not stream:
            self._finish(run)
            return _json(200, run_output(run, spec))
        run.buffered = True
        if background:
            return self._sse(self._live_frames(run, start, indexed=True))
        return self._sse(self._live_frames(run, start, indexed=False), lambda: self._client_gone(run))

    def _h_resume(self, call: _Call, plural: str, component_id: str, run_id: str) -> _Reply:
        kind = _KINDS[plural]
        form = call.form
        last = _parse_int(form.get("last_event_index"), ["body", "last_event_index"])
        session_id = form.get("session_id") or None
        self._component_or_404(kind, component_id)
        return self._sse(self._resume_frames(kind, component_id, run_id, last, session_id))

    # -- streams ---------------------------------------------------------------------------------
    def _check_generation(self, generation: int) -> None:
        if self._generation != generation:
            raise APIConnectionError("Connection reset: the fake AgentOS server restarted.")

    def _live_frames(self, run: FakeRun, start: int, *, indexed: bool, floor: int = -1) -> Iterator[Frame]:
        """The run's events from position ``start`` on, producing them as they are pulled, until the
        run has no more (or its leg ended with a pause). Cut if the server restarts meanwhile."""
        with self._lock:
            return self._live_gen(run, start, indexed, floor, self._generation)

    def _live_gen(self, run: FakeRun, start: int, indexed: bool, floor: int, generation: int) -> Iterator[Frame]:
        pos = start
        while True:
            with self._lock:
                self._check_generation(generation)
                if pos < len(run.events):
                    event = run.events[pos]
                elif run.active:
                    event = self._produce(run)
                else:
                    return
                pos += 1
                if int(event.get("event_index", pos)) <= floor:
                    continue
                data = event_frame(event if indexed else without_index(event))
                paused = event.get("event") in _PAUSED_EVENTS and event.get("run_id") == run.run_id
            yield Frame(data, is_event=True)
            if paused:
                return

    def _resume_frames(
        self, kind: str, component_id: str, run_id: str, last: Optional[int], session_id: Optional[str]
    ) -> Iterator[Frame]:
        """The four paths of ``/resume`` (see PROTOCOL.md), decided when the body starts."""
        with self._lock:
            return self._resume_gen(kind, component_id, run_id, last, session_id, self._generation)

    def _resume_gen(
        self, kind: str, component_id: str, run_id: str, last: Optional[int], session_id: Optional[str], generation: int
    ) -> Iterator[Frame]:
        floor = last if last is not None else -1
        with self._lock:
            self._check_generation(generation)
            run = self.runs.get(run_id)
            frames: List[Frame] = []
            live_from: Optional[int] = None
            if run is not None and run.buffered:
                missed = [e for e in run.events if int(e["event_index"]) > floor]
                count = len(run.events)
                if run.active:
                    if missed:
                        frames.append(
                            Frame(
                                meta_frame(
                                    {
                                        "event": "catch_up",
                                        "run_id": run_id,
                                        "status": "running",
                                        "missed_events": len(missed),
                                        "current_event_count": count,
                                        "message": f"Catching up on {len(missed)} missed events.",
                                    }
                                )
                            )
                        )
                        frames.extend(Frame(event_frame(e), is_event=True) for e in missed)
                    frames.append(
                        Frame(
                            meta_frame(
                                {
                                    "event": "subscribed",
                                    "run_id": run_id,
                                    "status": "running",
                                    "current_event_count": count,
                                    "message": _SUBSCRIBED[kind],
                                }
                            )
                        )
                    )
                    live_from = count
                else:
                    frames.append(
                        Frame(
                            meta_frame(
                                {
                                    "event": "replay",
                                    "run_id": run_id,
                                    "status": run.status,
                                    "total_events": len(missed),
                                    "total_buffered": count,
                                    "last_event_index_requested": floor,
                                    "message": f"Run {run.status}. Replaying {len(missed)} missed events"
                                    f" (of {count} total).",
                                }
                            )
                        )
                    )
                    frames.extend(Frame(event_frame(e), is_event=True) for e in missed)
            else:
                db_run = self._db_run(kind, component_id, run_id, session_id)
                spec = self._spec(kind, component_id)
                if db_run is not None and spec is not None and spec.db:
                    stored = stored_events(db_run, spec)
                    if stored:
                        replayed = [e for e in stored if int(e["event_index"]) > floor]
                        frames.append(
                            Frame(
                                meta_frame(
                                    {
                                        "event": "replay",
                                        "run_id": run_id,
                                        "status": db_run.status,
                                        "total_events": len(replayed),
                                        "message": "Run completed. Replaying stored events from database.",
                                    }
                                )
                            )
                        )
                        frames.extend(Frame(event_frame(e), is_event=True) for e in replayed)
                    else:
                        frames.append(Frame(meta_frame(_no_stored_events_meta(db_run))))
                else:
                    frames.append(
                        Frame(
                            meta_frame(
                                {
                                    "event": "error",
                                    "error": f"Run {run_id} not found in buffer or database",
                                }
                            )
                        )
                    )
        for frame in frames:
            with self._lock:
                self._check_generation(generation)
            yield frame
        if run is not None and live_from is not None:
            yield from self._live_gen(run, live_from, True, floor, generation)

    # -- sessions --------------------------------------------------------------------------------
    def _session_runs(self, session: FakeSession) -> List[FakeRun]:
        return [self.runs[r] for r in session.run_ids if r in self.runs]

    def _component_name(self, session: FakeSession) -> Optional[str]:
        if session.component_id is None:
            return None
        spec = self._spec(session.session_type, session.component_id)
        return spec.name if spec is not None else None

    def _detail_of(self, session: FakeSession) -> Dict[str, Any]:
        return session_detail(session, self._session_runs(session), self._component_name(session))

    def _session_type(self, call: _Call, *, required_default: Optional[str] = None) -> Optional[str]:
        raw = call.q("type")
        if raw is None:
            return required_default
        if raw not in ("agent", "team", "workflow"):
            raise _invalid(["query", "type"], "enum", "Input should be 'agent', 'team' or 'workflow'", raw)
        return raw

    def _body_json(self, call: _Call, *, required: bool) -> Dict[str, Any]:
        body = call.request.json
        if body is None:
            if required:
                raise _missing(["body"])
            return {}
        if not isinstance(body, dict):
            raise _invalid(
                ["body"],
                "model_attributes_type",
                "Input should be a valid dictionary or object to extract fields from",
                body,
            )
        return body

    def _h_list_sessions(self, call: _Call) -> _Reply:
        session_type = self._session_type(call)
        limit = _parse_int(call.q("limit"), ["query", "limit"])
        page = _parse_int(call.q("page"), ["query", "page"])
        limit = 20 if limit is None else limit
        page = 1 if page is None else page
        if limit < 1:
            raise _invalid(
                ["query", "limit"], "greater_than_equal", "Input should be greater than or equal to 1", str(limit)
            )
        if page < 0:
            raise _invalid(
                ["query", "page"], "greater_than_equal", "Input should be greater than or equal to 0", str(page)
            )
        component_id, user_id, name = call.q("component_id"), call.q("user_id"), call.q("session_name")
        sort_by = call.q("sort_by") or "created_at"
        descending = (call.q("sort_order") or "desc").lower() != "asc"
        found = []
        for session in self.sessions.values():
            runs = self._session_runs(session)
            if session_type is not None and session.session_type != session_type:
                continue
            if component_id is not None and session.component_id != component_id:
                continue
            if user_id is not None and session.user_id != user_id:
                continue
            summary = session_summary(session, runs)
            if name is not None and name.lower() not in str(summary["session_name"]).lower():
                continue
            found.append((session, summary))

        def sort_key(item: Tuple[FakeSession, Dict[str, Any]]) -> Tuple[Any, int]:
            session, summary = item
            if sort_by == "updated_at":
                return (session.updated_at, session.seq)
            if sort_by == "session_name":
                return (str(summary["session_name"]), session.seq)
            return (session.created_at, session.seq)

        found.sort(key=sort_key, reverse=descending)
        total = len(found)
        offset = (max(page, 1) - 1) * limit
        data = [summary for _, summary in found[offset : offset + limit]]
        meta = {
            "page": page,
            "limit": limit,
            "total_pages": (total + limit - 1) // limit,
            "total_count": total,
            "search_time_ms": 0.0,
        }
        return _json(200, {"data": data, "meta": meta})

    def _h_create_session(self, call: _Call) -> _Reply:
        session_type = self._session_type(call, required_default="agent") or "agent"
        body = self._body_json(call, required=False)
        session_id = body.get("session_id") or self._new_id()
        if session_id in self.sessions:
            return _detail(
                409, f"Session with id '{session_id}' already exists. Use PATCH /sessions/{session_id} to update it."
            )
        now = self._now()
        self._seq += 1
        session = FakeSession(
            session_id=str(session_id),
            session_type=session_type,
            component_id=body.get(f"{session_type}_id"),
            user_id=body.get("user_id"),
            created_at=now,
            updated_at=now,
            session_name=body.get("session_name"),
            session_state=body.get("session_state"),
            metadata=body.get("metadata"),
            seq=self._seq,
        )
        self.sessions[session.session_id] = session
        return _json(201, self._detail_of(session))

    def _h_delete_sessions(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
        ids, types = body.get("session_ids"), body.get("session_types")
        for key, value in (("session_ids", ids), ("session_types", types)):
            if value is None:
                raise _missing(["body", key])
            if not isinstance(value, list) or not value:
                raise _invalid(
                    ["body", key], "too_short", "List should have at least 1 item after validation, not 0", value
                )
        assert isinstance(ids, list) and isinstance(types, list)
        if len(ids) != len(types):
            return _detail(400, "Session IDs and session types must have the same length")
        for session_id in ids:
            self.sessions.pop(str(session_id), None)
        return _no_content()

    def _session_or_404(self, session_id: str, session_type: Optional[str], detail: str) -> FakeSession:
        session = self.sessions.get(session_id)
        if session is None or (session_type is not None and session.session_type != session_type):
            raise _Invalid(_detail(404, detail))
        return session

    def _h_get_session(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        detail = (
            f"Session with id '{session_id}' not found"
            if session_type is None
            else f"{session_type.title()} Session with id '{session_id}' not found"
        )
        return _json(200, self._detail_of(self._session_or_404(session_id, session_type, detail)))

    def _h_update_session(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        body = self._body_json(call, required=True)
        session = self._session_or_404(session_id, session_type, f"Session with id '{session_id}' not found")
        if body.get("session_name") is not None:
            session.session_name = str(body["session_name"])
        if body.get("session_state") is not None:
            session.session_state = body["session_state"]
        if body.get("metadata") is not None:
            session.metadata = body["metadata"]
        if body.get("summary") is not None:
            session.summary = body["summary"]
        session.updated_at = self._now()
        return _json(200, self._detail_of(session))

    def _h_delete_session(self, call: _Call, session_id: str) -> _Reply:
        self.sessions.pop(session_id, None)
        return _no_content()

    def _h_rename_session(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        body = self._body_json(call, required=True)
        if "session_name" not in body:
            raise _missing(["body", "session_name"])
        session = self._session_or_404(session_id, session_type, f"Session with id '{session_id}' not found")
        session.session_name = str(body["session_name"])
        session.updated_at = self._now()
        return _json(200, self._detail_of(session))

    def _h_session_runs(self, call: _Call, session_id: str) -> _Reply:
        session_type = self._session_type(call)
        wanted = {s.upper() for s in call.query.get("status", [])}
        unknown = sorted(wanted - set(_RUN_STATUSES))
        if unknown:
            return _detail(400, f"Invalid status value(s) {unknown}; expected one of {_RUN_STATUSES}")
        session = self._session_or_404(session_id, session_type, f"Session with ID {session_id} not found")
        after, before = (
            _parse_int(call.q("created_after"), ["query", "created_after"]),
            _parse_int(call.q("created_before"), ["query", "created_before"]),
        )
        out = []
        for run in self._session_runs(session):
            if wanted and run.status not in wanted:
                continue
            if after is not None and run.created_at < after:
                continue
            if before is not None and run.created_at > before:
                continue
            out.append(run_schema(run, self._spec_of(run)))
        return _json(200, out)

    def _h_session_run(self, call: _Call, session_id: str, run_id: str) -> _Reply:
        session_type = self._session_type(call)
        session = self._session_or_404(session_id, session_type, f"Session with ID {session_id} not found")
        runs = self._session_runs(session)
        if not runs:
            return _detail(404, f"Session with ID {session_id} has no runs")
        for run in runs:
            if run.run_id == run_id:
                return _json(200, run_schema(run, self._spec_of(run)))
        return _detail(404, f"Run with ID {run_id} not found in session {session_id}")


def _no_stored_events_meta(run: FakeRun) -> Dict[str, Any]:
    if run.status in ("PENDING", "RUNNING"):
        message = (
            f"Run is {run.status} and was submitted without streaming, so it has no event stream to attach to. "
            "Poll the run endpoint for its result."
        )
    else:
        message = (
            f"Run {run.status} with no stored events: a run submitted without streaming keeps only its final output."
        )
    return {"event": "replay", "run_id": run.run_id, "status": run.status, "total_events": 0, "message": message}


_C = r"(agents|teams|workflows)"
_ID = r"([^/]+)"
_ROUTES: List[Tuple[re.Pattern[str], Dict[str, str]]] = [
    (re.compile(r"/health"), {"GET": "_h_health"}),
    (re.compile(r"/config"), {"GET": "_h_config"}),
    (re.compile(rf"/{_C}"), {"GET": "_h_list_components"}),
    (re.compile(rf"/{_C}/{_ID}"), {"GET": "_h_get_component"}),
    (re.compile(rf"/{_C}/{_ID}/runs"), {"POST": "_h_create_run", "GET": "_h_list_runs"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}"), {"GET": "_h_get_run"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}/cancel"), {"POST": "_h_cancel"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}/continue"), {"POST": "_h_continue"}),
    (re.compile(rf"/{_C}/{_ID}/runs/{_ID}/resume"), {"POST": "_h_resume"}),
    (
        re.compile(r"/sessions"),
        {"GET": "_h_list_sessions", "POST": "_h_create_session", "DELETE": "_h_delete_sessions"},
    ),
    (
        re.compile(rf"/sessions/{_ID}"),
        {"GET": "_h_get_session", "PATCH": "_h_update_session", "DELETE": "_h_delete_session"},
    ),
    (re.compile(rf"/sessions/{_ID}/rename"), {"POST": "_h_rename_session"}),
    (re.compile(rf"/sessions/{_ID}/runs"), {"GET": "_h_session_runs"}),
    (re.compile(rf"/sessions/{_ID}/runs/{_ID}"), {"GET": "_h_session_run"}),
]
