"""Layer 1: ``AgentOSClient``, the public, blocking client.

It builds requests, maps status codes to exceptions, turns JSON into models and hands run streams
to :class:`~agentos_sync.streams.RunStream`. It knows nothing of sockets (that is the transport's
business) and holds no per-call state, so one client is safe to share between threads: the usual
module-level client of a Django project. A stream is not: one stream, one consumer.
"""

from __future__ import annotations

import mimetypes
import os
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)

from . import events
from ._http import HTTPCore, TimeoutArg, normalize_base_url, normalize_timeout, segment, validate
from ._runs import AGENT, TEAM, WORKFLOW, Runs
from ._sessions import Sessions
from .cursors import RunCursor
from .models import (
    AgentSummary,
    ConfigResponse,
    RunAccepted,
    RunOutput,
    SessionRecord,
    SessionsPage,
    TeamSummary,
    WorkflowSummary,
)
from .retry import ReconnectPolicy
from .sse import DEFAULT_MAX_EVENT_BYTES
from .streams import RunStream
from .transports.base import FileField, Transport

if TYPE_CHECKING:
    from .concurrency import RunRequestLike, RunResult

__all__ = ["AgentOSClient", "FileInput"]

#: A file to upload with a run: a path, raw bytes with a name ``(filename, content[, content_type])``,
#: or an open binary file.
FileInput = Union[str, "os.PathLike[str]", Tuple[str, bytes], Tuple[str, bytes, str], IO[bytes]]


