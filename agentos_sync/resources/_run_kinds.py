"""What a run kind is and what its routes read: `RunKind` (agents, teams, workflows), the form
fields of a create and of a continue (`CreateFields`, `ContinueFields`) and the argument checks
made before anything is sent. No I/O: `runs.Runs` and `_runs_core` use these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Union

from .._callables import reject_async
from ..events import ToolExecution
from ._base import CallOptions
from ._uploads import FileInput

#: A tool execution answered by the caller (confirmed, given user input, or run externally).
ToolAnswer = Union[ToolExecution, Dict[str, Any]]


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


def _check_stream_args(deadline: Any, on_reconnect: Any, last_event_index: Any = None) -> None:
    """What a stream method checks before anything is sent: a finite ``deadline`` (or None), a
    plain (not async) ``on_reconnect`` and a ``last_event_index`` that is an int >= 0 or None."""
    reject_async(on_reconnect, "on_reconnect")
    if last_event_index is not None and (
        isinstance(last_event_index, bool) or not isinstance(last_event_index, int) or last_event_index < 0
    ):
        raise ValueError(f"last_event_index must be an int >= 0 or None, got {last_event_index!r}")
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
