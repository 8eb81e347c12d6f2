"""Runs of agents, teams and workflows: one resource class, three instances.

``client.agents``, ``client.teams`` and ``client.workflows`` are `Runs` objects. The three
kinds differ only in their URL path (``/agents``, ``/teams``, ``/workflows``), the form fields
their routes read, their summary model and their event family (which events are terminal).
Everything else, from form encoding to resume, is here once.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
import warnings
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Collection,
    Dict,
    FrozenSet,
    Generic,
    List,
    Literal,
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

from pydantic import BaseModel

from .. import errors, retry
from .._callables import reject_async
from .._http import HTTPCore, Timeout, TimeoutArg, encode_form, segment, validate, validate_list
from .._lost import CREATE_SETTLE_S, answer_lost, fetch_hint, lost_reason, wait_for_run
from ..events import StreamMetaEvent, ToolExecution
from ..models import RunAccepted, RunOutput
from ..retry import ReconnectPolicy
from ..sse import DEFAULT_MAX_EVENT_BYTES
from ..streams import CONTINUE_LEG_START, RunStream
from ..streams._source import HTTPRunSource, check_stream_response, named, open_resume, tagged
from ..transports.base import FileField, Response
from ._base import CallOptions, unknown_keyword
from ._run_checkpoints import _Checkpoints
from ._uploads import FileInput, file_fields

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["ContinueFields", "CreateFields", "RunKind", "Runs"]

logger = logging.getLogger("agentos_sync")

OnReconnect = Optional[Callable[[StreamMetaEvent], Any]]
S = TypeVar("S", bound=BaseModel)

#: A tool execution answered by the caller (confirmed, given user input, or run externally).
ToolAnswer = Union[ToolExecution, Dict[str, Any]]


F = TypeVar("F", bound=Callable[..., Any])


def _traced_stream(suffix: str) -> Callable[[F], F]:
    """A stream method whose run stream has its own span (OpenTelemetry configured): current while
    the create (or resume) is sent, so that request carries its ``traceparent``; then handed to
    the stream, which makes it current for its resumes and ends it with the stream's figures.
    Also where the stream's clock starts (``stream.stats``). No span, no cost, otherwise."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def call(self: Runs[Any], *args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            tracing = self._http.observer.tracing
            if tracing is None or not tracing.enabled():
                stream = method(self, *args, **kwargs)
                stream._started_at = started
                return stream
            route = f"/{self.kind.path}/{{{self.kind.id_name}}}/runs{suffix}"
            span = tracing.start("POST", self._http.base_url + route, name=f"POST {route}")
            entity_id = args[0] if args else kwargs.get("entity_id", kwargs.get(self.kind.id_name))
            if isinstance(entity_id, str):
                span.set_attribute(f"agentos.{self.kind.id_name}", entity_id)
            try:
                with tracing.current(span):
                    stream = method(self, *args, **kwargs)
            except BaseException as exc:
                tracing.fail(span, exc)
                span.end()
                raise
            stream._started_at = started
            stream._span = span
            cast(HTTPRunSource, stream._source).span = span
            return stream

        return cast(F, call)

    return decorate


def _kind_id_keyword(method: F) -> F:
    """Let the entity id also be passed by agno's keyword for the kind (``agent_id=``,
    ``team_id=``, ``workflow_id=``): agno's ``run_agent(agent_id=..., message=...)`` then runs
    here unchanged. One class serves the three kinds, so the parameter itself is ``entity_id``."""

    @functools.wraps(method)
    def call(self: Runs[Any], *args: Any, **kwargs: Any) -> Any:
        id_name = self.kind.id_name
        if id_name in kwargs:
            if args or "entity_id" in kwargs:
                raise TypeError(f"{self.kind.path}.{method.__name__}() got the {self.kind.name} twice ({id_name}=)")
            args = (kwargs.pop(id_name),)
        return method(self, *args, **kwargs)

    return cast(F, call)


class CreateFields(CallOptions, total=False):
    """The form fields of a run create (``POST /{agents|teams|workflows}/{id}/runs``) that
    agno 3.1.10's routers read, besides ``message``, ``stream`` and ``background``.

    Dicts and lists are sent JSON-encoded, booleans as ``true``/``false``. A field a kind's route
    does not read raises ``TypeError`` (see `AGENT` ...); anything else the server should
    get goes in ``extra_body``, a mapping of form fields sent as they are.
    """

    session_id: Optional[str]
    user_id: Optional[str]
    #: Uploads (multipart ``files``): paths, ``(name, bytes[, content type])``, binary files.
    files: Optional[Sequence[FileInput]]
    files_metadata: Optional[Sequence[Optional[Dict[str, Any]]]]
    version: Optional[int]
    session_state: Optional[Dict[str, Any]]
    dependencies: Optional[Dict[str, Any]]
    metadata: Optional[Dict[str, Any]]
    knowledge_filters: Optional[Union[Dict[str, Any], List[Any]]]
    output_schema: Optional[Dict[str, Any]]
    use_json_schema: Optional[bool]
    add_history_to_context: Optional[bool]
    add_dependencies_to_context: Optional[bool]
    add_session_state_to_context: Optional[bool]
    stream_events: Optional[bool]
    #: Media as JSON (agno's ``Image.to_dict()`` shape, e.g. ``[{"url": ...}]``).
    images: Optional[Sequence[Dict[str, Any]]]
    audio: Optional[Sequence[Dict[str, Any]]]
    videos: Optional[Sequence[Dict[str, Any]]]
    input_files: Optional[Sequence[Dict[str, Any]]]
    factory_input: Optional[Dict[str, Any]]
    #: Teams only.
    monitor: Optional[bool]
    #: Workflows only.
    additional_data: Optional[Dict[str, Any]]
    extra_body: Optional[Mapping[str, Any]]


