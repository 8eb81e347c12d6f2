"""The private half of `runs.Runs`: how a call's keywords become a form, how a create or continue
that streams is sent and wrapped in a `RunStream` (and started from a lost answer as from a cut),
what happens when a plain run's answer is lost, and the two decorators of the stream methods
(OpenTelemetry span, agno's ``agent_id=`` keyword). `runs.Runs` keeps the public verbs."""

from __future__ import annotations

import functools
import logging
import time
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    FrozenSet,
    Generic,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    cast,
)

from pydantic import BaseModel

from .. import errors, retry
from .._http import HTTPCore, Timeout, encode_form, segment, validate
from .._lost import CREATE_SETTLE_S, answer_lost, fetch_hint, lost_reason, wait_for_run
from ..events import StreamMetaEvent
from ..models import RunAccepted, RunOutput
from ..retry import ReconnectPolicy
from ..sse import DEFAULT_MAX_EVENT_BYTES
from ..streams import RunStream
from ..streams._source import HTTPRunSource, check_stream_response
from ..transports.base import FileField, Response
from ._base import CallOptions, unknown_keyword
from ._run_checkpoints import _Checkpoints
from ._run_kinds import (
    _ANSWERS,
    _CONTINUE_NAMES,
    _CREATE_NAMES,
    _RESERVED,
    RunKind,
    _answers,
    _check_field_types,
    _check_message,
)
from ._uploads import file_fields

logger = logging.getLogger("agentos_sync")

OnReconnect = Optional[Callable[[StreamMetaEvent], Any]]
S = TypeVar("S", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])


def _traced_stream(suffix: str) -> Callable[[F], F]:
    """A stream method whose run stream has its own span (OpenTelemetry configured): current while
    the create (or resume) is sent, so that request carries its ``traceparent``; then handed to
    the stream, which makes it current for its resumes and ends it with the stream's figures.
    Also where the stream's clock starts (``stream.stats``). No span, no cost, otherwise."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def call(self: _RunsCore[Any], *args: Any, **kwargs: Any) -> Any:
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
    def call(self: _RunsCore[Any], *args: Any, **kwargs: Any) -> Any:
        id_name = self.kind.id_name
        if id_name in kwargs:
            if args or "entity_id" in kwargs:
                raise TypeError(f"{self.kind.path}.{method.__name__}() got the {self.kind.name} twice ({id_name}=)")
            args = (kwargs.pop(id_name),)
        return method(self, *args, **kwargs)

    return cast(F, call)


class _RunsCore(_Checkpoints, Generic[S]):
    """What `runs.Runs`'s public verbs share (a base class: ``self`` is a ``Runs``)."""

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

    def _poll_until_over(
        self,
        entity_id: str,
        run_id: str,
        session_id: str,
        timeout: float,
        poll_interval: float,
        options: CallOptions,
        sleep: Callable[[float], None],
    ) -> RunOutput:
        """`Runs.wait`'s loop: fetch the run every ``poll_interval`` seconds until it is over or
        paused; after ``timeout``, ``APITimeoutError`` (``NotFoundError`` if it never appeared)."""
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
