"""A synchronous A2A client for AgentOS's A2A interface (``/a2a/{agents|teams|workflows}/{id}/...``):
``client.a2a``. Agent card, send (blocking, or not: the server answers 202 with a ``submitted``
task), stream with typed events, get and cancel a task, wait for it.

AgentOS has no ``tasks/resubscribe``, and it cancels a streamed run whose client went away (an A2A
stream is a foreground run). So a cut stream cannot be resumed; instead `A2AStream` finishes
it exactly: it polls ``tasks:get`` until the task is in a final state and yields that task as its
last event. No event is shown twice (nothing is replayed), and the last event is the task the
server stores (after a cut, usually ``canceled``: check ``stream.recovered``).

Example:
    ```python
    card = client.a2a.agent_card("assistant")
    task = client.a2a.send("assistant", "What is 2 + 2?")
    print(task.status.state, task.text)
    for ev in client.a2a.stream("assistant", "Tell me a joke"):
        if isinstance(ev, A2AMessage):
            print(ev.text, end="")
    ```
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from . import errors
from ._http import TimeoutArg, segment, validate
from ._polling import poll
from .resources._base import APIResource, CallOptions
from .sse import iter_frames
from .transports.base import Response

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "A2A",
    "A2AArtifactUpdate",
    "A2AEvent",
    "A2AMessage",
    "A2AStatusUpdate",
    "A2AStream",
    "A2ATask",
    "A2AUnknownEvent",
    "AgentCard",
    "TaskStatus",
]

#: The states after which a task never changes (A2A ``TaskState``).
FINAL_STATES = frozenset({"completed", "canceled", "failed", "rejected"})
_KINDS = {"agent": "agents", "team": "teams", "workflow": "workflows"}


class _A2AModel(BaseModel):
    # A2A's JSON is camelCase (contextId, taskId): fields are snake_case with camelCase aliases
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class AgentCard(_A2AModel):
    """What the agent says about itself (``/.well-known/agent-card.json``)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True, alias_generator=_camel)

    name: str
    description: Optional[str] = None
    url: Optional[str] = None
    version: Optional[str] = None
    protocol_version: Optional[str] = None
    capabilities: Dict[str, Any] = Field(default_factory=dict)
    skills: List[Dict[str, Any]] = Field(default_factory=list)
    default_input_modes: List[str] = Field(default_factory=list)
    default_output_modes: List[str] = Field(default_factory=list)


class TaskStatus(_A2AModel):
    """``state``: submitted, working, input-required, completed, canceled, failed, rejected, ..."""

    state: str
    timestamp: Optional[str] = None


class A2AMessage(_A2AModel):
    """A message (the ``Message`` event of a stream: one piece of the agent's text)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True, alias_generator=_camel)

    message_id: Optional[str] = None
    role: Optional[str] = None
    parts: List[Dict[str, Any]] = Field(default_factory=list)
    context_id: Optional[str] = None
    task_id: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None

    @property
    def text(self) -> str:
        """The text parts, joined."""
        return "".join(str(p.get("text", "")) for p in self.parts if p.get("kind") == "text")


class A2ATask(_A2AModel):
    """A task: the run behind it (``id`` is the run_id, ``context_id`` the session_id)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True, alias_generator=_camel)

    id: str
    context_id: Optional[str] = None
    status: TaskStatus
    history: Optional[List[A2AMessage]] = None
    artifacts: Optional[List[Dict[str, Any]]] = None

    @property
    def is_final(self) -> bool:
        """True once the task can no longer change (completed, canceled, failed, rejected)."""
        return self.status.state in FINAL_STATES

    @property
    def text(self) -> str:
        """The agent's reply: the text of the last agent message."""
        replies = [m for m in self.history or [] if m.role == "agent"]
        return replies[-1].text if replies else ""


class A2AStatusUpdate(_A2AModel):
    """A ``TaskStatusUpdateEvent``: the task's state changed (``final`` on the last one);
    ``metadata`` says what happened (``agno_event_type``: tool_call_started, ...)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True, alias_generator=_camel)

    task_id: Optional[str] = None
    context_id: Optional[str] = None
    status: TaskStatus
    final: bool = False
    metadata: Optional[Dict[str, Any]] = None


class A2AArtifactUpdate(_A2AModel):
    """A ``TaskArtifactUpdateEvent``: a file, image or other artifact of the task."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True, alias_generator=_camel)

    task_id: Optional[str] = None
    context_id: Optional[str] = None
    artifact: Dict[str, Any] = Field(default_factory=dict)


class A2AUnknownEvent(_A2AModel):
    """An event type this client does not know, with its ``name`` and ``result`` (never dropped)."""

    name: str
    result: Any = None