def _files(files: Optional[Sequence[FileInput]]) -> Optional[List[FileField]]:
    if not files:
        return None
    if isinstance(files, (str, bytes)):
        raise TypeError("files must be a list of files, not a single str/bytes")
    out: List[FileField] = []
    for item in files:
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            with open(path, "rb") as fh:
                content = fh.read()
            name = os.path.basename(path)
            out.append(("files", (name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")))
        elif isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[1], (bytes, bytearray)):
            name = str(item[0])
            ctype = item[2] if len(item) == 3 else (mimetypes.guess_type(name)[0] or "application/octet-stream")
            out.append(("files", (name, bytes(item[1]), str(ctype))))
        elif not isinstance(item, tuple) and hasattr(item, "read"):
            content = item.read()
            if not isinstance(content, bytes):
                raise TypeError("file objects passed in files must be opened in binary mode")
            name = os.path.basename(str(getattr(item, "name", "upload")))
            out.append(("files", (name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")))
        else:
            raise TypeError(
                "each file must be a path, a (filename, bytes[, content_type]) tuple, or a binary file object; "
                f"got {type(item).__name__}"
            )
    return out


class AgentOSClient:
    """A blocking, thread-safe client for an AgentOS server.

    ``timeout`` is seconds, or ``(connect, read)`` as in requests; on a stream, ``read`` is the
    longest silence tolerated before the stream counts as cut. ``max_retries`` applies to plain
    requests (connection errors and 429/502/503/504, honouring ``Retry-After``; a run is never
    created twice). ``reconnect`` governs resumable streams. ``api_key`` is sent as
    ``Authorization: Bearer`` and never shown.

    Example::

        from agentos_sync import AgentOSClient, events

        client = AgentOSClient("http://localhost:7777")
        print(client.run_agent("assistant", "What is 2 + 2?").content)
        for ev in client.run_agent_stream("assistant", "Tell me a joke"):
            if isinstance(ev, events.RunContentEvent):
                print(ev.content, end="")
    """

    def __init__(
        self,
        base_url: str = "http://localhost:7777",
        *,
        api_key: Optional[str] = None,
        timeout: TimeoutArg = (10.0, 300.0),
        max_retries: int = 2,
        reconnect: Optional[ReconnectPolicy] = None,
        transport: Optional[Transport] = None,
        headers: Optional[Mapping[str, str]] = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        pool_maxsize: int = 10,
        verify: Union[bool, str] = True,
        cert: Optional[Union[str, Tuple[str, str]]] = None,
    ) -> None:
        url = normalize_base_url(base_url)
        if api_key is not None and (not isinstance(api_key, str) or not api_key):
            raise TypeError("api_key must be a non-empty str or None")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
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
        self.reconnect = reconnect or ReconnectPolicy()
        self._http = HTTPCore(
            base_url=url,
            api_key=api_key,
            timeout=normalize_timeout(timeout),
            max_retries=max_retries,
            transport=transport,
            headers=headers,
        )
        self._agents = Runs(self._http, AGENT, reconnect=self.reconnect, max_event_bytes=max_event_bytes)
        self._teams = Runs(self._http, TEAM, reconnect=self.reconnect, max_event_bytes=max_event_bytes)
        self._workflows = Runs(self._http, WORKFLOW, reconnect=self.reconnect, max_event_bytes=max_event_bytes)
        self._sessions = Sessions(self._http)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def transport(self) -> Transport:
        return self._http.transport

    @property
    def timeout(self) -> Tuple[float, float]:
        return self._http.timeout

    def close(self) -> None:
        """Close the transport's pooled connections. Idempotent; the client is unusable after."""
        self._http.close()

    @property
    def closed(self) -> bool:
        return self._http.closed

    def __enter__(self) -> AgentOSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AgentOSClient(base_url={self.base_url!r})"

    # -- discovery -------------------------------------------------------------------------

    def health(self) -> Dict[str, Any]:
        """``GET /health``: ``{"status": "ok", ...}`` when the server is up."""
        data = self._http.json("GET", ["health"])
        return data if isinstance(data, dict) else {"status": data}

    def get_config(self) -> ConfigResponse:
        """What this AgentOS serves: its agents, teams, workflows and databases."""
        return validate(ConfigResponse, self._http.json("GET", ["config"]), "AgentOS")

    def list_agents(self) -> List[AgentSummary]:
        """The agents this AgentOS serves."""
        return [validate(AgentSummary, a, "AgentOS") for a in _as_list(self._http.json("GET", ["agents"]), "/agents")]

    def get_agent(self, agent_id: str) -> AgentSummary:
        """One agent; ``NotFoundError`` when the server does not have it."""
        return validate(AgentSummary, self._http.json("GET", ["agents", segment(agent_id, "agent_id")]), "AgentOS")

    def list_teams(self) -> List[TeamSummary]:
        """The teams this AgentOS serves."""
        return [validate(TeamSummary, t, "AgentOS") for t in _as_list(self._http.json("GET", ["teams"]), "/teams")]

    def get_team(self, team_id: str) -> TeamSummary:
        """One team; ``NotFoundError`` when the server does not have it."""
        return validate(TeamSummary, self._http.json("GET", ["teams", segment(team_id, "team_id")]), "AgentOS")

    def list_workflows(self) -> List[WorkflowSummary]:
        """The workflows this AgentOS serves."""
        data = self._http.json("GET", ["workflows"])
        return [validate(WorkflowSummary, w, "AgentOS") for w in _as_list(data, "/workflows")]

    def get_workflow(self, workflow_id: str) -> WorkflowSummary:
        """One workflow; ``NotFoundError`` when the server does not have it."""
        data = self._http.json("GET", ["workflows", segment(workflow_id, "workflow_id")])
        return validate(WorkflowSummary, data, "AgentOS")

    # -- agents ----------------------------------------------------------------------------------

    @overload
    def run_agent(
        self,
        agent_id: str,
        message: str,
        *,
        background: Literal[False] = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> RunOutput: ...

    @overload
    def run_agent(
        self,
        agent_id: str,
        message: str,
        *,
        background: Literal[True],
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> RunAccepted: ...

    def run_agent(
        self,
        agent_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> Union[RunOutput, RunAccepted]:
        """Run a agent and wait for its answer (``RunOutput``); with ``background=True`` return at
        once with ``RunAccepted`` (poll with ``get_agent_run`` / ``wait_for_agent_run``).

        Extra run fields (``session_state``, ``dependencies``, ``metadata``, ...) pass as keyword
        arguments. Example::

            out = client.run_agent("assistant", "What is 2 + 2?")
            print(out.run_id, out.content)
        """
        return self._agents.run(
            agent_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            files=_files(files),
            extra=kwargs,
        )

    def run_agent_stream(
        self,
        agent_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        **kwargs: Any,
    ) -> RunStream:
        """Run a agent and stream its typed events. The request is sent now (errors such as 404 raise
        here); iterate the returned :class:`RunStream` for the events.

        With ``background=True`` the run survives a dropped connection and the stream resumes it
        transparently (``on_reconnect`` sees the resume's meta events). ``deadline`` bounds the whole
        stream in seconds (``APITimeoutError`` past it), for servers that trickle. Example::

            for ev in client.run_agent_stream("assistant", "Tell me a joke", background=True):
                print(ev.event, ev.event_index)
        """
        return self._agents.stream(
            agent_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            files=_files(files),
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            extra=kwargs,
        )

    def resume_run_stream(
        self,
        agent_id: str,
        run_id: str,
        last_event_index: Optional[int] = None,
        session_id: Optional[str] = None,
        *,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
    ) -> RunStream:
        """Re-attach to a agent run's stream after ``last_event_index`` (None: from the start).

        Yields the server's meta events first (``CatchUpEvent``, ``ReplayEvent``,
        ``SubscribedEvent``), then the missed and live events; it resumes again by itself if it
        drops. An unknown run raises ``RunNotFoundError``. Example::

            for ev in client.resume_run_stream("assistant", run_id, last_event_index=4, session_id=sid):
                ...
        """
        return self._agents.resume_stream(
            agent_id,
            run_id,
            last_event_index=last_event_index,
            session_id=session_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
        )

    def get_agent_run(self, agent_id: str, run_id: str, session_id: Optional[str] = None) -> RunOutput:
        """One agent run as the server stores it, with its ``status``."""
        return self._agents.get_run(agent_id, run_id, session_id)

    def list_agent_runs(self, agent_id: str, session_id: str, *, status: Optional[str] = None) -> List[RunOutput]:
        """The agent's runs in a session (optionally only those with ``status``)."""
        return self._agents.list_runs(agent_id, session_id, status=status)

    def wait_for_agent_run(
        self,
        agent_id: str,
        run_id: str,
        session_id: Optional[str] = None,
        *,
        timeout: float = 120.0,
        poll_interval: float = 1.0,
    ) -> RunOutput:
        """Poll a agent run until it completes, fails, is cancelled or pauses; raise
        ``APITimeoutError`` when ``timeout`` seconds pass first."""
        return self._agents.wait(agent_id, run_id, session_id, timeout=timeout, poll_interval=poll_interval)

    def cancel_agent_run(self, agent_id: str, run_id: str) -> None:
        """Ask the server to cancel a agent run (its stream then ends with a cancelled event)."""
        self._agents.cancel(agent_id, run_id)

    def continue_agent_run(
        self,
        agent_id: str,
        run_id: str,
        tools: Optional[Sequence[Union[events.ToolExecution, Dict[str, Any]]]] = None,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        **kwargs: Any,
    ) -> Union[RunOutput, RunAccepted]:
        """Continue a paused agent run with its answered tools (confirmed, given user input, or
        executed externally) and wait for the rest."""
        return self._agents.continue_run(
            agent_id,
            run_id,
            tools,
            session_id=session_id,
            background=background,
            user_id=user_id,
            extra=kwargs,
        )

    def continue_agent_run_stream(
        self,
        agent_id: str,
        run_id: str,
        tools: Optional[Sequence[Union[events.ToolExecution, Dict[str, Any]]]] = None,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        last_event_index: Optional[int] = None,
        **kwargs: Any,
    ) -> RunStream:
        """Continue a paused agent run and stream the rest (resumable with ``background=True``).

        ``last_event_index``: the paused stream's last index (``stream.last_event_index``), so a
        resume after a cut starts past the paused part; when omitted for a background continue,
        the client reads it from the server first (one ``/resume`` request).
        """
        return self._agents.continue_stream(
            agent_id,
            run_id,
            tools,
            session_id=session_id,
            background=background,
            user_id=user_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            last_event_index=last_event_index,
            extra=kwargs,
        )

    # -- teams ----------------------------------------------------------------------------------

    @overload
    def run_team(
        self,
        team_id: str,
        message: str,
        *,
        background: Literal[False] = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> RunOutput: ...

    @overload
    def run_team(
        self,
        team_id: str,
        message: str,
        *,
        background: Literal[True],
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> RunAccepted: ...

    def run_team(
        self,
        team_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> Union[RunOutput, RunAccepted]:
        """Run a team and wait for its answer (``RunOutput``); with ``background=True`` return at
        once with ``RunAccepted`` (poll with ``get_team_run`` / ``wait_for_team_run``).

        Extra run fields (``session_state``, ``dependencies``, ``metadata``, ...) pass as keyword
        arguments. Example::

            out = client.run_team("duo", "What is 2 + 2?")
            print(out.run_id, out.content)
        """
        return self._teams.run(
            team_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            files=_files(files),
            extra=kwargs,
        )

    def run_team_stream(
        self,
        team_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        **kwargs: Any,
    ) -> RunStream:
        """Run a team and stream its typed events. The request is sent now (errors such as 404 raise
        here); iterate the returned :class:`RunStream` for the events.

        With ``background=True`` the run survives a dropped connection and the stream resumes it
        transparently (``on_reconnect`` sees the resume's meta events). ``deadline`` bounds the whole
        stream in seconds (``APITimeoutError`` past it), for servers that trickle. Example::

            for ev in client.run_team_stream("duo", "Tell me a joke", background=True):
                print(ev.event, ev.event_index)
        """
        return self._teams.stream(
            team_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            files=_files(files),
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            extra=kwargs,
        )

    def resume_team_run_stream(
        self,
        team_id: str,
        run_id: str,
        last_event_index: Optional[int] = None,
        session_id: Optional[str] = None,
        *,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
    ) -> RunStream:
        """Re-attach to a team run's stream after ``last_event_index`` (None: from the start).

        Yields the server's meta events first (``CatchUpEvent``, ``ReplayEvent``,
        ``SubscribedEvent``), then the missed and live events; it resumes again by itself if it
        drops. An unknown run raises ``RunNotFoundError``. Example::

            for ev in client.resume_team_run_stream("duo", run_id, last_event_index=4, session_id=sid):
                ...
        """
        return self._teams.resume_stream(
            team_id,
            run_id,
            last_event_index=last_event_index,
            session_id=session_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
        )

    def get_team_run(self, team_id: str, run_id: str, session_id: Optional[str] = None) -> RunOutput:
        """One team run as the server stores it, with its ``status``."""
        return self._teams.get_run(team_id, run_id, session_id)

    def list_team_runs(self, team_id: str, session_id: str, *, status: Optional[str] = None) -> List[RunOutput]:
        """The team's runs in a session (optionally only those with ``status``)."""
        return self._teams.list_runs(team_id, session_id, status=status)

    def wait_for_team_run(
        self,
        team_id: str,
        run_id: str,
        session_id: Optional[str] = None,
        *,
        timeout: float = 120.0,
        poll_interval: float = 1.0,
    ) -> RunOutput:
        """Poll a team run until it completes, fails, is cancelled or pauses; raise
        ``APITimeoutError`` when ``timeout`` seconds pass first."""
        return self._teams.wait(team_id, run_id, session_id, timeout=timeout, poll_interval=poll_interval)

    def cancel_team_run(self, team_id: str, run_id: str) -> None:
        """Ask the server to cancel a team run (its stream then ends with a cancelled event)."""
        self._teams.cancel(team_id, run_id)

    def continue_team_run(
        self,
        team_id: str,
        run_id: str,
        tools: Optional[Sequence[Union[events.ToolExecution, Dict[str, Any]]]] = None,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        **kwargs: Any,
    ) -> Union[RunOutput, RunAccepted]:
        """Continue a paused team run with its answered tools (confirmed, given user input, or
        executed externally) and wait for the rest."""
        return self._teams.continue_run(
            team_id,
            run_id,
            tools,
            session_id=session_id,
            background=background,
            user_id=user_id,
            extra=kwargs,
        )

    def continue_team_run_stream(
        self,
        team_id: str,
        run_id: str,
        tools: Optional[Sequence[Union[events.ToolExecution, Dict[str, Any]]]] = None,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        last_event_index: Optional[int] = None,
        **kwargs: Any,
    ) -> RunStream:
        """Continue a paused team run and stream the rest (resumable with ``background=True``).

        ``last_event_index``: the paused stream's last index (``stream.last_event_index``), so a
        resume after a cut starts past the paused part; when omitted for a background continue,
        the client reads it from the server first (one ``/resume`` request).
        """
        return self._teams.continue_stream(
            team_id,
            run_id,
            tools,
            session_id=session_id,
            background=background,
            user_id=user_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            last_event_index=last_event_index,
            extra=kwargs,
        )

    # -- workflows ----------------------------------------------------------------------------------

    @overload
    def run_workflow(
        self,
        workflow_id: str,
        message: str,
        *,
        background: Literal[False] = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> RunOutput: ...

    @overload
    def run_workflow(
        self,
        workflow_id: str,
        message: str,
        *,
        background: Literal[True],
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> RunAccepted: ...

    def run_workflow(
        self,
        workflow_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        **kwargs: Any,
    ) -> Union[RunOutput, RunAccepted]:
        """Run a workflow and wait for its answer (``RunOutput``); with ``background=True`` return at
        once with ``RunAccepted`` (poll with ``get_workflow_run`` / ``wait_for_workflow_run``).

        Extra run fields (``session_state``, ``dependencies``, ``metadata``, ...) pass as keyword
        arguments. Example::

            out = client.run_workflow("pipeline", "What is 2 + 2?")
            print(out.run_id, out.content)
        """
        return self._workflows.run(
            workflow_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            files=_files(files),
            extra=kwargs,
        )

    def run_workflow_stream(
        self,
        workflow_id: str,
        message: str,
        *,
        background: bool = False,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        files: Optional[Sequence[FileInput]] = None,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        **kwargs: Any,
    ) -> RunStream:
        """Run a workflow and stream its typed events. The request is sent now (errors such as 404 raise
        here); iterate the returned :class:`RunStream` for the events.

        With ``background=True`` the run survives a dropped connection and the stream resumes it
        transparently (``on_reconnect`` sees the resume's meta events). ``deadline`` bounds the whole
        stream in seconds (``APITimeoutError`` past it), for servers that trickle. Example::

            for ev in client.run_workflow_stream("pipeline", "Tell me a joke", background=True):
                print(ev.event, ev.event_index)
        """
        return self._workflows.stream(
            workflow_id,
            message,
            background=background,
            session_id=session_id,
            user_id=user_id,
            files=_files(files),
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            extra=kwargs,
        )

    def resume_workflow_run_stream(
        self,
        workflow_id: str,
        run_id: str,
        last_event_index: Optional[int] = None,
        session_id: Optional[str] = None,
        *,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
    ) -> RunStream:
        """Re-attach to a workflow run's stream after ``last_event_index`` (None: from the start).

        Yields the server's meta events first (``CatchUpEvent``, ``ReplayEvent``,
        ``SubscribedEvent``), then the missed and live events; it resumes again by itself if it
        drops. An unknown run raises ``RunNotFoundError``. Example::

            for ev in client.resume_workflow_run_stream("pipeline", run_id, last_event_index=4, session_id=sid):
                ...
        """
        return self._workflows.resume_stream(
            workflow_id,
            run_id,
            last_event_index=last_event_index,
            session_id=session_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
        )

    def get_workflow_run(self, workflow_id: str, run_id: str, session_id: Optional[str] = None) -> RunOutput:
        """One workflow run as the server stores it, with its ``status``."""
        return self._workflows.get_run(workflow_id, run_id, session_id)

    def list_workflow_runs(self, workflow_id: str, session_id: str, *, status: Optional[str] = None) -> List[RunOutput]:
        """The workflow's runs in a session (optionally only those with ``status``)."""
        return self._workflows.list_runs(workflow_id, session_id, status=status)

    def wait_for_workflow_run(
        self,
        workflow_id: str,
        run_id: str,
        session_id: Optional[str] = None,
        *,
        timeout: float = 120.0,
        poll_interval: float = 1.0,
    ) -> RunOutput:
        """Poll a workflow run until it completes, fails, is cancelled or pauses; raise
        ``APITimeoutError`` when ``timeout`` seconds pass first."""
        return self._workflows.wait(workflow_id, run_id, session_id, timeout=timeout, poll_interval=poll_interval)

    def cancel_workflow_run(self, workflow_id: str, run_id: str) -> None:
        """Ask the server to cancel a workflow run (its stream then ends with a cancelled event)."""
        self._workflows.cancel(workflow_id, run_id)

    def continue_workflow_run(
        self,
        workflow_id: str,
        run_id: str,
        tools: Optional[Sequence[Union[events.ToolExecution, Dict[str, Any]]]] = None,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        **kwargs: Any,
    ) -> Union[RunOutput, RunAccepted]:
        """Continue a paused workflow run with its answered tools (confirmed, given user input, or
        executed externally) and wait for the rest."""
        return self._workflows.continue_run(
            workflow_id,
            run_id,
            tools,
            session_id=session_id,
            background=background,
            user_id=user_id,
            extra=kwargs,
        )

    def continue_workflow_run_stream(
        self,
        workflow_id: str,
        run_id: str,
        tools: Optional[Sequence[Union[events.ToolExecution, Dict[str, Any]]]] = None,
        *,
        session_id: str,
        background: bool = False,
        user_id: Optional[str] = None,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        last_event_index: Optional[int] = None,
        **kwargs: Any,
    ) -> RunStream:
        """Continue a paused workflow run and stream the rest (resumable with ``background=True``).

        ``last_event_index``: the paused stream's last index (``stream.last_event_index``), so a
        resume after a cut starts past the paused part; when omitted for a background continue,
        the client reads it from the server first (one ``/resume`` request).
        """
        return self._workflows.continue_stream(
            workflow_id,
            run_id,
            tools,
            session_id=session_id,
            background=background,
            user_id=user_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            last_event_index=last_event_index,
            extra=kwargs,
        )

    # -- sessions ------------------------------------------------------------------------------

    def create_session(
        self,
        session_type: str = "agent",
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        session_name: Optional[str] = None,
        session_state: Optional[Dict[str, Any]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        db_id: Optional[str] = None,
    ) -> SessionRecord:
        """Create a session (``session_type``: agent, team or workflow). Example::

        s = client.create_session(agent_id="assistant", session_name="Support chat")
        client.run_agent("assistant", "Hi", session_id=s.session_id)
        """
        return self._sessions.create(
            session_type=session_type,
            session_id=session_id,
            user_id=user_id,
            session_name=session_name,
            session_state=session_state,
            metadata=metadata,
            agent_id=agent_id,
            team_id=team_id,
            workflow_id=workflow_id,
            db_id=db_id,
        )

    def get_sessions(
        self,
        session_type: Optional[str] = None,
        component_id: Optional[str] = None,
        user_id: Optional[str] = None,
        session_name: Optional[str] = None,
        limit: int = 20,
        page: int = 1,
        sort_by: str = "created_at",
        sort_order: str = "desc",
        db_id: Optional[str] = None,
        table: Optional[str] = None,
    ) -> SessionsPage:
        """One page of sessions, filtered; ``.data`` holds them, ``.meta`` the pagination."""
        return self._sessions.list(
            session_type=session_type,
            component_id=component_id,
            user_id=user_id,
            session_name=session_name,
            limit=limit,
            page=page,
            sort_by=sort_by,
            sort_order=sort_order,
            db_id=db_id,
            table=table,
        )

    def get_session(
        self,
        session_id: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
    ) -> SessionRecord:
        """One session with its state; ``NotFoundError`` when unknown."""
        return self._sessions.get(session_id, session_type=session_type, user_id=user_id, db_id=db_id)

    def get_session_runs(
        self,
        session_id: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        created_after: Optional[int] = None,
        created_before: Optional[int] = None,
        status: Optional[Sequence[str]] = None,
        db_id: Optional[str] = None,
    ) -> List[RunOutput]:
        """The runs of a session (agent, team or workflow runs), optionally filtered."""
        return self._sessions.runs(
            session_id,
            session_type=session_type,
            user_id=user_id,
            created_after=created_after,
            created_before=created_before,
            status=status,
            db_id=db_id,
        )

    def get_session_run(
        self,
        session_id: str,
        run_id: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
    ) -> RunOutput:
        """One run of a session."""
        return self._sessions.run(session_id, run_id, session_type=session_type, user_id=user_id, db_id=db_id)

    def rename_session(
        self,
        session_id: str,
        session_name: str,
        session_type: Optional[str] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
    ) -> SessionRecord:
        """Rename a session."""
        return self._sessions.rename(session_id, session_name, session_type=session_type, user_id=user_id, db_id=db_id)

    def update_session(
        self,
        session_id: str,
        session_type: Optional[str] = None,
        session_name: Optional[str] = None,
        session_state: Optional[Dict[str, Any]] = None,
        metadata: Optional[Dict[str, Any]] = None,
        summary: Optional[Dict[str, Any]] = None,
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
    ) -> SessionRecord:
        """Update a session's name, state, metadata or summary."""
        return self._sessions.update(
            session_id,
            session_type=session_type,
            session_name=session_name,
            session_state=session_state,
            metadata=metadata,
            summary=summary,
            user_id=user_id,
            db_id=db_id,
        )

    def delete_session(self, session_id: str, user_id: Optional[str] = None, db_id: Optional[str] = None) -> None:
        """Delete a session and its runs."""
        self._sessions.delete(session_id, user_id=user_id, db_id=db_id)

    def delete_sessions(
        self,
        session_ids: Sequence[str],
        session_types: Sequence[str],
        user_id: Optional[str] = None,
        db_id: Optional[str] = None,
    ) -> None:
        """Delete several sessions; ``session_types`` gives each one's type, in the same order."""
        self._sessions.delete_many(session_ids, session_types, user_id=user_id, db_id=db_id)

    # -- concurrency -----------------------------------------------------------------------------

    def run_many(
        self,
        requests: Iterable[RunRequestLike],
        *,
        max_workers: int = 8,
        kind: str = "agent",
        resumable: bool = False,
        on_result: Optional[Callable[[RunResult], Any]] = None,
    ) -> List[RunResult]:
        """Run many runs on a bounded thread pool; results in input order, each run's error
        captured in its result rather than raised half-way. See :func:`agentos_sync.concurrency.run_many`.

        Example::

            results = client.run_many([("assistant", "Hi"), ("assistant", "What is 2 + 2?")], max_workers=4)
            for r in results:
                print(r.output.content if r.ok else r.error)
        """
        from .concurrency import run_many

        return run_many(self, requests, max_workers=max_workers, kind=kind, resumable=resumable, on_result=on_result)

    def resume(
        self,
        cursor: Union[RunCursor, str],
        *,
        on_reconnect: Optional[Callable[[events.StreamMetaEvent], Any]] = None,
        reconnect: Optional[ReconnectPolicy] = None,
        deadline: Optional[float] = None,
        include_meta: bool = False,
    ) -> RunStream:
        """Re-attach to the run a :class:`~agentos_sync.cursors.RunCursor` (or its string) names,
        in this process, yielding exactly the events after the cursor's ``last_event_index``.

        ``stream.cursor`` makes one; it may come from another process, a task queue or a
        database. The server's meta events (``CatchUpEvent``, ``ReplayEvent``, ...) go to
        ``on_reconnect`` unless ``include_meta=True``. A run the server no longer knows raises
        ``NotFoundError`` or ``RunNotFoundError``; a finished run yields what it had left.

        Example::

            stream = client.resume(RunCursor.from_string(saved))
            for ev in stream:
                handle(ev)
        """
        if isinstance(cursor, str):
            cursor = RunCursor.from_string(cursor)
        elif not isinstance(cursor, RunCursor):
            raise TypeError(f"cursor must be a RunCursor or its string, got {type(cursor).__name__}")
        runs = {"agent": self._agents, "team": self._teams, "workflow": self._workflows}[cursor.kind]
        return runs.resume_stream(
            cursor.entity_id,
            cursor.run_id,
            last_event_index=cursor.last_event_index,
            session_id=cursor.session_id,
            on_reconnect=on_reconnect,
            reconnect=reconnect,
            deadline=deadline,
            yield_meta=include_meta,
        )

    #: The agent spelling of ``resume_run_stream``, for symmetry with teams and workflows.
    resume_agent_run_stream = resume_run_stream


def _as_list(data: Any, what: str) -> List[Any]:
    if isinstance(data, list):
        return data
    from .errors import ProtocolError

    raise ProtocolError(f"GET {what} did not return a list: {str(data)[:200]!r}")
