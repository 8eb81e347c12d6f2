"""Layer 1: ``AgentOSClient``, the public, blocking client: a composition of resources.

``client.agents``, ``client.teams``, ``client.workflows`` (one `Runs`
class, three kinds) and ``client.sessions`` share one `HTTPCore`, which
builds requests, maps status codes to exceptions and hands bodies to the resources. The client
knows nothing of sockets (that is the transport's business) and holds no per-call state, so one
client is safe to share between threads: the usual module-level client of a Django project. A
stream is not: one stream, one consumer.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
    overload,
)

from . import events
from ._http import HTTPCore, TimeoutArg, normalize_base_url, normalize_timeout, validate
from ._observe import EventHooks, Observer, check_event_hooks, configure_logging_from_env, secret_names
from ._otel import tracing_for
from ._raw import RawClient
from .a2a import A2A
from .cursors import RunCursor
from .models import AgentSummary, ConfigResponse, ServerInfo, TeamSummary, WorkflowSummary
from .resources._base import CallOptions, unknown_keyword
from .resources._run_kinds import AGENT, TEAM, WORKFLOW
from .resources._uploads import FileInput
from .resources.approvals import Approvals
from .resources.components import Components
from .resources.databases import Databases
from .resources.evals import Evals
from .resources.info import Server
from .resources.knowledge import Knowledge
from .resources.learnings import Learnings
from .resources.memories import Memories
from .resources.metrics import Metrics
from .resources.queue import Queue
from .resources.runs import Runs
from .resources.schedules import Schedules
from .resources.sessions import Sessions
from .resources.traces import Traces
from .retry import ReconnectPolicy, RetryPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES
from .streams import RunStream
from .transports.base import Transport

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .concurrency import RunManyOptions, RunRequestLike, RunResult

__all__ = ["AgentOSClient", "FileInput"]

#: The environment variables a client reads when the argument is not passed (the CLI reads the same).
ENV_BASE_URL = "AGENTOS_URL"
ENV_API_KEY = "AGENTOS_API_KEY"
DEFAULT_BASE_URL = "http://localhost:7777"

F = TypeVar("F", bound=Callable[..., Any])


def _env(name: str) -> Optional[str]:
    # An empty (or blank) variable is as if unset: ``AGENTOS_API_KEY= cmd`` must not send "Bearer ".
    value = os.environ.get(name, "").strip()
    return value or None


def _typo_safe(init: F) -> F:
    """A constructor keyword that does not exist gets the same "did you mean" as a method's."""
    known = frozenset(p for p in inspect.signature(init).parameters if p != "self")

    @functools.wraps(init)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        for key in kwargs:
            if key not in known:
                raise unknown_keyword(f"{type(self).__name__}()", key, known)
        return init(self, *args, **kwargs)

    return cast(F, checked)


#: What ``with_options`` may change; the pool's own settings (transport, verify, ...) are shared.
_DERIVABLE = frozenset(
    {
        "base_url",
        "api_key",
        "timeout",
        "max_retries",
        "retry",
        "reconnect",
        "headers",
        "max_event_bytes",
        "event_hooks",
        "secret_headers",
        "tracer_provider",
    }
)


T = TypeVar("T")


class alias(Generic[T]):
    """A compatibility name: on an instance, the resource method it names (so ``help()`` and
    editors show that method's parameters and docstring); on the class, a function taking the
    client first, so it can be wrapped or monkeypatched like a method."""

    def __init__(self, get: Callable[[AgentOSClient], T]) -> None:
        self._get = get
        self.__doc__ = (
            "agno's name for a resource method: on an instance it is that method, with its docstring "
            "and example (client.run_agent is client.agents.run)."
        )

    @overload
    def __get__(self, obj: None, owner: Type[AgentOSClient]) -> alias[T]: ...

    @overload
    def __get__(self, obj: AgentOSClient, owner: Type[AgentOSClient]) -> T: ...

    def __get__(self, obj: Optional[AgentOSClient], owner: Type[AgentOSClient]) -> Union[T, alias[T]]:
        return self if obj is None else self._get(obj)

    def __call__(self, client: AgentOSClient, *args: Any, **kwargs: Any) -> Any:
        method: Callable[..., Any] = self._get(client)  # type: ignore[assignment]
        return method(*args, **kwargs)