A2AEvent = Union[A2AStatusUpdate, A2AMessage, A2ATask, A2AArtifactUpdate, A2AUnknownEvent]
"""What an A2A stream yields: a status update, a message, the task, an artifact update, or an
event of a kind this client does not know (kept with its payload, never dropped)."""
_EVENT_TYPES: Dict[str, Any] = {
    "status-update": A2AStatusUpdate,
    "message": A2AMessage,
    "task": A2ATask,
    "artifact-update": A2AArtifactUpdate,
}


def _event(name: str, data: bytes) -> A2AEvent:
    """One SSE frame of a ``message:stream`` answer (a JSON-RPC response) -> a typed event."""
    try:
        envelope = json.loads(data)
    except ValueError as exc:
        raise errors.ProtocolError(f"A2A stream frame {name!r} is not JSON: {data[:200]!r}") from exc
    if not isinstance(envelope, dict):
        raise errors.ProtocolError(f"A2A stream frame {name!r} is not a JSON-RPC response: {data[:200]!r}")
    if envelope.get("error") is not None:
        raise errors.ProtocolError(f"A2A stream answered a JSON-RPC error: {envelope['error']!r}")
    result = envelope.get("result")
    model = _EVENT_TYPES.get(str(result.get("kind"))) if isinstance(result, dict) else None
    if model is None:
        return A2AUnknownEvent(name=name, result=result)
    event: A2AEvent = validate(model, result, "AgentOS A2A")
    return event


class A2AStream:
    """The events of one ``message:stream``: a context manager and an iterator that owns its
    connection. A cut (the connection breaks, a read times out, or it closes before the final
    task) is finished by polling the task: the last event is then the task as the server stores it, and
    ``recovered`` is True. ``task_id`` and ``context_id`` are known from the first event on.

    Example:
        ```python
        with client.a2a.stream("assistant", "Tell me a story") as stream:
            for ev in stream:
                print(type(ev).__name__)
        print(stream.task.status.state, stream.recovered)
        ```
    """

    def __init__(
        self,
        response: Optional[Response],
        context_id: str,
        poll_task: Callable[[str, str], A2ATask],
        find_task: Callable[[str], Optional[str]],
    ) -> None:
        self._response = response
        self._poll_task = poll_task
        self._find_task = find_task
        self.context_id = context_id
        self.task_id: Optional[str] = None
        #: The final task (the stream's last event), once delivered.
        self.task: Optional[A2ATask] = None
        #: True when the stream was cut and its end came from polling the task.
        self.recovered = False
        self._iter = self._events()

    def __iter__(self) -> Iterator[A2AEvent]:
        return self._iter

    def __next__(self) -> A2AEvent:
        return next(self._iter)

    def __enter__(self) -> A2AStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent). On AgentOS this cancels the task if it still runs."""
        if self._response is not None:
            self._response.close()

    def _events(self) -> Iterator[A2AEvent]:
        if self._response is None:  # the request was cut inside the response headers
            yield self._finish()
            return
        try:
            try:
                for frame in iter_frames(self._response.iter_bytes()):
                    if not frame.complete:
                        break  # the body ended inside a frame: a cut
                    event = _event(frame.event, frame.data)
                    self._note(event)
                    yield event
                    if isinstance(event, A2ATask) and event.is_final:
                        self.task = event
                        return
            except errors.APIConnectionError:
                pass  # a cut: finished below
        finally:
            self._response.close()
        yield self._finish()

    def _note(self, event: A2AEvent) -> None:
        task_id = getattr(event, "task_id", None) or (event.id if isinstance(event, A2ATask) else None)
        if task_id and self.task_id is None:
            self.task_id = task_id
        context_id = getattr(event, "context_id", None)
        if context_id:
            self.context_id = context_id

    def _finish(self) -> A2ATask:
        """The cut stream's end: the task as stored, once final."""
        task_id = self.task_id or self._find_task(self.context_id)
        if task_id is None:
            raise errors.StreamInterruptedError(
                f"the A2A stream was cut before its task started, and context {self.context_id!r} holds no run; "
                "send the message again",
                session_id=self.context_id,
            )
        self.task_id = task_id
        self.task = self._poll_task(task_id, self.context_id)
        self.recovered = True
        return self.task