class ContinueFields(CallOptions, total=False):
    """The form fields of a continue (``POST .../runs/{run_id}/continue``) that agno 3.1.10's
    routers read, besides ``tools``, ``session_id``, ``stream`` and ``background``.

    Agents answer with ``tools`` (the third argument), teams with ``requirements``, workflows
    with ``step_requirements``; ``input`` ... ``additional_instructions`` re-open or regenerate
    a run (agents and teams).
    """

    requirements: Optional[Sequence[Any]]
    step_requirements: Optional[Sequence[Any]]
    input: Optional[str]
    continue_from: Optional[Union[str, int]]
    fork: Optional[bool]
    regenerate: Optional[bool]
    replace_original: Optional[bool]
    additional_instructions: Optional[str]
    user_id: Optional[str]
    knowledge_filters: Optional[Union[Dict[str, Any], List[Any]]]
    dependencies: Optional[Dict[str, Any]]
    metadata: Optional[Dict[str, Any]]
    stream_events: Optional[bool]
    factory_input: Optional[Dict[str, Any]]
    extra_body: Optional[Mapping[str, Any]]


_CREATE_NAMES = frozenset(CreateFields.__annotations__)
_CONTINUE_NAMES = frozenset(ContinueFields.__annotations__) | {"tools"}
#: What the client itself sets on every create/continue: never through fields or extra_body.
_RESERVED = frozenset({"message", "stream", "background"})

# What each route reads, from agno 3.1.10's routers (Form parameters, plus the run keyword
# arguments get_request_kwargs passes on to Agent/Team/Workflow.arun and acontinue_run).
_CREATE_COMMON = frozenset(
    {
        "session_id", "user_id", "version", "factory_input", "session_state", "dependencies", "metadata",
        "add_dependencies_to_context", "add_session_state_to_context", "stream_events",
        "images", "audio", "videos", "input_files",
    }
)  # fmt: skip
_CREATE_AGENT = _CREATE_COMMON | {
    "files", "files_metadata", "knowledge_filters", "output_schema", "use_json_schema", "add_history_to_context",
}  # fmt: skip
_CONTINUE_AGENT = frozenset(
    {
        "input", "continue_from", "fork", "regenerate", "replace_original", "additional_instructions",
        "user_id", "knowledge_filters", "dependencies", "metadata", "stream_events",
    }
)  # fmt: skip


@dataclass(frozen=True)
class RunKind:
    """One family of runnables: its URL, its id's name, and the fields its routes read."""

    name: str  # "agent", "team", "workflow": the key of events.TERMINAL_EVENTS
    path: str  # URL collection, and the client attribute (client.agents)
    id_name: str  # argument name, for error messages
    create_fields: FrozenSet[str]
    continue_fields: FrozenSet[str]

    def label(self, entity_id: str) -> str:
        return f"{self.name} {entity_id!r}"


AGENT = RunKind("agent", "agents", "agent_id", _CREATE_AGENT, _CONTINUE_AGENT | {"tools"})
TEAM = RunKind("team", "teams", "team_id", _CREATE_AGENT | {"monitor"}, _CONTINUE_AGENT | {"requirements"})
WORKFLOW = RunKind(
    "workflow",
    "workflows",
    "workflow_id",
    _CREATE_COMMON | {"additional_data"},
    frozenset({"step_requirements", "user_id", "factory_input"}),
)

#: How each kind answers a paused run's questions on continue.
_ANSWERS = ("tools", "requirements", "step_requirements")


def _check_callback(on_reconnect: Any) -> None:
    reject_async(on_reconnect, "on_reconnect")


def _check_index(last_event_index: Any) -> None:
    if last_event_index is not None and (
        isinstance(last_event_index, bool) or not isinstance(last_event_index, int) or last_event_index < 0
    ):
        raise ValueError(f"last_event_index must be an int >= 0 or None, got {last_event_index!r}")


def _check_deadline(deadline: Any) -> None:
    if deadline is None:
        return
    if isinstance(deadline, bool) or not isinstance(deadline, (int, float)) or not 0 < deadline < float("inf"):
        raise ValueError(f"deadline must be a finite number of seconds > 0, or None; got {deadline!r}")


#: Fields the server reads as a str, and as a JSON object: anything else is refused before it is
#: sent (the server would store session_state="x" as {} and say nothing).
_STR_FIELDS = ("session_id", "user_id")
_OBJECT_FIELDS = ("session_state", "dependencies", "metadata", "output_schema", "factory_input", "additional_data")


def _check_field_types(values: Mapping[str, Any]) -> None:
    for name in _STR_FIELDS:
        value = values.get(name)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    for name in _OBJECT_FIELDS:
        value = values.get(name)
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a dict (sent as a JSON object), got {type(value).__name__}")


def _check_message(message: Any) -> str:
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}")
    return message