class AgentOSClient:
    """A blocking, thread-safe client for an AgentOS server.

    ``timeout`` is seconds, or ``(connect, read)`` as in requests; on a stream, ``read`` is the
    longest silence tolerated before the stream counts as cut. ``retry`` (a `RetryPolicy`) governs
    plain requests (connection errors and 429/502/503/504, honouring ``Retry-After``; a run is
    never created twice); ``max_retries=N`` is the short form of ``RetryPolicy(max_retries=N)``
    (default 2). ``reconnect`` (a `ReconnectPolicy`) governs resumable streams. ``api_key`` is sent as
    ``Authorization: Bearer`` and never shown. Not passed, ``base_url`` comes from
    ``$AGENTOS_URL`` (else ``http://localhost:7777``) and ``api_key`` from ``$AGENTOS_API_KEY``.

    Observing it (docs/observe.md): ``event_hooks={"request": [...], "response": [...]}`` see
    every exchange; ``secret_headers`` names headers never shown (like the key);
    ``tracer_provider`` an OpenTelemetry provider (default: the global one, once configured).
    `with_options` derives a client sharing the pool; `with_raw_response` gives the
    HTTP side of a call.

    The client is a composition of resources, one per AgentOS area, over one shared request
    core: ``client.agents``, ``client.teams``, ``client.workflows`` (`Runs`:
    ``run``, ``stream``, ``resume``, ``continue_run``, ``continue_stream``, ``get_run``,
    ``list_runs``, ``wait``, ``cancel``, ``list``, ``get``) and ``client.sessions``
    (`Sessions`). agno's ``AgentOSClient`` names (``run_agent``,
    ``run_team_stream``, ``get_sessions``, ...) are the same methods under their agno names.

    Example:
        ```python
        from agentos_sync import AgentOSClient, events

        client = AgentOSClient("http://localhost:7777")
        print(client.agents.run("assistant", "What is 2 + 2?").content)
        for ev in client.agents.stream("assistant", "Tell me a joke"):
            if isinstance(ev, events.RunContentEvent):
                print(ev.content, end="")
        client.run_agent("assistant", "Hi")          # agno's name for client.agents.run
        ```
    """

    @_typo_safe
    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        api_key: Optional[str] = None,
        timeout: TimeoutArg = (10.0, 300.0),
        max_retries: Optional[int] = None,
        retry: Optional[RetryPolicy] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        transport: Optional[Transport] = None,
        headers: Optional[Mapping[str, str]] = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        pool_maxsize: int = 10,
        verify: Union[bool, str] = True,
        cert: Optional[Union[str, Tuple[str, str]]] = None,
        event_hooks: Optional[EventHooks] = None,
        secret_headers: Optional[Sequence[str]] = None,
        tracer_provider: Any = None,
    ) -> None:
        configure_logging_from_env()
        if base_url is None:
            base_url = _env(ENV_BASE_URL) or DEFAULT_BASE_URL
        if api_key is None:
            api_key = _env(ENV_API_KEY)
        url = normalize_base_url(base_url)
        if api_key is not None and (not isinstance(api_key, str) or not api_key):
            raise TypeError("api_key must be a non-empty str or None")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError("retry must be a RetryPolicy")
        if max_retries is not None:  # the short form wins over the policy's count
            retry = dataclasses.replace(retry or RetryPolicy(), max_retries=max_retries)
        if reconnect is not None and not isinstance(reconnect, ReconnectPolicy):
            raise TypeError("reconnect must be a ReconnectPolicy")
        if isinstance(max_event_bytes, bool) or not isinstance(max_event_bytes, int) or max_event_bytes < 1024:
            raise ValueError(f"max_event_bytes must be an int >= 1024, got {max_event_bytes!r}")
        if transport is None:
            from .transports.requests import RequestsTransport

            transport = RequestsTransport(pool_maxsize=pool_maxsize, verify=verify, cert=cert)
        elif not isinstance(transport, Transport):
            raise TypeError("transport must be an agentos_sync.transports.Transport")
        self.base_url = url
        self.retry = retry or RetryPolicy()
        self.reconnect = reconnect or ReconnectPolicy()
        observer = Observer(
            base_url=url,
            event_hooks=check_event_hooks(event_hooks),
            secret_headers=secret_names(secret_headers),
            tracing=tracing_for(tracer_provider),
        )
        # What with_options starts from (the pool's settings are shared, not copied).
        self._settings: Dict[str, Any] = dict(
            base_url=url,
            api_key=api_key,
            timeout=timeout,
            retry=retry,
            reconnect=reconnect,
            headers=dict(headers or {}),
            max_event_bytes=max_event_bytes,
            event_hooks=event_hooks,
            secret_headers=secret_headers,
            tracer_provider=tracer_provider,
        )
        self._http = HTTPCore(
            base_url=url,
            api_key=api_key,
            timeout=normalize_timeout(timeout),
            retry=self.retry,
            transport=transport,
            headers=headers,
            max_event_bytes=max_event_bytes,
            observer=observer,
        )
        #: Agents: run, stream, resume, continue, inspect and cancel their runs; list and get them.
        self.agents = Runs(self._http, AGENT, AgentSummary, reconnect=self.reconnect, max_event_bytes=max_event_bytes)
        #: Teams: the same methods as `agents`.
        self.teams = Runs(self._http, TEAM, TeamSummary, reconnect=self.reconnect, max_event_bytes=max_event_bytes)
        #: Workflows: the same methods as `agents`.
        self.workflows = Runs(
            self._http, WORKFLOW, WorkflowSummary, reconnect=self.reconnect, max_event_bytes=max_event_bytes
        )
        #: Sessions: create, list, get, runs, get_run, rename, update, delete, delete_many.
        self.sessions = Sessions(self._http)
        #: Memories: create, get, list, update, delete, delete_many, topics, user_stats, optimize.
        self.memories = Memories(self._http)
        #: Knowledge: upload, update, list, get, delete, delete_all, status, wait, search, config.
        self.knowledge = Knowledge(self._http)
        #: Evals: run, list, get, update, delete_many.
        self.evals = Evals(self._http)
        #: Traces: list, get, session_stats, search.
        self.traces = Traces(self._http)
        #: Metrics: get, refresh, refresh_status.
        self.metrics = Metrics(self._http)
        #: Databases: migrate, migrate_all.
        self.databases = Databases(self._http)
        #: Approvals of paused tool calls: list, count, get, status, resolve, delete, wait.
        self.approvals = Approvals(self._http)
        #: Cron schedules: create, list, get, update, delete, enable, disable, trigger, runs, get_run.
        self.schedules = Schedules(self._http)
        #: Durable-queue jobs: list, get, requeue, stats.
        self.queue = Queue(self._http)
        #: Stored components and their config versions, and the registry.
        self.components = Components(self._http)
        #: Learnings: list, create, get, update, delete, users, delete_user.
        self.learnings = Learnings(self._http)
        self._server = Server(self._http)
        #: The A2A interface: agent_card, send, stream, get_task, cancel_task, wait.
        self.a2a = A2A(self._http)
        self._by_kind: Dict[str, Runs[Any]] = {"agent": self.agents, "team": self.teams, "workflow": self.workflows}

    # -- derived clients and raw responses --------------------------------------------------

    def with_options(self, **overrides: Any) -> AgentOSClient:
        """A client with some options changed that shares this one's connection pool.

        Accepts ``base_url``, ``api_key``, ``timeout``, ``max_retries``, ``retry``, ``reconnect``,
        ``headers`` (merged over this client's), ``max_event_bytes``, ``event_hooks``,
        ``secret_headers`` and ``tracer_provider``. The pool belongs to the client that made
        it: closing a derived client leaves it open for the others, closing this one closes it
        (once) and with it every derived client.

        Example:
            ```python
            client = AgentOSClient(url)
            patient = client.with_options(timeout=600, max_retries=5)
            patient.agents.run("researcher", "Summarise the archive")
            ```
        """
        for key in overrides:
            if key not in _DERIVABLE:
                hint = (
                    "(the pool's own settings are shared: make a new client to change them)"
                    if key in ("transport", "pool_maxsize", "verify", "cert")
                    else ""
                )
                raise unknown_keyword("AgentOSClient.with_options()", key, _DERIVABLE, hint)
        if self.closed:
            raise RuntimeError("This AgentOSClient is closed; create a new one.")
        settings = {**self._settings, **overrides}
        if "headers" in overrides:
            settings["headers"] = {**self._settings["headers"], **dict(overrides["headers"] or {})}
        derived = AgentOSClient(transport=self.transport, **settings)
        derived._http.pool, derived._http._owns_pool = self._http.pool, False
        return derived

    @property
    def with_raw_response(self) -> Any:
        """This client's methods, returning a `RawResponse` (status,
        headers, elapsed time, retries taken, request id, and the parsed result) instead of the
        parsed result, as openai-python's ``with_raw_response``.

        Example:
            ```python
            raw = client.with_raw_response.agents.run("assistant", "Hi")
            print(raw.status_code, raw.headers["content-type"], raw.elapsed, raw.retries_taken)
            out = raw.parse()          # the RunOutput
            ```
        """
        return RawClient(self)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def transport(self) -> Transport:
        """The transport every request goes through.

        Example:
            ```python
            client.transport.close()     # what client.close() does, among other things
            ```
        """
        return self._http.transport

    @property
    def timeout(self) -> Tuple[float, float]:
        """The default ``(connect, read)`` timeout of every request (a call's ``timeout=`` overrides it).

        Example:
            ```python
            assert AgentOSClient(timeout=5).timeout == (5.0, 5.0)
            ```
        """
        return self._http.timeout

    def close(self) -> None:
        """Close the transport's pooled connections. Idempotent; the client is unusable after.

        Example:
            ```python
            client = AgentOSClient("http://localhost:7777")
            try:
                client.agents.run("assistant", "Hi")
            finally:
                client.close()          # or: with AgentOSClient(...) as client:
            ```
        """
        self._http.close()

    @property
    def closed(self) -> bool:
        """True once `close` ran.

        Example:
            ```python
            with AgentOSClient() as client:
                ...
            assert client.closed
            ```
        """
        return self._http.closed

    def __enter__(self) -> AgentOSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AgentOSClient(base_url={self.base_url!r})"

    # -- agno's AgentOSClient names ------------------------------------------------------------
    # Each is the resource method itself (same parameters, same docstring): one line, no logic.

    list_agents = alias(lambda c: c.agents.list)
    get_agent = alias(lambda c: c.agents.get)
    run_agent = alias(lambda c: c.agents.run)
    run_agent_stream = alias(lambda c: c.agents.stream)
    resume_run_stream = alias(lambda c: c.agents.resume)
    resume_agent_run_stream = alias(lambda c: c.agents.resume)
    continue_agent_run = alias(lambda c: c.agents.continue_run)
    continue_agent_run_stream = alias(lambda c: c.agents.continue_stream)
    get_agent_run = alias(lambda c: c.agents.get_run)
    list_agent_runs = alias(lambda c: c.agents.list_runs)
    wait_for_agent_run = alias(lambda c: c.agents.wait)
    cancel_agent_run = alias(lambda c: c.agents.cancel)
    list_teams = alias(lambda c: c.teams.list)
    get_team = alias(lambda c: c.teams.get)
    run_team = alias(lambda c: c.teams.run)
    run_team_stream = alias(lambda c: c.teams.stream)
    resume_team_run_stream = alias(lambda c: c.teams.resume)
    continue_team_run = alias(lambda c: c.teams.continue_run)
    continue_team_run_stream = alias(lambda c: c.teams.continue_stream)
    get_team_run = alias(lambda c: c.teams.get_run)
    list_team_runs = alias(lambda c: c.teams.list_runs)
    wait_for_team_run = alias(lambda c: c.teams.wait)
    cancel_team_run = alias(lambda c: c.teams.cancel)
    list_workflows = alias(lambda c: c.workflows.list)
    get_workflow = alias(lambda c: c.workflows.get)
    run_workflow = alias(lambda c: c.workflows.run)
    run_workflow_stream = alias(lambda c: c.workflows.stream)
    resume_workflow_run_stream = alias(lambda c: c.workflows.resume)
    continue_workflow_run = alias(lambda c: c.workflows.continue_run)
    continue_workflow_run_stream = alias(lambda c: c.workflows.continue_stream)
    get_workflow_run = alias(lambda c: c.workflows.get_run)
    list_workflow_runs = alias(lambda c: c.workflows.list_runs)
    wait_for_workflow_run = alias(lambda c: c.workflows.wait)
    cancel_workflow_run = alias(lambda c: c.workflows.cancel)
    create_session = alias(lambda c: c.sessions.create)
    get_sessions = alias(lambda c: c.sessions.list)
    get_session = alias(lambda c: c.sessions.get)
    get_session_runs = alias(lambda c: c.sessions.runs)
    get_session_run = alias(lambda c: c.sessions.get_run)
    rename_session = alias(lambda c: c.sessions.rename)
    update_session = alias(lambda c: c.sessions.update)
    delete_session = alias(lambda c: c.sessions.delete)
    delete_sessions = alias(lambda c: c.sessions.delete_many)
    get_session_run_previews = alias(lambda c: c.sessions.run_previews)
    aget_session_run_previews = alias(lambda c: c.sessions.run_previews)
    aget_agent = alias(lambda c: c.agents.get)
    aget_team = alias(lambda c: c.teams.get)
    aget_workflow = alias(lambda c: c.workflows.get)
    aget_config = alias(lambda c: c.get_config)
    create_memory = alias(lambda c: c.memories.create)
    get_memory = alias(lambda c: c.memories.get)
    list_memories = alias(lambda c: c.memories.list)
    update_memory = alias(lambda c: c.memories.update)
    delete_memory = alias(lambda c: c.memories.delete)
    delete_memories = alias(lambda c: c.memories.delete_many)
    get_memory_topics = alias(lambda c: c.memories.topics)
    get_user_memory_stats = alias(lambda c: c.memories.user_stats)
    optimize_memories = alias(lambda c: c.memories.optimize)
    upload_knowledge_content = alias(lambda c: c.knowledge.upload)
    update_knowledge_content = alias(lambda c: c.knowledge.update)
    list_knowledge_content = alias(lambda c: c.knowledge.list)
    get_knowledge_content = alias(lambda c: c.knowledge.get)
    delete_knowledge_content = alias(lambda c: c.knowledge.delete)
    delete_all_knowledge_content = alias(lambda c: c.knowledge.delete_all)
    get_knowledge_content_status = alias(lambda c: c.knowledge.status)
    search_knowledge = alias(lambda c: c.knowledge.search)
    get_knowledge_config = alias(lambda c: c.knowledge.config)
    run_eval = alias(lambda c: c.evals.run)
    list_eval_runs = alias(lambda c: c.evals.list)
    get_eval_run = alias(lambda c: c.evals.get)
    update_eval_run = alias(lambda c: c.evals.update)
    delete_eval_runs = alias(lambda c: c.evals.delete_many)
    get_traces = alias(lambda c: c.traces.list)
    get_trace = alias(lambda c: c.traces.get)
    get_trace_session_stats = alias(lambda c: c.traces.session_stats)
    search_traces = alias(lambda c: c.traces.search)
    get_metrics = alias(lambda c: c.metrics.get)
    refresh_metrics = alias(lambda c: c.metrics.refresh)
    get_metrics_refresh_status = alias(lambda c: c.metrics.refresh_status)
    migrate_database = alias(lambda c: c.databases.migrate)

    # -- the server ------------------------------------------------------------------------

    def health(self) -> Dict[str, Any]:
        """``GET /health``: ``{"status": "ok", ...}`` when the server is up.

        Example:
            ```python
            assert client.health()["status"] == "ok"
            ```
        """
        data = self._http.json("GET", ["health"])
        return data if isinstance(data, dict) else {"status": data}

    def info(self, **options: Unpack[CallOptions]) -> ServerInfo:
        """``GET /info``: the server's id, versions, counts, ``auth_mode`` and MCP path, answered
        without credentials (a free probe before anything else is asked).

        Example:
            ```python
            info = client.info()
            print(info.agno_version, info.auth_mode)
            ```
        """
        return self._server.info(**options)

    def get_config(self) -> ConfigResponse:
        """What this AgentOS serves: its agents, teams, workflows and databases.

        Example:
            ```python
            print([a.id for a in client.get_config().agents])
            ```
        """
        return validate(ConfigResponse, self._http.json("GET", ["config"]), "AgentOS")

    def for_kind(self, kind: str) -> Runs[Any]:
        """The runs resource of a kind named at run time: ``"agent"``, ``"team"`` or ``"workflow"``.

        Example:
            ```python
            client.for_kind("team").run("duo", "Plan a trip")     # same as client.teams.run(...)
            ```
        """
        try:
            return self._by_kind[kind]
        except (KeyError, TypeError):
            raise ValueError(f"kind must be one of {', '.join(self._by_kind)}; got {kind!r}") from None

    # -- concurrency -----------------------------------------------------------------------------

    def run_many(self, requests: Iterable[RunRequestLike], **options: Unpack[RunManyOptions]) -> List[RunResult]:
        """Run many runs on a bounded thread pool; results in input order, each run's error
        captured in its result rather than raised half-way. See `agentos_sync.concurrency.run_many`.

        Example:
            ```python
            results = client.run_many([("assistant", "Hi"), ("assistant", "What is 2 + 2?")], max_workers=4)
            for r in results:
                print(r.output.content if r.ok else r.error)
            ```
        """
        from .concurrency import run_many

        return run_many(self, requests, **options)

    def resume(
        self,
        cursor: Union[RunCursor, str],
        *,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        include_meta: bool = False,
        **options: Unpack[CallOptions],
    ) -> RunStream:
        """Re-attach to the run a `RunCursor` (or its string) names,
        in this process, yielding exactly the events after the cursor's ``last_event_index``.

        ``stream.cursor`` makes one; it may come from another process, a task queue or a
        database. The server's meta events (``CatchUpEvent``, ``ReplayEvent``, ...) go to
        ``on_reconnect`` unless ``include_meta=True``: a cursor promises the events after it, which
        is what a checkpointing consumer (a task, a relay) iterates. ``client.agents.resume(...)``
        with the cursor's fields is the same call with ``include_meta=True`` as its default (agno's
        ``resume_run_stream`` yields them). A run the server no longer knows raises
        ``NotFoundError`` or ``RunNotFoundError``; a finished run yields what it had left.

        Example:
            ```python
            stream = client.resume(RunCursor.from_string(saved))
            for ev in stream:
                handle(ev)
            ```
        """
        if isinstance(cursor, str):
            cursor = RunCursor.from_string(cursor)
        elif not isinstance(cursor, RunCursor):
            raise TypeError(f"cursor must be a RunCursor or its string, got {type(cursor).__name__}")
        return self.for_kind(cursor.kind).resume(
            cursor.entity_id,
            cursor.run_id,
            cursor.last_event_index,
            cursor.session_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            include_meta=include_meta,
            **options,
        )