class A2A(APIResource):
    """AgentOS's A2A interface: ``client.a2a``. ``kind`` is ``"agent"`` (default), ``"team"`` or
    ``"workflow"``; every method also takes ``timeout=`` and ``extra_headers=``. agno's
    ``A2AClient`` names (``send_message``, ``stream_message``, ``get_agent_card``) are aliases.

    Example:
        ```python
        task = client.a2a.send("assistant", "Summarise the report", blocking=False)   # 202, submitted
        done = client.a2a.wait("assistant", task.id, task.context_id)
        print(done.status.state, done.text)
        ```
    """

    name = "a2a"

    def _path(self, kind: str, entity_id: str, *rest: str) -> List[str]:
        plural = _KINDS.get(kind)
        if plural is None:
            raise ValueError(f"kind must be one of {', '.join(_KINDS)}, got {kind!r}")
        return ["a2a", plural, segment(entity_id, "entity_id"), *rest]

    @staticmethod
    def _rpc(method: str, params: Dict[str, Any]) -> Dict[str, Any]:
        return {"jsonrpc": "2.0", "id": str(uuid.uuid4()), "method": method, "params": params}

    @staticmethod
    def _message(
        text: str, context_id: str, user_id: Optional[str], metadata: Optional[Dict[str, Any]]
    ) -> Dict[str, Any]:
        if not isinstance(text, str) or not text:
            raise ValueError("text must be a non-empty str")
        meta = dict(metadata or {})
        if user_id is not None:
            meta["userId"] = user_id
        message: Dict[str, Any] = {
            "messageId": str(uuid.uuid4()),
            "role": "user",
            "contextId": context_id,
            "parts": [{"kind": "text", "text": text}],
        }
        if meta:
            message["metadata"] = meta
        return message

    def _result(self, data: Any, what: str) -> A2ATask:
        if not isinstance(data, dict) or not isinstance(data.get("result"), dict):
            raise errors.ProtocolError(f"{what} did not answer a JSON-RPC result: {str(data)[:200]!r}")
        return validate(A2ATask, data["result"], "AgentOS A2A")

    def agent_card(self, entity_id: str, kind: str = "agent", **options: Unpack[CallOptions]) -> AgentCard:
        """The agent card of an agent, team or workflow; ``NotFoundError`` when unknown.

        Example:
            ```python
            card = client.a2a.agent_card("assistant")
            print(card.name, card.capabilities.get("streaming"))
            ```
        """
        data = self._http.json(
            "GET",
            self._path(kind, entity_id, ".well-known", "agent-card.json"),
            **self._options(options),
        )
        return validate(AgentCard, data, "AgentOS A2A")

    def send(
        self,
        entity_id: str,
        text: str,
        kind: str = "agent",
        context_id: Optional[str] = None,
        blocking: bool = True,
        user_id: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        **options: Unpack[CallOptions],
    ) -> A2ATask:
        """Send a message: the finished task, or with ``blocking=False`` the ``submitted`` task at
        once (poll it with `get_task` or `wait`). ``context_id`` continues a
        conversation (it is the session).

        Example:
            ```python
            task = client.a2a.send("assistant", "What is 2 + 2?")
            assert task.status.state == "completed" and task.text == "2 + 2 = 4."
            ```
        """
        params: Dict[str, Any] = {"message": self._message(text, context_id or str(uuid.uuid4()), user_id, metadata)}
        if not blocking:
            params["configuration"] = {"blocking": False}
        data = self._http.json(
            "POST",
            self._path(kind, entity_id, "v1", "message:send"),
            json_body=self._rpc("message/send", params),
            **self._options(options),
        )
        return self._result(data, "message:send")

    def stream(
        self,
        entity_id: str,
        text: str,
        kind: str = "agent",
        context_id: Optional[str] = None,
        user_id: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        poll_timeout: float = 300.0,
        poll_interval: float = 0.25,
        find_grace: float = 10.0,
        **options: Unpack[CallOptions],
    ) -> A2AStream:
        """Send a message and stream the task's events: `A2AStatusUpdate`, `A2AMessage`
        (pieces of text), then the final `A2ATask`. A cut stream ends with the task as the
        server stores it, polled for up to ``poll_timeout`` seconds (teams and agents; a workflow
        has no ``tasks:get``, so its cut raises ``StreamInterruptedError``). A cut before the first
        event named the task looks for it in the context for up to ``find_grace`` seconds; if the
        server never made it, ``StreamInterruptedError`` says to send again. With ``context_id``
        (a conversation that goes on) the context's runs are read first, one GET, so that this
        search can never take an earlier message's task.

        Example:
            ```python
            with client.a2a.stream("assistant", "Tell me a story") as stream:
                for ev in stream:
                    if isinstance(ev, A2AMessage):
                        print(ev.text, end="")
            print(stream.task.status.state)
            ```
        """
        context = context_id or str(uuid.uuid4())
        # an existing conversation's runs, so that a cut before the task is named finds this
        # message's task and not an earlier one (a new context costs nothing)
        before = set(self._session_runs(kind, entity_id, context)) if context_id and kind != "workflow" else set()
        body = self._rpc("message/stream", {"message": self._message(text, context, user_id, metadata)})
        opts = self._options(options)
        response: Optional[Response]
        try:
            # sent once: a second message:stream would start a second run
            response = self._http.send(
                "POST",
                self._path(kind, entity_id, "v1", "message:stream"),
                json_body=body,
                stream=True,
                retries=0,
                **opts,
            )
        except errors.APIConnectionError as exc:
            if not exc.reached_server:
                raise  # nothing was sent: safe to call stream() again
            response = None  # the server may have made the task: find it by its context

        def poll_task(task_id: str, ctx: str) -> A2ATask:
            if kind == "workflow":
                raise errors.StreamInterruptedError(
                    f"the A2A stream of workflow {entity_id!r} was cut; AgentOS has no tasks:get for workflows",
                    run_id=task_id,
                    session_id=ctx,
                )
            return self.wait(
                entity_id,
                task_id,
                ctx,
                kind,
                timeout=poll_timeout,
                poll_interval=poll_interval,
                request_timeout=options.get("timeout"),
                extra_headers=options.get("extra_headers"),
            )

        def find_task(ctx: str) -> Optional[str]:
            # cut before the first event named the task: its run, if the server made one, is the
            # context's new run; AgentOS stores it a moment after the cut, so look for a while
            if kind == "workflow":
                return None
            deadline = time.monotonic() + find_grace
            while True:
                new = [r for r in self._session_runs(kind, entity_id, ctx) if r not in before]
                if new or time.monotonic() >= deadline:
                    return new[-1] if new else None
                time.sleep(poll_interval)

        return A2AStream(response, context, poll_task, find_task)

    def _session_runs(self, kind: str, entity_id: str, context_id: str) -> List[str]:
        """The run ids of a context (the session), oldest first; none for an unknown session."""
        try:
            runs = self._http.json(
                "GET", [_KINDS[kind], segment(entity_id, "entity_id"), "runs"], params={"session_id": context_id}
            )
        except errors.NotFoundError:
            return []
        return [str(r["run_id"]) for r in runs if isinstance(r, dict)] if isinstance(runs, list) else []

    def get_task(
        self, entity_id: str, task_id: str, context_id: str, kind: str = "agent", **options: Unpack[CallOptions]
    ) -> A2ATask:
        """A task as the server stores it (agents and teams; ``context_id`` is required by AgentOS).

        Example:
            ```python
            print(client.a2a.get_task("assistant", task.id, task.context_id).status.state)
            ```
        """
        body = self._rpc(
            "tasks/get", {"id": segment(task_id, "task_id"), "contextId": segment(context_id, "context_id")}
        )
        data = self._http.json(
            "POST",
            self._path(kind, entity_id, "v1", "tasks:get"),
            json_body=body,
            idempotent=True,
            **self._options(options),
        )
        return self._result(data, "tasks:get")

    def cancel_task(
        self,
        entity_id: str,
        task_id: str,
        context_id: Optional[str] = None,
        kind: str = "agent",
        **options: Unpack[CallOptions],
    ) -> A2ATask:
        """Ask the server to cancel a task (always accepted: the answer says ``canceled``; the run
        stops at its next step).

        Example:
            ```python
            client.a2a.cancel_task("assistant", task.id, task.context_id)
            ```
        """
        params: Dict[str, Any] = {"id": segment(task_id, "task_id")}
        if context_id is not None:
            params["contextId"] = context_id
        data = self._http.json(
            "POST",
            self._path(kind, entity_id, "v1", "tasks:cancel"),
            json_body=self._rpc("tasks/cancel", params),
            idempotent=True,
            **self._options(options),
        )
        return self._result(data, "tasks:cancel")

    def wait(
        self,
        entity_id: str,
        task_id: str,
        context_id: Optional[str],
        kind: str = "agent",
        *,
        timeout: float = 300.0,
        poll_interval: float = 0.5,
        request_timeout: TimeoutArg = None,
        extra_headers: Optional[Mapping[str, str]] = None,
    ) -> A2ATask:
        """Poll a task until it is final (completed, canceled, failed, rejected); ``APITimeoutError``
        after ``timeout`` seconds (``request_timeout`` is each poll's own HTTP timeout).

        Example:
            ```python
            task = client.a2a.send("assistant", "Write a report", blocking=False)
            done = client.a2a.wait("assistant", task.id, task.context_id, timeout=120)
            ```
        """
        if not context_id:
            raise ValueError("context_id is required to poll a task on AgentOS (the task's context_id)")
        options: CallOptions = {"timeout": request_timeout, "extra_headers": extra_headers}
        return poll(
            lambda: self.get_task(entity_id, task_id, context_id, kind, **options),
            lambda task: task.is_final,
            lambda task: (
                f"A2A task {task_id} is still {task.status.state} after {timeout}s; wait longer, or cancel it."
            ),
            timeout=timeout,
            poll_interval=poll_interval,
        )

    send_message = send
    stream_message = stream
    get_agent_card = agent_card