class Runs(_Checkpoints, Generic[S]):
    """The runs of one kind: ``client.agents``, ``client.teams`` or ``client.workflows``.

    The same methods for each kind: `list` / `get` (what the server serves),
    `run` / `stream` (create a run), `resume` (re-attach to a background
    run's stream), `continue_run` / `continue_stream` (human in the loop),
    `get_run`, `list_runs`, `wait`, `cancel`. Every method also takes
    ``timeout=`` and ``extra_headers=`` for that call (`CallOptions`).

    Example:
        ```python
        out = client.agents.run("assistant", "What is 2 + 2?")
        for ev in client.teams.stream("duo", "Plan a trip", background=True):
            print(ev.event, ev.event_index)
        ```
    """

    kind: RunKind

    def __init__(
        self,
        http: HTTPCore,
        kind: RunKind,
        summary: Type[S],
        *,
        reconnect: ReconnectPolicy,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        super().__init__(http)
        self.kind = kind
        self.name = kind.path
        self._summary = summary
        self._reconnect = reconnect
        self._max_event_bytes = max_event_bytes

    def __repr__(self) -> str:
        return f"<Runs of {self.kind.path}>"

    def _new_stream(
        self,
        source: HTTPRunSource,
        response: Optional[Response],
        *,
        resumable: bool,
        reconnect: Optional[ReconnectPolicy],
        on_reconnect: OnReconnect,
        deadline: Optional[float],
        **state: Any,
    ) -> RunStream:
        """A RunStream with this client's policy and limits; ``state`` is its starting position."""
        return RunStream(
            source=source,
            kind=self.kind.name,
            response=response,
            resumable=resumable,
            policy=reconnect or self._reconnect,
            on_reconnect=on_reconnect,
            max_event_bytes=self._max_event_bytes,
            deadline=deadline,
            **state,
        )

    # -- paths -----------------------------------------------------------------------------

    def _runs_path(self, entity_id: str, *rest: str) -> List[str]:
        return [self.kind.path, segment(entity_id, self.kind.id_name), "runs", *rest]

    # -- fields ----------------------------------------------------------------------------

    def _fields(
        self,
        what: str,
        fields: Mapping[str, Any],
        *,
        declared: FrozenSet[str],
        accepted: FrozenSet[str],
        own: Collection[str],
    ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """Split a method's ``**fields`` into form fields (``extra_body`` merged) and HTTP options.

        A name the method does not declare is a TypeError naming the nearest known one (a typo
        such as ``sesion_id`` would otherwise reach the server as an unknown field and be
        ignored); a declared field this kind's route does not read is one too."""
        form: Dict[str, Any] = {}
        options: Dict[str, Any] = {}
        for name, value in fields.items():
            if name in ("timeout", "extra_headers"):
                options[name] = value
            elif name == "extra_body":
                continue
            elif name == "stream":
                raise TypeError(f"{what} does not take stream=: {self._stream_hint(what)}")
            elif name not in declared:
                raise unknown_keyword(
                    what,
                    name,
                    declared | set(own),
                    "Fields the server reads that this client does not declare go in extra_body={...}.",
                )
            elif value is None:
                continue
            elif name not in accepted:
                raise TypeError(self._not_read(what, name, accepted))
            else:
                form[name] = value
        extra = fields.get("extra_body") or {}
        if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
            raise TypeError("extra_body must be a mapping of form field names to values")
        clash = sorted((_RESERVED | set(form)) & set(extra))
        if clash:
            raise TypeError(
                f"{what}: extra_body must not set {', '.join(clash)}: the client sets message, stream "
                "and background itself, and the others are this method's own keyword arguments."
            )
        form.update(extra)
        return form, self._options(options)

    def _stream_hint(self, what: str) -> str:
        if what.endswith("stream()"):
            return "it always streams (run() and continue_run() wait for the whole answer instead)."
        return (
            f"run() and continue_run() wait for the whole answer; to stream, call "
            f"client.{self.kind.path}.stream(...) / continue_stream(...) (agno's names: "
            f"run_{self.kind.name}_stream, continue_{self.kind.name}_run_stream)."
        )

    def _not_read(self, what: str, name: str, accepted: FrozenSet[str]) -> str:
        answer = next((a for a in _ANSWERS if a in accepted), None)
        if name in _ANSWERS and answer is not None:
            return f"{what}: {self.kind.path} answer a paused run with {answer}=, not {name}= (agno 3.1.10)."
        return (
            f"{what}: agno 3.1.10's {self.kind.path} routes do not read {name!r}; pass "
            f"extra_body={{{name!r}: ...}} to send it anyway."
        )

    # -- discovery ---------------------------------------------------------------------------

    def list(self, **options: Unpack[CallOptions]) -> List[S]:
        """What this AgentOS serves of this kind (``GET /agents``, ``/teams``, ``/workflows``).

        Example:
            ```python
            print([a.id for a in client.agents.list()])
            ```
        """
        data = self._http.json("GET", [self.kind.path], **self._options(options))
        return validate_list(self._summary, data, f"GET /{self.kind.path}")

    @_kind_id_keyword
    def get(self, entity_id: str, **options: Unpack[CallOptions]) -> S:
        """One agent, team or workflow; ``NotFoundError`` when the server does not have it.

        Example:
            ```python
            print(client.agents.get("assistant").name)
            ```
        """
        data = self._http.json(
            "GET",
            [self.kind.path, segment(entity_id, self.kind.id_name)],
            **self._options(options),
        )
        return validate(self._summary, data, "AgentOS")

    # -- create ----------------------------------------------------------------------------

    def _create_form(
        self,
        what: str,
        message: Any,
        *,
        stream: bool,
        background: bool,
        fields: Mapping[str, Any],
        own: Collection[str],
    ) -> Tuple[Dict[str, str], Optional[List[FileField]], Dict[str, Any]]:
        values, options = self._fields(what, fields, declared=_CREATE_NAMES, accepted=self.kind.create_fields, own=own)
        _check_field_types(values)
        uploads = file_fields(values.pop("files", None))
        form = encode_form({"message": _check_message(message), "stream": stream, "background": background, **values})
        return form, uploads, options

    @overload
    def run(
        self, entity_id: str, message: str, *, background: Literal[False] = False, **fields: Unpack[CreateFields]
    ) -> RunOutput: ...

    @overload
    def run(
        self, entity_id: str, message: str, *, background: Literal[True], **fields: Unpack[CreateFields]
    ) -> RunAccepted: ...

    @overload
    def run(
        self, entity_id: str, message: str, *, background: bool, **fields: Unpack[CreateFields]
    ) -> Union[RunOutput, RunAccepted]: ...

    @_kind_id_keyword
    def run(
        self, entity_id: str, message: str, *, background: bool = False, **fields: Unpack[CreateFields]
    ) -> Union[RunOutput, RunAccepted]:
        """Run and wait for the answer (``RunOutput``); with ``background=True`` return at once with
        ``RunAccepted`` (then `get_run` / `wait`).

        ``fields`` are the form fields AgentOS reads (`CreateFields`: ``session_id``,
        ``user_id``, ``files``, ``session_state``, ``dependencies``, ``metadata``, ...), plus
        ``extra_body``, ``timeout`` and ``extra_headers``. An unknown keyword raises ``TypeError``.

        Args:
            entity_id: The agent's, team's or workflow's id (``client.agents.list()`` lists them).
            message: The user's message.
            background: Return at once with a ``RunAccepted``; the run goes on on the server.
            **fields: Run fields (`CreateFields`) and the call's ``timeout`` / ``extra_headers``.

        Returns:
            The run's ``RunOutput``, or ``RunAccepted`` (run_id, session_id) with ``background=True``.

        Raises:
            NotFoundError: No such agent, team or workflow.
            TypeError: An unknown keyword, or a field of the wrong type.

        Example:
            ```python
            out = client.agents.run("assistant", "What is 2 + 2?", session_state={"user": "ada"})
            print(out.run_id, out.content)
            ```
        """
        session_id = fields.get("session_id") or str(uuid.uuid4())
        form, uploads, options = self._create_form(
            f"{self.kind.path}.run()",
            message,
            stream=False,
            background=background,
            fields={**fields, "session_id": session_id},
            own=("background",),
        )
        form, run_id = named(form)
        limits = options.get("timeout") or self._http.limits
        idempotency_key = uuid.uuid4().hex
        deadline = retry._now() + (limits.total or limits.read)

        def send() -> Any:
            return self._http.json(
                "POST",
                self._runs_path(entity_id),
                form=form,
                files=uploads,
                idempotent=False,
                headers={**options.get("headers", {}), "Idempotency-Key": idempotency_key},
                timeout=limits,
            )

        try:
            data = send()
        except errors.AgentOSError as exc:
            if not answer_lost(exc):
                raise
            if background:
                return self._accepted_after_loss(entity_id, run_id, session_id, exc, send)
            return self._output_after_loss(entity_id, run_id, session_id, exc, deadline, limits)
        if background:
            return validate(RunAccepted, data, "AgentOS")
        return validate(RunOutput, data, "AgentOS")

    def _output_after_loss(
        self, entity_id: str, run_id: str, session_id: str, exc: errors.AgentOSError, deadline: float, limits: Timeout
    ) -> RunOutput:
        """A foreground run's answer was lost: wait for the run by its id, up to the time the call
        would have waited for the answer (its total timeout, else its read timeout)."""
        logger.warning(
            "the answer to run %s of %s was lost (%s); waiting for the run by its id",
            run_id,
            self.kind.label(entity_id),
            lost_reason(exc),
        )
        run = wait_for_run(
            lambda bounded: self._fetch_run(entity_id, run_id, session_id, {"timeout": bounded}),
            deadline=deadline,
            limits=limits,
        )
        if run is not None:
            return run
        raise self._lost_error(entity_id, run_id, session_id, exc, "was not found finished in time") from exc

    def _accepted_after_loss(
        self, entity_id: str, run_id: str, session_id: str, exc: errors.AgentOSError, send: Callable[[], Any]
    ) -> RunAccepted:
        """A background create's 202 was lost. AgentOS stores a background run before it answers,
        so the run is found by its id at once when the create got through; absent from two
        look-ups ``CREATE_SETTLE_S`` apart, it never did, and the create is sent once more (same
        run id and Idempotency-Key: a durable queue re-attaches it rather than run it twice)."""
        for attempt in range(2):
            try:
                run = self._fetch_run(entity_id, run_id, session_id, {})
                return RunAccepted(run_id=run_id, session_id=session_id, status=run.status or "PENDING")
            except errors.NotFoundError:
                if attempt == 0:
                    retry._sleep(CREATE_SETTLE_S)
            except errors.AgentOSError as lookup_error:
                raise self._lost_error(entity_id, run_id, session_id, exc, "could not be looked up") from lookup_error
        logger.warning("background create of run %s never reached the server; sending it again", run_id)
        try:
            return validate(RunAccepted, send(), "AgentOS")
        except errors.AgentOSError as again:
            if not answer_lost(again):
                raise
            raise self._lost_error(entity_id, run_id, session_id, again, "was lost twice") from again

    def _lost_error(
        self, entity_id: str, run_id: str, session_id: str, exc: errors.AgentOSError, what: str
    ) -> errors.RunAnswerLostError:
        return errors.RunAnswerLostError(
            f"The answer to the run of {self.kind.label(entity_id)} was lost ({lost_reason(exc)}), and the run "
            f"{what}: it may still be running on the server, or it may never have started. It is not sent "
            f"again (it could run twice). Fetch its result with "
            f"{fetch_hint(self.kind.path, entity_id, run_id, session_id)}; if that keeps saying the run is not "
            "found, it never started and may be sent again.",
            run_id=run_id,
            session_id=session_id,
            status_code=exc.status_code if isinstance(exc, errors.APIStatusError) else None,
            request=exc.request,
        )

    @_traced_stream("")
    @_kind_id_keyword
    def stream(
        self,
        entity_id: str,
        message: str,
        *,
        background: bool = False,
        on_reconnect: OnReconnect = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        **fields: Unpack[CreateFields],
    ) -> RunStream:
        """Run and stream its typed events. The request is sent now (errors such as 404 raise
        here); iterate the returned `RunStream` for the events.

        With ``background=True`` the run survives a dropped connection and the stream resumes it
        by itself (``on_reconnect`` sees the resume's meta events; ``reconnect`` overrides the
        client's policy). ``deadline`` bounds the whole stream in seconds (``APITimeoutError``
        past it). ``fields`` as for `run`.

        Args:
            entity_id: The agent's, team's or workflow's id.
            message: The user's message.
            background: Make the run resumable: the stream survives dropped connections.
            on_reconnect: Called with each meta event of a resume (``CatchUpEvent``, ...).
            reconnect: The `ReconnectPolicy` for this stream (default: the client's).
            deadline: Seconds the whole stream may take; ``APITimeoutError`` past it.
            **fields: Run fields (`CreateFields`) and the call's ``timeout`` / ``extra_headers``.

        Returns:
            A `RunStream`: iterate it for typed events; use it in a ``with`` block.

        Raises:
            NotFoundError: No such agent, team or workflow (at the call, before any event).
            TypeError: An unknown keyword, or a field of the wrong type.

        Example:
            ```python
            with client.agents.stream("assistant", "Tell me a joke", background=True) as stream:
                for ev in stream:
                    print(ev.event, ev.event_index)
            ```
        """
        _check_deadline(deadline)
        _check_callback(on_reconnect)
        idempotency_key = uuid.uuid4().hex
        # Every create names its run and its session: a create whose answer is lost (a cut, a
        # gateway's 502/504) is then found by its own id, and a foreground cut can say which run
        # may still complete. A session the client made up holds no other request's runs.
        own_session = fields.get("session_id") is None
        session_id = fields.get("session_id") or str(uuid.uuid4())
        form, files, options = self._create_form(
            f"{self.kind.path}.stream()",
            message,
            stream=True,
            background=background,
            fields={**fields, "session_id": session_id},
            own=("background", "on_reconnect", "reconnect", "deadline"),
        )
        if background:
            form, run_id = tagged(form, idempotency_key)
        else:
            form, run_id = named(form)
        headers = {**options.pop("headers", {}), "Idempotency-Key": idempotency_key}
        return self._open_stream(
            entity_id,
            self._runs_path(entity_id),
            {"form": form, "files": files, "headers": headers, **options},
            run_id=run_id,
            session_id=session_id,
            background=background,
            locate={"tag": idempotency_key if background else None, "own_session": own_session, "run_id": run_id},
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            deadline=deadline,
            state={"session_id": session_id},
        )

    def _source(self, entity_id: str, **locate: Any) -> HTTPRunSource:
        """The `RunSource` of a stream of ``entity_id``'s runs; ``locate``: how a create's run is
        re-sent and found (see HTTPRunSource)."""
        return HTTPRunSource(
            self._http, self._runs_path(entity_id), entity_id=entity_id, label=self.kind.label(entity_id), **locate
        )

    def _open_stream(
        self,
        entity_id: str,
        segments: List[str],
        request: Dict[str, Any],
        *,
        run_id: str,
        session_id: str,
        background: bool,
        locate: Optional[Dict[str, Any]],
        reconnect: Optional[ReconnectPolicy],
        on_reconnect: OnReconnect,
        deadline: Optional[float],
        state: Dict[str, Any],
    ) -> RunStream:
        """Send a create or continue that streams (``request``: its form and HTTP options) and
        wrap its answer in a RunStream starting at ``state``. A background one whose answer was
        lost (a cut, or a gateway's 502/503/504 page) starts from that error as from a cut: the
        stream finds the run (``locate``: how a create's run is re-sent and found; None for a
        continue, whose run is known) and resumes it. A foreground one is never sent again:
        StreamInterruptedError with the run's ids."""
        what = f"POST /{'/'.join(segments)}"

        def send() -> Response:
            response = self._http.send("POST", segments, stream=True, idempotent=False, **request)
            return check_stream_response(response, what)

        source = self._source(entity_id) if locate is None else self._source(entity_id, create=send, **locate)
        sent_at = time.monotonic()
        response: Optional[Response] = None
        initial_error: Optional[BaseException] = None
        try:
            response = send()
        except errors.AgentOSError as exc:
            if not answer_lost(exc):
                raise
            if not background:
                raise errors.StreamInterruptedError(
                    f"The stream of foreground run {run_id} of {self.kind.label(entity_id)} (session {session_id}) "
                    f"was cut before its first event: {lost_reason(exc)}. It is not sent again (it could run "
                    "twice); the run may still complete on the server: fetch its result with "
                    f"{fetch_hint(self.kind.path, entity_id, run_id, session_id)}. Use background=True for runs "
                    "that must survive a dropped connection or a gateway's timeout.",
                    run_id=run_id,
                    session_id=session_id,
                ) from exc
            initial_error = exc
        return self._new_stream(
            source,
            response,
            resumable=background,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            deadline=deadline,
            initial_error=initial_error,
            sent_at=sent_at,
            **state,
        )

    # -- resume ----------------------------------------------------------------------------

    def open_resume(
        self,
        entity_id: str,
        run_id: str,
        session_id: Optional[str],
        last_event_index: Optional[int],
        *,
        retries: Optional[int] = None,
        options: Optional[Mapping[str, Any]] = None,
        fresh_connection: bool = False,
    ) -> Response:
        """Send one ``/resume`` request; the stream's source and `resume` use it."""
        return open_resume(
            self._http,
            self._runs_path(entity_id),
            run_id,
            session_id,
            last_event_index,
            retries=retries,
            options=options,
            fresh_connection=fresh_connection,
        )

    @_traced_stream("/{run_id}/resume")
    @_kind_id_keyword
    def resume(
        self,
        entity_id: str,
        run_id: str,
        last_event_index: Optional[int] = None,
        session_id: Optional[str] = None,
        *,
        on_reconnect: OnReconnect = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        include_meta: bool = True,
        **options: Unpack[CallOptions],
    ) -> RunStream:
        """Re-attach to a background run's stream after ``last_event_index`` (None: from the start).

        Yields the server's meta events first (``CatchUpEvent``, ``ReplayEvent``,
        ``SubscribedEvent``), as agno's ``resume_run_stream`` does, then the missed and live
        events; it resumes again by itself if it drops. ``include_meta=False`` sends the meta
        events to ``on_reconnect`` only: the events then are exactly those of
        ``client.resume(cursor)``, whose default that is. An unknown run raises
        ``RunNotFoundError``.

        Args:
            entity_id: The agent's, team's or workflow's id.
            run_id: The background run's id (``stream.run_id``, ``RunAccepted.run_id``).
            last_event_index: The last ``event_index`` you handled; None replays from the start.
            session_id: The run's session (the server looks stored runs up in it).
            on_reconnect: Called with each meta event, also those of later resumes.
            reconnect: The `ReconnectPolicy` for this stream (default: the client's).
            deadline: Seconds the whole stream may take; ``APITimeoutError`` past it.
            include_meta: Yield the server's meta events (``CatchUpEvent``, ...) too.
            **options: The call's ``timeout`` / ``extra_headers``.

        Returns:
            A `RunStream` of the events after ``last_event_index``.

        Example:
            ```python
            for ev in client.agents.resume("assistant", run_id, last_event_index=4, session_id=sid):
                ...
            ```
        """
        _check_deadline(deadline)
        _check_callback(on_reconnect)
        _check_index(last_event_index)
        segment(run_id, "run_id")
        given = cast(Dict[str, Any], options)
        if "yield_meta" in given:
            # The keyword's name until include_meta matched client.resume(cursor)'s: still taken.
            warnings.warn("resume(yield_meta=...) is now resume(include_meta=...)", DeprecationWarning, stacklevel=3)
            include_meta = bool(given.pop("yield_meta"))
        http_options = self._options(options)
        response = self.open_resume(entity_id, run_id, session_id, last_event_index, options=http_options)
        return self._new_stream(
            self._source(entity_id),
            response,
            resumable=True,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            deadline=deadline,
            run_id=run_id,
            session_id=session_id,
            last_event_index=last_event_index,
            yield_meta=include_meta,
        )

    # -- continue (human in the loop) ------------------------------------------------------

    def _continue_form(
        self,
        what: str,
        tools: Any,
        *,
        session_id: str,
        stream: bool,
        background: bool,
        fields: Mapping[str, Any],
        own: Collection[str],
    ) -> Tuple[Dict[str, str], Dict[str, Any]]:
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("session_id is required to continue a run (the server looks the run up in it)")
        values, options = self._fields(
            what, {"tools": tools, **fields}, declared=_CONTINUE_NAMES, accepted=self.kind.continue_fields, own=own
        )
        _check_field_types(values)
        for name in _ANSWERS:
            if name in values:
                values[name] = _answers(values[name], name)
        form = encode_form({**values, "session_id": session_id, "stream": stream, "background": background})
        return form, options

    @overload
    def continue_run(
        self,
        entity_id: str,
        run_id: str,
        tools: Optional[Sequence[ToolAnswer]] = None,
        *,
        session_id: str,
        background: Literal[False] = False,
        **fields: Unpack[ContinueFields],
    ) -> RunOutput: ...

    @overload
    def continue_run(
        self,
        entity_id: str,
        run_id: str,
        tools: Optional[Sequence[ToolAnswer]] = None,
        *,
        session_id: str,
        background: Literal[True],
        **fields: Unpack[ContinueFields],
    ) -> RunAccepted: ...

    @overload
    def continue_run(
        self,
        entity_id: str,
        run_id: str,
        tools: Optional[Sequence[ToolAnswer]] = None,
        *,
        session_id: str,
        background: bool,
        **fields: Unpack[ContinueFields],
    ) -> Union[RunOutput, RunAccepted]: ...

    @_kind_id_keyword
    def continue_run(
        self,
        entity_id: str,
        run_id: str,
        tools: Optional[Sequence[ToolAnswer]] = None,
        *,
        session_id: str,
        background: bool = False,
        **fields: Unpack[ContinueFields],
    ) -> Union[RunOutput, RunAccepted]:
        """Continue a paused run and wait for the rest (``RunAccepted`` with ``background=True``).

        Agents take their answered ``tools`` (``ToolExecution``s or dicts: confirmed, given user
        input, or executed externally), teams ``requirements=``, workflows ``step_requirements=``;
        other fields: `ContinueFields`.

        Example:
            ```python
            paused = client.agents.get_run("confirmer", run_id, session_id)
            answered = [{**t.model_dump(), "confirmed": True} for t in paused.tools or []]
            out = client.agents.continue_run("confirmer", run_id, answered, session_id=session_id)
            ```
        """
        form, options = self._continue_form(
            f"{self.kind.path}.continue_run()",
            tools,
            session_id=session_id,
            stream=False,
            background=background,
            fields=fields,
            own=("tools", "session_id", "background"),
        )
        try:
            data = self._http.json(
                "POST",
                self._runs_path(entity_id, segment(run_id, "run_id"), "continue"),
                form=form,
                idempotent=False,
                **options,
            )
        except errors.AgentOSError as exc:
            if not answer_lost(exc):
                raise
            # Not waited for: a paused run reads PAUSED both before a continue arrives and after
            # it paused again, so a look-up cannot tell whether this continue got through.
            raise self._lost_error(entity_id, run_id, session_id, exc, "is not waited for (a continue)") from exc
        if background:
            return validate(RunAccepted, data, "AgentOS")
        return validate(RunOutput, data, "AgentOS")

    @_traced_stream("/{run_id}/continue")
    @_kind_id_keyword
    def continue_stream(
        self,
        entity_id: str,
        run_id: str,
        tools: Optional[Sequence[ToolAnswer]] = None,
        *,
        session_id: str,
        background: bool = False,
        on_reconnect: OnReconnect = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        last_event_index: Optional[int] = None,
        **fields: Unpack[ContinueFields],
    ) -> RunStream:
        """Continue a paused run and stream the rest (resumable with ``background=True``).

        ``last_event_index``: the paused stream's last index (``stream.last_event_index``), so a
        resume after a cut starts past the paused part; when omitted for a background continue,
        the client reads it from the server first (one ``/resume`` request). Other arguments as
        for `continue_run` and `stream`.

        Example:
            ```python
            for ev in client.agents.continue_stream("confirmer", run_id, answered, session_id=sid):
                print(ev.event)
            ```
        """
        _check_deadline(deadline)
        _check_callback(on_reconnect)
        _check_index(last_event_index)
        form, options = self._continue_form(
            f"{self.kind.path}.continue_stream()",
            tools,
            session_id=session_id,
            stream=True,
            background=background,
            fields=fields,
            own=("tools", "session_id", "background", "on_reconnect", "reconnect", "deadline", "last_event_index"),
        )
        # Without a last_event_index the stream starts at its own leg's first event (see
        # RunStream leg_start): the paused leg's indices are no floor, since the server numbers
        # the continue leg from 0 again when the paused leg was a foreground stream, and goes on
        # from the paused leg's when it was a background one.
        return self._open_stream(
            entity_id,
            self._runs_path(entity_id, segment(run_id, "run_id"), "continue"),
            {"form": form, **options},
            run_id=run_id,
            session_id=session_id,
            background=background,
            # A lost answer to a background continue: the server got it (the run is known), so
            # the stream resumes it instead of sending it twice.
            locate=None,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            deadline=deadline,
            state={
                "run_id": run_id,
                "session_id": session_id,
                "last_event_index": last_event_index,
                "leg_start": CONTINUE_LEG_START[self.kind.name] if last_event_index is None else None,
            },
        )

    # -- inspect and control ---------------------------------------------------------------

    @_kind_id_keyword
    def get_run(self, entity_id: str, run_id: str, session_id: str, **options: Unpack[CallOptions]) -> RunOutput:
        """One run as the server stores it, with its ``status`` (AgentOS looks runs up by session,
        so ``session_id`` is required).

        Example:
            ```python
            run = client.agents.get_run("assistant", acc.run_id, acc.session_id)
            print(run.status, run.content)
            ```
        """
        return self._fetch_run(entity_id, run_id, _required(session_id, "session_id", "get_run"), options)

    def _fetch_run(
        self, entity_id: str, run_id: str, session_id: Optional[str], options: Mapping[str, Any]
    ) -> RunOutput:
        data = self._http.json(
            "GET",
            self._runs_path(entity_id, segment(run_id, "run_id")),
            params={"session_id": session_id} if session_id else None,
            **self._options(options),
        )
        return validate(RunOutput, data, "AgentOS")

    @_kind_id_keyword
    def list_runs(
        self, entity_id: str, session_id: str, *, status: Optional[str] = None, **options: Unpack[CallOptions]
    ) -> List[RunOutput]:
        """The runs of a session (optionally only those with ``status``: RUNNING, COMPLETED, ...).

        Example:
            ```python
            for run in client.agents.list_runs("assistant", session_id):
                print(run.run_id, run.status)
            ```
        """
        data = self._http.json(
            "GET",
            self._runs_path(entity_id),
            params={"session_id": _required(session_id, "session_id", "list_runs"), "status": status},
            **self._options(options),
        )
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        return validate_list(RunOutput, data, f"Listing runs of {self.kind.label(entity_id)}")

    @_kind_id_keyword
    def cancel(
        self, entity_id: str, run_id: str, session_id: Optional[str] = None, **options: Unpack[CallOptions]
    ) -> None:
        """Ask the server to cancel a run (its stream then ends with a cancelled event).
        ``session_id`` proves ownership on servers with per-user access control.

        Example:
            ```python
            client.agents.cancel("assistant", stream.run_id)
            ```
        """
        self._http.json(
            "POST",
            self._runs_path(entity_id, segment(run_id, "run_id"), "cancel"),
            params={"session_id": session_id} if session_id else None,
            idempotent=True,
            **self._options(options),
        )

    @_kind_id_keyword
    def wait(
        self,
        entity_id: str,
        run_id: str,
        session_id: str,
        *,
        timeout: float = 120.0,
        poll_interval: float = 1.0,
        request_timeout: TimeoutArg = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RunOutput:
        """Poll a run until it completes, fails, is cancelled or pauses; ``APITimeoutError`` when
        ``timeout`` seconds pass first (``request_timeout`` is each poll's own HTTP timeout).
        A run the server does not list yet is waited for too (AgentOS stores a run that was not
        started in the background only when it ends); ``NotFoundError`` if it never appears.

        Args:
            entity_id: The agent's, team's or workflow's id.
            run_id: The run's id.
            session_id: The run's session (required: AgentOS looks runs up by session).
            timeout: Seconds to wait in all; ``APITimeoutError`` after.
            poll_interval: Seconds between polls.
            request_timeout: Each poll's HTTP timeout (default: the client's).
            extra_headers: Headers added to each poll.
            sleep: What waits between polls (tests pass a fake clock's).

        Returns:
            The run's `RunOutput` once it is over or paused (``status`` says which).

        Example:
            ```python
            acc = client.agents.run("assistant", "Summarise the report", background=True)
            done = client.agents.wait("assistant", acc.run_id, acc.session_id, timeout=120)
            ```
        """
        _required(session_id, "session_id", "wait")
        for name, value in (("timeout", timeout), ("poll_interval", poll_interval)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a number of seconds > 0, got {value!r}")
        options: CallOptions = {"timeout": request_timeout, "extra_headers": extra_headers}
        deadline = time.monotonic() + timeout
        while True:
            # AgentOS stores a foreground run only when it ends: until then it answers 404, so
            # "not found" is waited on like "running", and said only if it lasts the whole wait.
            try:
                run: Optional[RunOutput] = self._fetch_run(entity_id, run_id, session_id, options)
                missing: Optional[errors.NotFoundError] = None
            except errors.NotFoundError as exc:
                run, missing = None, exc
            if run is not None and run.is_terminal:
                return run
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if missing is not None:
                    raise errors.NotFoundError(
                        f"Run {run_id} of {self.kind.label(entity_id)} (session {session_id}) was not found during "
                        f"the {timeout}s wait. AgentOS lists a run that was not started in the background only "
                        "once it has ended, so it may still be running; otherwise it never started (check the "
                        "ids).",
                        status_code=404,
                        detail=missing.detail,
                        response=missing.response,
                        request=missing.request,
                    ) from missing
                status = run.status if run is not None else "?"
                raise errors.APITimeoutError(
                    f"Run {run_id} of {self.kind.label(entity_id)} is still {status} after {timeout}s; "
                    "wait longer, or cancel it."
                )
            sleep(min(poll_interval, remaining))


def _required(value: Any, name: str, method: str) -> str:
    # The server answers a raw 422 validation list without these; say which argument is missing.
    if not isinstance(value, str):
        raise TypeError(f"{method}() needs {name} (a str), got {type(value).__name__}: AgentOS finds runs by session")
    if not value:
        raise ValueError(f"{name} is required to {method.replace('_', ' ')} (AgentOS looks runs up by session)")
    return value


def _answers(items: Any, name: str) -> List[Any]:
    """Tool executions / requirements as JSON: pydantic models dumped, agno objects via to_dict."""
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"{name} must be a list (of dicts, ToolExecution or agno requirement objects)")
    out: List[Any] = []
    for item in items:
        if hasattr(item, "model_dump"):
            out.append(item.model_dump(mode="json", exclude_none=True))
        elif hasattr(item, "to_dict"):
            out.append(item.to_dict())
        else:
            out.append(item)
    return out
