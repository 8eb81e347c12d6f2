"""Runs of agents, teams and workflows: one resource class, three instances.

``client.agents``, ``client.teams`` and ``client.workflows`` are `Runs` objects. The three
kinds differ only in their URL path (``/agents``, ``/teams``, ``/workflows``), the form fields
their routes read, their summary model and their event family (which events are terminal).
Everything else, from form encoding to resume, is here once: the public verbs in this module,
what they share (forms, sending a stream, a lost answer) in `_runs_core`, what a kind is and
the argument checks in `_run_kinds`.
"""

from __future__ import annotations

import time
import uuid
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Union, cast, overload

from .. import errors, retry
from .._http import TimeoutArg, segment, validate, validate_list
from .._lost import answer_lost
from ..models import RunAccepted, RunOutput
from ..retry import ReconnectPolicy
from ..streams import CONTINUE_LEG_START, RunStream
from ..streams._source import named, open_resume, tagged
from ..transports.base import Response
from ._base import CallOptions
from ._run_kinds import ContinueFields, CreateFields, RunKind, ToolAnswer, _check_stream_args, _required
from ._runs_core import OnReconnect, S, _kind_id_keyword, _RunsCore, _traced_stream

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["ContinueFields", "CreateFields", "RunKind", "Runs"]


class Runs(_RunsCore[S]):
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

    def __repr__(self) -> str:
        return f"<Runs of {self.kind.path}>"

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
        _check_stream_args(deadline, on_reconnect)
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
        _check_stream_args(deadline, on_reconnect, last_event_index)
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
        _check_stream_args(deadline, on_reconnect, last_event_index)
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
        return self._poll_until_over(entity_id, run_id, session_id, timeout, poll_interval, options, sleep)
