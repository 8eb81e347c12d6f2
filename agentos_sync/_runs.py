"""Runs of agents, teams and workflows: one implementation, parameterised by kind.

The three kinds differ only in their URL path (``/agents``, ``/teams``, ``/workflows``) and their
event family (which events are terminal). Everything else, from form encoding to resume, is here
once.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import errors
from ._http import HTTPCore, encode_form, segment, validate
from .events import StreamMetaEvent
from .models import RunAccepted, RunOutput
from .retry import ReconnectPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES
from .streams import CONTINUE_LEG_START, RunStream
from .transports.base import FileField, Response

OnReconnect = Optional[Callable[[StreamMetaEvent], Any]]


@dataclass(frozen=True)
class RunKind:
    """One family of runnables."""

    name: str  # "agent", "team", "workflow": the key of events.TERMINAL_EVENTS
    path: str  # URL collection
    id_name: str  # argument name, for error messages

    def label(self, entity_id: str) -> str:
        return f"{self.name} {entity_id!r}"


AGENT = RunKind("agent", "agents", "agent_id")
TEAM = RunKind("team", "teams", "team_id")
WORKFLOW = RunKind("workflow", "workflows", "workflow_id")


def _check_callback(on_reconnect: Any) -> None:
    if on_reconnect is not None:
        from .concurrency import _reject_async

        _reject_async(on_reconnect, "on_reconnect")


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


def _check_message(message: Any) -> str:
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}")
    return message


_EVENT_STREAM = "text/event-stream"


def _check_stream_response(response: Response, what: str) -> Response:
    content_type = str(response.headers.get("content-type", "")).lower()
    if content_type and _EVENT_STREAM.startswith(content_type) and content_type != _EVENT_STREAM:
        # "text/event-": the header block was cut inside this value and the rest of it never
        # came (http.client takes a header block that ends at EOF as whole). A cut, not a protocol
        # error: the server got the request.
        response.close()
        raise errors.APIConnectionError(
            f"{what}: the connection broke inside the response headers (content-type {content_type!r}).",
            reached_server=True,
        )
    if content_type and _EVENT_STREAM not in content_type:
        try:
            body = response.read()[:300].decode("utf-8", "replace")
        except errors.AgentOSError:
            body = ""
        raise errors.ProtocolError(
            f"{what} answered {response.status_code} with content-type {content_type!r}, not an event "
            f"stream: {body!r}. Is base_url an AgentOS server?"
        )
    return response


class Runs:
    """Run operations for one kind (agents, teams or workflows)."""

    def __init__(
        self,
        http: HTTPCore,
        kind: RunKind,
        *,
        reconnect: ReconnectPolicy,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._http = http
        self.kind = kind
        self._reconnect = reconnect
        self._max_event_bytes = max_event_bytes

    def _new_stream(
        self,
        source: _Source,
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

    # -- create ----------------------------------------------------------------------------

    def _create_form(
        self,
        message: Any,
        *,
        stream: bool,
        background: bool,
        session_id: Optional[str],
        user_id: Optional[str],
        extra: Mapping[str, Any],
    ) -> Dict[str, str]:
        reserved = {"message", "stream", "background"} & set(extra)
        if reserved:
            raise TypeError(f"pass {', '.join(sorted(reserved))} as the method's own argument")
        for name, value in (("session_id", session_id), ("user_id", user_id)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str, got {type(value).__name__}")
        return encode_form(
            {
                "message": _check_message(message),
                "stream": stream,
                "background": background,
                "session_id": session_id,
                "user_id": user_id,
                **extra,
            }
        )

    def run(
        self,
        entity_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileField]] = None,
        extra: Mapping[str, Any],
    ) -> Union[RunOutput, RunAccepted]:
        form = self._create_form(
            message, stream=False, background=background, session_id=session_id, user_id=user_id, extra=extra
        )
        data = self._http.json(
            "POST",
            self._runs_path(entity_id),
            form=form,
            files=files,
            idempotent=False,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if background:
            return validate(RunAccepted, data, "AgentOS")
        return validate(RunOutput, data, "AgentOS")

    def stream(
        self,
        entity_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileField]] = None,
        on_reconnect: OnReconnect = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        extra: Mapping[str, Any],
    ) -> RunStream:
        _check_deadline(deadline)
        _check_callback(on_reconnect)
        idempotency_key = uuid.uuid4().hex
        own_session = background and session_id is None
        run_id: Optional[str] = None
        if background:
            extra = _tagged(extra, idempotency_key)
            # The server takes a create's run_id form field as the run's id (agents, teams and
            # workflows alike; the durable queue assigns its own): a create cut before its first
            # event then knows which run is its own, for teams and workflows too, whose runs list
            # no metadata.
            run_id = extra.get("run_id") if isinstance(extra.get("run_id"), str) else str(uuid.uuid4())
            extra = {**extra, "run_id": run_id}
        if own_session:
            # A run is found again through its session when the create is cut before the first
            # event, so a resumable create always names one.
            session_id = str(uuid.uuid4())
        form = self._create_form(
            message, stream=True, background=background, session_id=session_id, user_id=user_id, extra=extra
        )
        segments = self._runs_path(entity_id)

        def send() -> Response:
            response = self._http.send(
                "POST",
                segments,
                form=form,
                files=files,
                stream=True,
                idempotent=False,
                headers={"Idempotency-Key": idempotency_key},
            )
            return _check_stream_response(response, f"POST /{'/'.join(segments)}")

        source = _Source(
            self, entity_id, send, tag=idempotency_key if background else None, own_session=own_session, run_id=run_id
        )
        try:
            response: Optional[Response] = send()
            initial_error: Optional[BaseException] = None
        except errors.APIConnectionError as exc:
            if not exc.reached_server:
                raise
            if not background:
                raise errors.StreamInterruptedError(
                    f"The stream of a foreground run of {self.kind.label(entity_id)} was cut before its "
                    f"first event ({exc}). It is not re-run; use background=True for runs that must "
                    "survive a dropped connection.",
                    session_id=session_id,
                ) from exc
            response, initial_error = None, exc
        return self._new_stream(
            source,
            response,
            resumable=background,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            deadline=deadline,
            initial_error=initial_error,
            session_id=session_id,
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
        fresh_connection: bool = False,
    ) -> Response:
        segments = self._runs_path(entity_id, segment(run_id, "run_id"), "resume")
        response = self._http.send(
            "POST",
            segments,
            form=encode_form({"last_event_index": last_event_index, "session_id": session_id}),
            stream=True,
            idempotent=True,
            retries=retries,
            fresh_connection=fresh_connection,
        )
        return _check_stream_response(response, f"POST /{'/'.join(segments)}")

    def resume_stream(
        self,
        entity_id: str,
        run_id: str,
        *,
        last_event_index: Optional[int] = None,
        session_id: Optional[str] = None,
        on_reconnect: OnReconnect = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
    ) -> RunStream:
        _check_deadline(deadline)
        _check_callback(on_reconnect)
        _check_index(last_event_index)
        segment(run_id, "run_id")
        response = self.open_resume(entity_id, run_id, session_id, last_event_index)
        return self._new_stream(
            _Source(self, entity_id),
            response,
            resumable=True,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            deadline=deadline,
            run_id=run_id,
            session_id=session_id,
            last_event_index=last_event_index,
            yield_meta=True,
        )

    # -- continue (human in the loop) ------------------------------------------------------

    def _continue_form(
        self,
        tools: Any,
        *,
        session_id: str,
        stream: bool,
        background: bool,
        user_id: Optional[str],
        extra: Mapping[str, Any],
    ) -> Dict[str, str]:
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("session_id is required to continue a run (the server looks the run up in it)")
        if tools is not None and not isinstance(tools, (list, tuple)):
            raise TypeError("tools must be a list of tool executions (dicts or ToolExecution)")
        tool_list = [
            t.model_dump(mode="json", exclude_none=True) if hasattr(t, "model_dump") else t for t in tools or []
        ]
        return encode_form(
            {
                "tools": tool_list if tools is not None else None,
                "session_id": session_id,
                "stream": stream,
                "background": background,
                "user_id": user_id,
                **extra,
            }
        )

    def continue_run(
        self,
        entity_id: str,
        run_id: str,
        tools: Any,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        extra: Mapping[str, Any],
    ) -> Union[RunOutput, RunAccepted]:
        form = self._continue_form(
            tools, session_id=session_id, stream=False, background=background, user_id=user_id, extra=extra
        )
        data = self._http.json(
            "POST", self._runs_path(entity_id, segment(run_id, "run_id"), "continue"), form=form, idempotent=False
        )
        if background:
            return validate(RunAccepted, data, "AgentOS")
        return validate(RunOutput, data, "AgentOS")

    def continue_stream(
        self,
        entity_id: str,
        run_id: str,
        tools: Any,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        on_reconnect: OnReconnect = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        last_event_index: Optional[int] = None,
        extra: Mapping[str, Any],
    ) -> RunStream:
        _check_deadline(deadline)
        _check_callback(on_reconnect)
        _check_index(last_event_index)
        form = self._continue_form(
            tools, session_id=session_id, stream=True, background=background, user_id=user_id, extra=extra
        )
        # Without a last_event_index the stream starts at its own leg's first event (see
        # RunStream leg_start): the paused leg's indices are no floor, since the server numbers
        # the continue leg from 0 again when the paused leg was a foreground stream, and goes on
        # from the paused leg's when it was a background one.
        segments = self._runs_path(entity_id, segment(run_id, "run_id"), "continue")
        try:
            response: Optional[Response] = _check_stream_response(
                self._http.send("POST", segments, form=form, stream=True, idempotent=False),
                f"POST /{'/'.join(segments)}",
            )
            initial_error: Optional[BaseException] = None
        except errors.APIConnectionError as exc:
            if not exc.reached_server:
                raise
            if not background:
                raise errors.StreamInterruptedError(
                    f"The stream continuing run {run_id} was cut before its first event ({exc}); a "
                    "foreground continue is not sent again (the tools may have run). Check the run with "
                    "get_*_run.",
                    run_id=run_id,
                    session_id=session_id,
                ) from exc
            # The server got the continue (the run is known): resume it instead of sending it twice.
            response, initial_error = None, exc
        return self._new_stream(
            _Source(self, entity_id),
            response,
            resumable=background,
            reconnect=reconnect,
            on_reconnect=on_reconnect,
            deadline=deadline,
            initial_error=initial_error,
            run_id=run_id,
            session_id=session_id,
            last_event_index=last_event_index,
            leg_start=CONTINUE_LEG_START[self.kind.name] if last_event_index is None else None,
        )

    # -- inspect and control ---------------------------------------------------------------

    def get_run(self, entity_id: str, run_id: str, session_id: Optional[str] = None) -> RunOutput:
        data = self._http.json(
            "GET",
            self._runs_path(entity_id, segment(run_id, "run_id")),
            params={"session_id": session_id} if session_id else None,
        )
        return validate(RunOutput, data, "AgentOS")

    def list_runs(self, entity_id: str, session_id: str, *, status: Optional[str] = None) -> List[RunOutput]:
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("session_id is required to list runs")
        data = self._http.json("GET", self._runs_path(entity_id), params={"session_id": session_id, "status": status})
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list):
            raise errors.ProtocolError(f"Listing runs of {self.kind.label(entity_id)} did not return a list")
        return [validate(RunOutput, item, "AgentOS") for item in data]

    def cancel(self, entity_id: str, run_id: str) -> None:
        self._http.json("POST", self._runs_path(entity_id, segment(run_id, "run_id"), "cancel"), idempotent=True)

    def wait(
        self,
        entity_id: str,
        run_id: str,
        session_id: Optional[str] = None,
        *,
        timeout: float = 120.0,
        poll_interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RunOutput:
        for name, value in (("timeout", timeout), ("poll_interval", poll_interval)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a number of seconds > 0, got {value!r}")
        deadline = time.monotonic() + timeout
        while True:
            run = self.get_run(entity_id, run_id, session_id)
            if run.is_terminal:
                return run
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.APITimeoutError(
                    f"Run {run_id} of {self.kind.label(entity_id)} is still {run.status} after {timeout}s; "
                    "wait longer, or cancel it."
                )
            sleep(min(poll_interval, remaining))


#: The metadata key a resumable create is tagged with (its Idempotency-Key as the value): the
#: server stores a create's metadata on agent runs and lists it back, so a create cut before its
#: first event finds its OWN run, not another of the session.
CREATE_TAG = "agentos_sync_create"


def _tagged(extra: Mapping[str, Any], tag: str) -> Mapping[str, Any]:
    """``extra`` with the create tag merged into its ``metadata`` (the user's keys kept)."""
    metadata = extra.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return extra  # not ours to fix: the server answers it
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        return extra
    return {**extra, "metadata": {**metadata, CREATE_TAG: tag}}


class _Source:
    """What a RunStream of one run needs from the client (see streams.RunSource).

    ``create`` re-sends the create; ``tag`` is the value of its CREATE_TAG; ``run_id`` the id
    it asked the server to give the run; ``own_session``: the client made the session up for this
    create, so no other request has runs in it.
    """

    def __init__(
        self,
        runs: Runs,
        entity_id: str,
        create: Optional[Callable[[], Response]] = None,
        *,
        tag: Optional[str] = None,
        own_session: bool = False,
        run_id: Optional[str] = None,
    ) -> None:
        self._run_id = run_id
        self._runs = runs
        self._entity_id = entity_id
        self._create = create
        self._tag = tag
        self._own_session = own_session

    def resume(
        self, run_id: str, session_id: Optional[str], last_event_index: Optional[int], *, fresh: bool = False
    ) -> Response:
        # The reconnect policy governs these retries; plain retries inside it would multiply them.
        return self._runs.open_resume(
            self._entity_id, run_id, session_id, last_event_index, retries=0, fresh_connection=fresh
        )

    def locate(self, session_id: str) -> Optional[str]:
        try:
            runs = self._runs.list_runs(self._entity_id, session_id)
        except errors.NotFoundError:
            return None  # the session does not exist: the create never got that far
        if not runs:
            return None
        if self._run_id is not None and any(r.run_id == self._run_id for r in runs):
            return self._run_id
        if self._tag is not None:
            tagged = [r for r in runs if _metadata(r).get(CREATE_TAG) == self._tag]
            if tagged:
                return tagged[0].run_id
        if self._own_session:
            # Nobody else knows this session: its runs are this create's (it is sent again only
            # when none is listed), whatever their metadata says (teams and workflows list None).
            return max(runs, key=lambda r: r.created_timestamp or 0.0).run_id
        # Not listed under the run_id it asked for, nor tagged: the server has not (yet) made it.
        # Re-sending it later is safe either way: a server that honours run_id never made it, and
        # the durable queue (which assigns its own ids) re-attaches a create with the same
        # Idempotency-Key to the original run.
        return None

    def recreate(self) -> Response:
        if self._create is None:
            raise errors.StreamError("This stream cannot re-send its create request.")
        return self._create()

    def get_run(self, run_id: str, session_id: Optional[str]) -> RunOutput:
        return self._runs.get_run(self._entity_id, run_id, session_id)


def _metadata(run: RunOutput) -> Mapping[str, Any]:
    value = (run.model_extra or {}).get("metadata")
    return value if isinstance(value, Mapping) else {}
