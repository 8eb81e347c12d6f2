"""What a FakeAgentOS holds, and the run machinery that moves it: the plain object every route
handler receives (see docs/architecture.md, 'The fake server').

State is attributes (dicts, lists, switches), most of them documented on `FakeAgentOS` for tests to
read and script; the methods are the ones several areas share: ids and the clock, component
lookups, and runs (create, produce the next event, finish, cancel, poll, find as the database
would)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple

from ..transports.base import Request
from ._events import CONTENT_EVENTS, TERMINAL_EVENTS, Planner, with_index
from ._faults import FaultPlan
from ._model import FakeRun, FakeSession, _AgentSpec, _Component, _TeamSpec, _WorkflowSpec
from ._records import FakeContent, FakeEvalRun, FakeMemory
from ._shapes import approval_row
from ._wire import _KINDS, _NOT_FOUND, _RUN_FORM_FIELDS, _Call, _decode_field, _detail, _Invalid, _Reply


class _State:
    """The server's state and run machinery, under `FakeAgentOS` (which documents the attributes)."""

    #: Answers a request made inside the server (a schedule's trigger calls an endpoint of the
    #: server itself): the router's, which `FakeAgentOS` gives its state.
    _dispatch: Callable[[_Call], _Reply]

    def __init__(
        self,
        *,
        security_key: Optional[str],
        os_id: str,
        name: str,
        seed: Optional[int],
        clock: Optional[Callable[[], float]],
        knowledge: bool,
    ) -> None:
        self._lock = threading.RLock()
        self.security_key = security_key
        self.os_id = os_id
        self.name = name
        #: Scripted faults; see `FaultPlan`.
        self.faults = FaultPlan(self._lock)
        #: Every request that reached the server (refused sends excluded), in arrival order.
        self.requests: List[Request] = []
        #: Every top-level run, by run_id (workflow steps' nested agent runs are not listed).
        self.runs: Dict[str, FakeRun] = {}
        #: Stored sessions, by session_id.
        self.sessions: Dict[str, FakeSession] = {}
        #: How many times the server restarted (`restart` or a restart fault).
        self.restarts = 0
        #: Exceptions raised while answering (a reply callable that failed); each became a 500.
        self.errors: List[BaseException] = []
        #: Whether the server has a knowledge base (without one, /knowledge/* answers 503).
        self.knowledge_enabled = knowledge
        #: Stored memories, by memory_id.
        self.memories: Dict[str, FakeMemory] = {}
        #: Knowledge contents, by id.
        self.knowledge_contents: Dict[str, FakeContent] = {}
        #: Stored eval runs, by id.
        self.eval_runs: Dict[str, FakeEvalRun] = {}
        #: Stored approvals, by id (agno's approval rows).
        self.approvals: Dict[str, Dict[str, Any]] = {}
        #: Stored schedules, by id; and each schedule's runs, newest last.
        self.schedules: Dict[str, Dict[str, Any]] = {}
        self.schedule_runs: Dict[str, List[Dict[str, Any]]] = {}
        #: Whether ``/schedules`` is on (``AgentOS(scheduler=True)``).
        self.scheduler_enabled = True
        #: Whether ``/queue`` is on (``QueueConfig(durable=True)``); its jobs are the server's runs.
        self.durable_queue = False
        #: Media in the server's media storage: (session_id, storage_key) -> bytes. Empty means
        #: no media storage is configured, and the route answers agno's 503.
        self.media: Dict[Tuple[str, str], bytes] = {}
        #: Stored components, by component_id; their config versions, by component_id.
        self.components: Dict[str, Dict[str, Any]] = {}
        self.component_configs: Dict[str, List[Dict[str, Any]]] = {}
        #: What ``/registry`` lists (``{"name", "type", ...}`` entries); empty by default.
        self.registry: List[Dict[str, Any]] = []
        #: Stored learnings, by learning_id.
        self.learnings: Dict[str, Dict[str, Any]] = {}
        self._agents: Dict[str, _AgentSpec] = {}
        self._teams: Dict[str, _TeamSpec] = {}
        self._workflows: Dict[str, _WorkflowSpec] = {}
        self._approval_agents: Set[str] = set()
        self._metrics_refresh: Dict[str, Any] = {"status": "idle", "started_at": None, "finished_at": None}
        self._idempotency: Dict[str, str] = {}
        self._generation = 0
        self._seq = 0
        self._rng = random.Random(seed)
        self._clock: Callable[[], float] = clock or time.time
        self._started_at = self._clock()
        self._planner = Planner(self._now, self._new_id)

    def restart(self) -> None:
        """Restart the server: event buffers and live runs are dropped, open streams are cut (their
        next read raises ``APIConnectionError``; over HTTP the socket closes).

        What survives is what a real AgentOS keeps in its database: agents, sessions, runs with
        their stored status (a run that was RUNNING or PENDING stays so: nothing executes it any
        more) and, for components with ``store_events``, the events streamed runs produced so far.
        ``/resume`` then takes the database path: ``replay`` meta plus the stored events after
        ``last_event_index``, or one ``replay`` with ``total_events: 0``.

        Example:
            ```python
            fake.restart()
            assert fake.runs[run_id].status == "RUNNING" and not fake.runs[run_id].active
            ```
        """
        with self._lock:
            self._generation += 1
            self.restarts += 1
            for run in self.runs.values():
                run.buffered = False
                run.live = False

    # ------------------------------------------------------------------------------------------
    # ids, clock, components
    # ------------------------------------------------------------------------------------------
    def _now(self) -> int:
        return int(self._clock())

    def _new_id(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _table(self, kind: str) -> Mapping[str, _Component]:
        return self._agents if kind == "agent" else self._teams if kind == "team" else self._workflows

    def _spec(self, kind: str, component_id: str) -> Optional[_Component]:
        return self._table(kind).get(component_id)

    def _spec_of(self, run: FakeRun) -> Optional[_Component]:
        return self._spec(run.kind, run.component_id)

    def _component_or_404(self, kind: str, component_id: str) -> _Component:
        spec = self._spec(kind, component_id)
        if spec is None:
            raise _Invalid(_detail(404, _NOT_FOUND[kind]))
        return spec

    def _routed_component(self, plural: str, component_id: str) -> Tuple[str, _Component]:
        """The kind (``agents`` -> ``agent``) and the component a route's path names, or 404."""
        kind = _KINDS[plural]
        return kind, self._component_or_404(kind, component_id)

    # ------------------------------------------------------------------------------------------
    # runs
    # ------------------------------------------------------------------------------------------
    def _run_or_raise(self, run_id: str) -> FakeRun:
        run = self.runs.get(run_id)
        if run is None:
            raise KeyError(f"no run {run_id!r} on this fake server")
        return run

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
        if run.status == "PAUSED" and run.component_id in self._approval_agents:
            self._ask_approval(run)
        return event

    def _ask_approval(self, run: FakeRun) -> None:
        """A run paused on a tool that needs an admin's approval stores a pending one (once)."""
        if not any(a["run_id"] == run.run_id and a["status"] == "pending" for a in self.approvals.values()):
            approval = approval_row(run, self._new_id(), self._now())
            self.approvals[approval["id"]] = approval

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

    def _cancel_routed(self, kind: str, component_id: str, run_id: str) -> None:
        """Cancel the run if it is this component's (an unknown run is no error, as in agno)."""
        run = self.runs.get(run_id)
        if run is not None and run.kind == kind and run.component_id == component_id:
            self._cancel(run)

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
            session = FakeSession(
                session_id=run.session_id,
                session_type=run.kind,
                component_id=run.component_id,
                user_id=run.user_id,
                created_at=now,
                updated_at=now,
                seq=self._next_seq(),
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
