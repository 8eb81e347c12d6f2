"""Typed run events: one pydantic model per AgentOS event type, named as agno names them.

Every event has the common fields of `RunEvent`; fields the model does not declare are kept
(``event.model_extra``, or plain attribute access), so a newer server's additions are never lost.
A type this client does not know becomes `UnknownEvent` with its payload. Team events are
``Team...Event`` (``TeamRunContentEvent``), workflow events carry their agno names
(``WorkflowStartedEvent``, ``StepStartedEvent``). ``CustomEvent`` is shared by all three families.

Example:
    ```python
    from agentos_sync import events

    for ev in client.agents.stream("assistant", "Tell me a joke"):
        if isinstance(ev, events.RunContentEvent):
            print(ev.content, end="", flush=True)
        elif isinstance(ev, events.ToolCallStartedEvent) and ev.tool:
            print(f"[calling {ev.tool.tool_name}]")
    ```
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Type

from . import _core_validators
from ._fields import OptionalInt, OptionalStr
from .models._base import Model
from .models.runs import RunMetrics, ToolExecution

__all__ = [
    "ERROR_EVENTS",
    "TERMINAL_EVENTS",
    "TERMINAL_STATUS",
    "AgentEvent",
    "CatchUpEvent",
    "CompactionCompletedEvent",
    "CompactionStartedEvent",
    "CompressionCompletedEvent",
    "CompressionStartedEvent",
    "ConditionExecutionCompletedEvent",
    "ConditionExecutionStartedEvent",
    "ConditionPausedEvent",
    "CustomEvent",
    "FollowupsCompletedEvent",
    "FollowupsStartedEvent",
    "LoopExecutionCompletedEvent",
    "LoopExecutionStartedEvent",
    "LoopIterationCompletedEvent",
    "LoopIterationStartedEvent",
    "MemoryUpdateCompletedEvent",
    "MemoryUpdateStartedEvent",
    "ModelRequestCompletedEvent",
    "ModelRequestStartedEvent",
    "OutputModelResponseCompletedEvent",
    "OutputModelResponseStartedEvent",
    "ParallelExecutionCompletedEvent",
    "ParallelExecutionStartedEvent",
    "ParserModelResponseCompletedEvent",
    "ParserModelResponseStartedEvent",
    "PostHookCompletedEvent",
    "PostHookStartedEvent",
    "PreHookCompletedEvent",
    "PreHookStartedEvent",
    "ReasoningCompletedEvent",
    "ReasoningContentDeltaEvent",
    "ReasoningStartedEvent",
    "ReasoningStepEvent",
    "ReplayEvent",
    "RouterExecutionCompletedEvent",
    "RouterExecutionStartedEvent",
    "RouterPausedEvent",
    "RunCancelledEvent",
    "RunCompletedEvent",
    "RunContentCompletedEvent",
    "RunContentEvent",
    "RunContinuedEvent",
    "RunErrorEvent",
    "RunEvent",
    "RunIntermediateContentEvent",
    "RunPausedEvent",
    "RunStartedEvent",
    "SessionSummaryCompletedEvent",
    "SessionSummaryStartedEvent",
    "StepCompletedEvent",
    "StepContinuedEvent",
    "StepErrorEvent",
    "StepExecutorContinuedEvent",
    "StepExecutorPausedEvent",
    "StepOutputEvent",
    "StepOutputReviewEvent",
    "StepPausedEvent",
    "StepProgressEvent",
    "StepStartedEvent",
    "StepsExecutionCompletedEvent",
    "StepsExecutionStartedEvent",
    "StreamErrorEvent",
    "StreamMetaEvent",
    "SubscribedEvent",
    "TeamCompressionCompletedEvent",
    "TeamCompressionStartedEvent",
    "TeamEvent",
    "TeamFollowupsCompletedEvent",
    "TeamFollowupsStartedEvent",
    "TeamMemoryUpdateCompletedEvent",
    "TeamMemoryUpdateStartedEvent",
    "TeamModelRequestCompletedEvent",
    "TeamModelRequestStartedEvent",
    "TeamOutputModelResponseCompletedEvent",
    "TeamOutputModelResponseStartedEvent",
    "TeamParserModelResponseCompletedEvent",
    "TeamParserModelResponseStartedEvent",
    "TeamPostHookCompletedEvent",
    "TeamPostHookStartedEvent",
    "TeamPreHookCompletedEvent",
    "TeamPreHookStartedEvent",
    "TeamReasoningCompletedEvent",
    "TeamReasoningContentDeltaEvent",
    "TeamReasoningStartedEvent",
    "TeamReasoningStepEvent",
    "TeamRunCancelledEvent",
    "TeamRunCompletedEvent",
    "TeamRunContentCompletedEvent",
    "TeamRunContentEvent",
    "TeamRunContinuedEvent",
    "TeamRunErrorEvent",
    "TeamRunIntermediateContentEvent",
    "TeamRunPausedEvent",
    "TeamRunStartedEvent",
    "TeamSessionSummaryCompletedEvent",
    "TeamSessionSummaryStartedEvent",
    "TeamTaskCreatedEvent",
    "TeamTaskIterationCompletedEvent",
    "TeamTaskIterationStartedEvent",
    "TeamTaskStateUpdatedEvent",
    "TeamTaskUpdatedEvent",
    "TeamToolCallCompletedEvent",
    "TeamToolCallErrorEvent",
    "TeamToolCallStartedEvent",
    "ToolCallCompletedEvent",
    "ToolCallErrorEvent",
    "ToolCallStartedEvent",
    "ToolExecution",
    "UnknownEvent",
    "WorkflowAgentCompletedEvent",
    "WorkflowAgentStartedEvent",
    "WorkflowCancelledEvent",
    "WorkflowCompletedEvent",
    "WorkflowErrorEvent",
    "WorkflowEvent",
    "WorkflowPausedEvent",
    "WorkflowStartedEvent",
    "event_class",
    "terminal_status",
]


class RunEvent(Model):
    """Base of every event a run stream yields.

    ``event_index`` is set on resumable (background or resumed) streams and None otherwise.
    """

    event: str
    created_at: OptionalInt = None
    run_id: OptionalStr = None
    session_id: OptionalStr = None
    agent_id: OptionalStr = None
    event_index: OptionalInt = None
    content: Any = None


class UnknownEvent(RunEvent):
    """An event type this client does not know (a newer server's): the payload is kept whole in
    the model's fields and ``model_extra``."""


class AgentEvent(RunEvent):
    """Base of agent events (also nested in team and workflow streams)."""

    agent_name: OptionalStr = None
    nested_depth: OptionalInt = None
    workflow_run_id: OptionalStr = None
    parent_run_id: OptionalStr = None


class TeamEvent(RunEvent):
    """Base of team events."""

    team_id: OptionalStr = None
    team_name: OptionalStr = None
    nested_depth: OptionalInt = None
    workflow_run_id: OptionalStr = None
    parent_run_id: OptionalStr = None


class WorkflowEvent(RunEvent):
    """Base of workflow and step events."""

    workflow_id: OptionalStr = None
    workflow_name: OptionalStr = None
    step_id: OptionalStr = None
    nested_depth: OptionalInt = None


class CustomEvent(RunEvent):
    """``CustomEvent``: emitted by user code in a tool or step; its fields are whatever it set."""

    event: str = "CustomEvent"


class StreamMetaEvent(RunEvent):
    """A frame ``/resume`` sends about the stream itself, not an event of the run. It carries no
    ``event_index``. ``message`` is the server's human-readable summary."""

    status: OptionalStr = None
    message: OptionalStr = None


class CatchUpEvent(StreamMetaEvent):
    """``catch_up``: the run is still active; ``missed_events`` events follow, then ``subscribed``."""

    event: str = "catch_up"
    missed_events: OptionalInt = None
    current_event_count: OptionalInt = None


class ReplayEvent(StreamMetaEvent):
    """``replay``: the run has finished (or the server only has it in its database); the missed
    events follow and then the stream ends."""

    event: str = "replay"
    total_events: OptionalInt = None
    total_buffered: OptionalInt = None
    last_event_index_requested: OptionalInt = None


class SubscribedEvent(StreamMetaEvent):
    """``subscribed``: caught up; live events follow."""

    event: str = "subscribed"


class StreamErrorEvent(StreamMetaEvent):
    """``error``: the server could not serve the stream (unknown run, failing event store). The
    run stream turns it into an exception; it is never yielded."""

    event: str = "error"
    error: OptionalStr = None


class RunStartedEvent(AgentEvent):
    """``RunStarted``."""

    event: str = "RunStarted"


class RunContentEvent(AgentEvent):
    """``RunContent``."""

    event: str = "RunContent"
    content_type: OptionalStr = None
    reasoning_content: OptionalStr = None


class RunContentCompletedEvent(AgentEvent):
    """``RunContentCompleted``."""

    event: str = "RunContentCompleted"


class RunIntermediateContentEvent(AgentEvent):
    """``RunIntermediateContent``."""

    event: str = "RunIntermediateContent"


class RunCompletedEvent(AgentEvent):
    """``RunCompleted``."""

    event: str = "RunCompleted"
    content_type: OptionalStr = None
    metrics: Optional[RunMetrics] = None


class RunErrorEvent(AgentEvent):
    """``RunError``."""

    event: str = "RunError"
    error_type: OptionalStr = None
    error_id: OptionalStr = None


class RunCancelledEvent(AgentEvent):
    """``RunCancelled``."""

    event: str = "RunCancelled"
    reason: OptionalStr = None


class RunPausedEvent(AgentEvent):
    """``RunPaused``."""

    event: str = "RunPaused"
    tools: Optional[List[ToolExecution]] = None
    requirements: Optional[List[Dict[str, Any]]] = None


class RunContinuedEvent(AgentEvent):
    """``RunContinued``."""

    event: str = "RunContinued"


class PreHookStartedEvent(AgentEvent):
    """``PreHookStarted``."""

    event: str = "PreHookStarted"


class PreHookCompletedEvent(AgentEvent):
    """``PreHookCompleted``."""

    event: str = "PreHookCompleted"


class PostHookStartedEvent(AgentEvent):
    """``PostHookStarted``."""

    event: str = "PostHookStarted"


class PostHookCompletedEvent(AgentEvent):
    """``PostHookCompleted``."""

    event: str = "PostHookCompleted"


class ToolCallStartedEvent(AgentEvent):
    """``ToolCallStarted``."""

    event: str = "ToolCallStarted"
    tool: Optional[ToolExecution] = None


class ToolCallCompletedEvent(AgentEvent):
    """``ToolCallCompleted``."""

    event: str = "ToolCallCompleted"
    tool: Optional[ToolExecution] = None


class ToolCallErrorEvent(AgentEvent):
    """``ToolCallError``."""

    event: str = "ToolCallError"
    tool: Optional[ToolExecution] = None
    error: OptionalStr = None


class ReasoningStartedEvent(AgentEvent):
    """``ReasoningStarted``."""

    event: str = "ReasoningStarted"


class ReasoningStepEvent(AgentEvent):
    """``ReasoningStep``."""

    event: str = "ReasoningStep"


class ReasoningContentDeltaEvent(AgentEvent):
    """``ReasoningContentDelta``."""

    event: str = "ReasoningContentDelta"


class ReasoningCompletedEvent(AgentEvent):
    """``ReasoningCompleted``."""

    event: str = "ReasoningCompleted"


class MemoryUpdateStartedEvent(AgentEvent):
    """``MemoryUpdateStarted``."""

    event: str = "MemoryUpdateStarted"


class MemoryUpdateCompletedEvent(AgentEvent):
    """``MemoryUpdateCompleted``."""

    event: str = "MemoryUpdateCompleted"


class SessionSummaryStartedEvent(AgentEvent):
    """``SessionSummaryStarted``."""

    event: str = "SessionSummaryStarted"


class SessionSummaryCompletedEvent(AgentEvent):
    """``SessionSummaryCompleted``."""

    event: str = "SessionSummaryCompleted"


class ParserModelResponseStartedEvent(AgentEvent):
    """``ParserModelResponseStarted``."""

    event: str = "ParserModelResponseStarted"


class ParserModelResponseCompletedEvent(AgentEvent):
    """``ParserModelResponseCompleted``."""

    event: str = "ParserModelResponseCompleted"


class OutputModelResponseStartedEvent(AgentEvent):
    """``OutputModelResponseStarted``."""

    event: str = "OutputModelResponseStarted"


class OutputModelResponseCompletedEvent(AgentEvent):
    """``OutputModelResponseCompleted``."""

    event: str = "OutputModelResponseCompleted"


class ModelRequestStartedEvent(AgentEvent):
    """``ModelRequestStarted``."""

    event: str = "ModelRequestStarted"


class ModelRequestCompletedEvent(AgentEvent):
    """``ModelRequestCompleted``."""

    event: str = "ModelRequestCompleted"
    input_tokens: OptionalInt = None
    output_tokens: OptionalInt = None
    total_tokens: OptionalInt = None


class CompressionStartedEvent(AgentEvent):
    """``CompressionStarted``."""

    event: str = "CompressionStarted"


class CompressionCompletedEvent(AgentEvent):
    """``CompressionCompleted``."""

    event: str = "CompressionCompleted"


class CompactionStartedEvent(AgentEvent):
    """``CompactionStarted``."""

    event: str = "CompactionStarted"


class CompactionCompletedEvent(AgentEvent):
    """``CompactionCompleted``."""

    event: str = "CompactionCompleted"


class FollowupsStartedEvent(AgentEvent):
    """``FollowupsStarted``."""

    event: str = "FollowupsStarted"


class FollowupsCompletedEvent(AgentEvent):
    """``FollowupsCompleted``."""

    event: str = "FollowupsCompleted"


class TeamRunStartedEvent(TeamEvent):
    """``TeamRunStarted``."""

    event: str = "TeamRunStarted"


class TeamRunContentEvent(TeamEvent):
    """``TeamRunContent``."""

    event: str = "TeamRunContent"
    content_type: OptionalStr = None
    reasoning_content: OptionalStr = None


class TeamRunIntermediateContentEvent(TeamEvent):
    """``TeamRunIntermediateContent``."""

    event: str = "TeamRunIntermediateContent"


class TeamRunContentCompletedEvent(TeamEvent):
    """``TeamRunContentCompleted``."""

    event: str = "TeamRunContentCompleted"


class TeamRunCompletedEvent(TeamEvent):
    """``TeamRunCompleted``."""

    event: str = "TeamRunCompleted"
    content_type: OptionalStr = None
    metrics: Optional[RunMetrics] = None


class TeamRunErrorEvent(TeamEvent):
    """``TeamRunError``."""

    event: str = "TeamRunError"
    error_type: OptionalStr = None
    error_id: OptionalStr = None


class TeamRunCancelledEvent(TeamEvent):
    """``TeamRunCancelled``."""

    event: str = "TeamRunCancelled"
    reason: OptionalStr = None


class TeamPreHookStartedEvent(TeamEvent):
    """``TeamPreHookStarted``."""

    event: str = "TeamPreHookStarted"


class TeamPreHookCompletedEvent(TeamEvent):
    """``TeamPreHookCompleted``."""

    event: str = "TeamPreHookCompleted"


class TeamPostHookStartedEvent(TeamEvent):
    """``TeamPostHookStarted``."""

    event: str = "TeamPostHookStarted"


class TeamPostHookCompletedEvent(TeamEvent):
    """``TeamPostHookCompleted``."""

    event: str = "TeamPostHookCompleted"


class TeamToolCallStartedEvent(TeamEvent):
    """``TeamToolCallStarted``."""

    event: str = "TeamToolCallStarted"
    tool: Optional[ToolExecution] = None


class TeamToolCallCompletedEvent(TeamEvent):
    """``TeamToolCallCompleted``."""

    event: str = "TeamToolCallCompleted"
    tool: Optional[ToolExecution] = None


class TeamToolCallErrorEvent(TeamEvent):
    """``TeamToolCallError``."""

    event: str = "TeamToolCallError"
    tool: Optional[ToolExecution] = None
    error: OptionalStr = None


class TeamReasoningStartedEvent(TeamEvent):
    """``TeamReasoningStarted``."""

    event: str = "TeamReasoningStarted"


class TeamReasoningStepEvent(TeamEvent):
    """``TeamReasoningStep``."""

    event: str = "TeamReasoningStep"


class TeamReasoningContentDeltaEvent(TeamEvent):
    """``TeamReasoningContentDelta``."""

    event: str = "TeamReasoningContentDelta"


class TeamReasoningCompletedEvent(TeamEvent):
    """``TeamReasoningCompleted``."""

    event: str = "TeamReasoningCompleted"


class TeamMemoryUpdateStartedEvent(TeamEvent):
    """``TeamMemoryUpdateStarted``."""

    event: str = "TeamMemoryUpdateStarted"


class TeamMemoryUpdateCompletedEvent(TeamEvent):
    """``TeamMemoryUpdateCompleted``."""

    event: str = "TeamMemoryUpdateCompleted"


class TeamSessionSummaryStartedEvent(TeamEvent):
    """``TeamSessionSummaryStarted``."""

    event: str = "TeamSessionSummaryStarted"


class TeamSessionSummaryCompletedEvent(TeamEvent):
    """``TeamSessionSummaryCompleted``."""

    event: str = "TeamSessionSummaryCompleted"


class TeamParserModelResponseStartedEvent(TeamEvent):
    """``TeamParserModelResponseStarted``."""

    event: str = "TeamParserModelResponseStarted"


class TeamParserModelResponseCompletedEvent(TeamEvent):
    """``TeamParserModelResponseCompleted``."""

    event: str = "TeamParserModelResponseCompleted"


class TeamOutputModelResponseStartedEvent(TeamEvent):
    """``TeamOutputModelResponseStarted``."""

    event: str = "TeamOutputModelResponseStarted"


class TeamOutputModelResponseCompletedEvent(TeamEvent):
    """``TeamOutputModelResponseCompleted``."""

    event: str = "TeamOutputModelResponseCompleted"


class TeamModelRequestStartedEvent(TeamEvent):
    """``TeamModelRequestStarted``."""

    event: str = "TeamModelRequestStarted"


class TeamModelRequestCompletedEvent(TeamEvent):
    """``TeamModelRequestCompleted``."""

    event: str = "TeamModelRequestCompleted"
    input_tokens: OptionalInt = None
    output_tokens: OptionalInt = None
    total_tokens: OptionalInt = None


class TeamCompressionStartedEvent(TeamEvent):
    """``TeamCompressionStarted``."""

    event: str = "TeamCompressionStarted"


class TeamCompressionCompletedEvent(TeamEvent):
    """``TeamCompressionCompleted``."""

    event: str = "TeamCompressionCompleted"


class TeamFollowupsStartedEvent(TeamEvent):
    """``TeamFollowupsStarted``."""

    event: str = "TeamFollowupsStarted"


class TeamFollowupsCompletedEvent(TeamEvent):
    """``TeamFollowupsCompleted``."""

    event: str = "TeamFollowupsCompleted"


class TeamRunPausedEvent(TeamEvent):
    """``TeamRunPaused``."""

    event: str = "TeamRunPaused"
    tools: Optional[List[ToolExecution]] = None
    requirements: Optional[List[Dict[str, Any]]] = None


class TeamRunContinuedEvent(TeamEvent):
    """``TeamRunContinued``."""

    event: str = "TeamRunContinued"


class TeamTaskIterationStartedEvent(TeamEvent):
    """``TeamTaskIterationStarted``."""

    event: str = "TeamTaskIterationStarted"


class TeamTaskIterationCompletedEvent(TeamEvent):
    """``TeamTaskIterationCompleted``."""

    event: str = "TeamTaskIterationCompleted"


class TeamTaskStateUpdatedEvent(TeamEvent):
    """``TeamTaskStateUpdated``."""

    event: str = "TeamTaskStateUpdated"


class TeamTaskCreatedEvent(TeamEvent):
    """``TeamTaskCreated``."""

    event: str = "TeamTaskCreated"


class TeamTaskUpdatedEvent(TeamEvent):
    """``TeamTaskUpdated``."""

    event: str = "TeamTaskUpdated"


class WorkflowStartedEvent(WorkflowEvent):
    """``WorkflowStarted``."""

    event: str = "WorkflowStarted"


class WorkflowCompletedEvent(WorkflowEvent):
    """``WorkflowCompleted``."""

    event: str = "WorkflowCompleted"
    content_type: OptionalStr = None
    metrics: Optional[Dict[str, Any]] = None


class WorkflowPausedEvent(WorkflowEvent):
    """``WorkflowPaused``."""

    event: str = "WorkflowPaused"
    status: OptionalStr = None
    paused_step_name: OptionalStr = None
    step_requirements: Optional[List[Dict[str, Any]]] = None


class WorkflowCancelledEvent(WorkflowEvent):
    """``WorkflowCancelled``."""

    event: str = "WorkflowCancelled"
    reason: OptionalStr = None


class WorkflowErrorEvent(WorkflowEvent):
    """``WorkflowError``."""

    event: str = "WorkflowError"
    error: OptionalStr = None
    error_type: OptionalStr = None
    error_id: OptionalStr = None


class WorkflowAgentStartedEvent(WorkflowEvent):
    """``WorkflowAgentStarted``."""

    event: str = "WorkflowAgentStarted"


class WorkflowAgentCompletedEvent(WorkflowEvent):
    """``WorkflowAgentCompleted``."""

    event: str = "WorkflowAgentCompleted"


class StepStartedEvent(WorkflowEvent):
    """``StepStarted``."""

    event: str = "StepStarted"
    step_name: OptionalStr = None
    step_index: Optional[Any] = None


class StepCompletedEvent(WorkflowEvent):
    """``StepCompleted``."""

    event: str = "StepCompleted"
    step_name: OptionalStr = None
    step_index: Optional[Any] = None


class StepProgressEvent(WorkflowEvent):
    """``StepProgress``."""

    event: str = "StepProgress"


class StepPausedEvent(WorkflowEvent):
    """``StepPaused``."""

    event: str = "StepPaused"


class StepContinuedEvent(WorkflowEvent):
    """``StepContinued``."""

    event: str = "StepContinued"


class StepExecutorPausedEvent(WorkflowEvent):
    """``StepExecutorPaused``."""

    event: str = "StepExecutorPaused"


class StepExecutorContinuedEvent(WorkflowEvent):
    """``StepExecutorContinued``."""

    event: str = "StepExecutorContinued"


class StepOutputReviewEvent(WorkflowEvent):
    """``StepOutputReview``."""

    event: str = "StepOutputReview"


class StepErrorEvent(WorkflowEvent):
    """``StepError``."""

    event: str = "StepError"


class LoopExecutionStartedEvent(WorkflowEvent):
    """``LoopExecutionStarted``."""

    event: str = "LoopExecutionStarted"


class LoopIterationStartedEvent(WorkflowEvent):
    """``LoopIterationStarted``."""

    event: str = "LoopIterationStarted"


class LoopIterationCompletedEvent(WorkflowEvent):
    """``LoopIterationCompleted``."""

    event: str = "LoopIterationCompleted"


class LoopExecutionCompletedEvent(WorkflowEvent):
    """``LoopExecutionCompleted``."""

    event: str = "LoopExecutionCompleted"


class ParallelExecutionStartedEvent(WorkflowEvent):
    """``ParallelExecutionStarted``."""

    event: str = "ParallelExecutionStarted"


class ParallelExecutionCompletedEvent(WorkflowEvent):
    """``ParallelExecutionCompleted``."""

    event: str = "ParallelExecutionCompleted"


class ConditionExecutionStartedEvent(WorkflowEvent):
    """``ConditionExecutionStarted``."""

    event: str = "ConditionExecutionStarted"


class ConditionExecutionCompletedEvent(WorkflowEvent):
    """``ConditionExecutionCompleted``."""

    event: str = "ConditionExecutionCompleted"


class ConditionPausedEvent(WorkflowEvent):
    """``ConditionPaused``."""

    event: str = "ConditionPaused"


class RouterExecutionStartedEvent(WorkflowEvent):
    """``RouterExecutionStarted``."""

    event: str = "RouterExecutionStarted"


class RouterExecutionCompletedEvent(WorkflowEvent):
    """``RouterExecutionCompleted``."""

    event: str = "RouterExecutionCompleted"


class RouterPausedEvent(WorkflowEvent):
    """``RouterPaused``."""

    event: str = "RouterPaused"


class StepsExecutionStartedEvent(WorkflowEvent):
    """``StepsExecutionStarted``."""

    event: str = "StepsExecutionStarted"


class StepsExecutionCompletedEvent(WorkflowEvent):
    """``StepsExecutionCompleted``."""

    event: str = "StepsExecutionCompleted"


class StepOutputEvent(WorkflowEvent):
    """``StepOutput``."""

    event: str = "StepOutput"


def _subclasses(cls: Type[RunEvent]) -> List[Type[RunEvent]]:
    found: List[Type[RunEvent]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


_REGISTRY: Dict[str, Type[RunEvent]] = {}
for _cls in _subclasses(RunEvent):
    _default = _cls.model_fields["event"].default
    if isinstance(_default, str):
        _REGISTRY[_default] = _cls


#: Direct JSON validators per known type, filled on first use: skips pydantic's Python-level
#: wrapper on the hot path without building every model's validator at import. Keyed by the names
#: in the registry only, so it is bounded by them: any name a server makes up shares
#: UnknownEvent's one validator.
_VALIDATE_JSON: Dict[str, Callable[[Any], RunEvent]] = {}
_BUILD_LOCK = threading.Lock()
#: The key of UnknownEvent's validator: not a registered name, so a server sending it gets the
#: right validator anyway.
_UNKNOWN_KEY = "\0unknown"


def event_validator(event_type: str) -> Callable[[Any], RunEvent]:
    """The JSON validator (bytes -> event) for an event type, built on first use."""
    known = _VALIDATE_JSON.get(event_type)
    if known is not None:
        return known
    cls = _REGISTRY.get(event_type)
    key = event_type if cls is not None else _UNKNOWN_KEY
    known = _VALIDATE_JSON.get(key)
    if known is not None:
        return known
    # First use of a type: build its validator once, under a lock (streams on many threads meet
    # their first RunContent together, and model_rebuild is not documented as thread-safe).
    with _BUILD_LOCK:
        known = _VALIDATE_JSON.get(key)
        if known is not None:
            return known
        model = cls or UnknownEvent
        # Straight on pydantic-core, without the plugin scan of a model's first build (most of a
        # fresh process's first stream): see _core_validators.
        validate: Optional[Callable[[Any], RunEvent]] = _core_validators.json_validator(model)
        if validate is None:
            if not model.__pydantic_complete__:
                model.model_rebuild()
            validate = model.__pydantic_validator__.validate_json
        _VALIDATE_JSON[key] = validate
        return validate


def validate_event_json(event_type: str, data: bytes) -> RunEvent:
    """Decode one event's JSON straight from bytes into the model for ``event_type``.
    Raises pydantic's ValidationError (a ValueError) when the JSON does not fit."""
    validate = _VALIDATE_JSON.get(event_type)
    if validate is None:
        validate = event_validator(event_type)
    return validate(data)


def event_class(event_type: str) -> Type[RunEvent]:
    """The model for an event type name (``"RunContent"`` -> `RunContentEvent`);
    `UnknownEvent` for a name this client does not know."""
    return _REGISTRY.get(event_type, UnknownEvent)


#: The events that end a run of each kind; the stream ends at the first one carrying its run_id.
TERMINAL_EVENTS: Dict[str, FrozenSet[str]] = {
    "agent": frozenset({"RunCompleted", "RunError", "RunCancelled", "RunPaused"}),
    "team": frozenset({"TeamRunCompleted", "TeamRunError", "TeamRunCancelled", "TeamRunPaused"}),
    "workflow": frozenset({"WorkflowCompleted", "WorkflowError", "WorkflowCancelled", "WorkflowPaused"}),
}

#: The run status (``RunOutput.status``) each terminal event stands for: the one rule that the
#: stream's final output, the CLI's exit code and its summary line share.
TERMINAL_STATUS: Dict[str, str] = {
    name: status
    for names in TERMINAL_EVENTS.values()
    for name in names
    for suffix, status in (
        ("Completed", "COMPLETED"),
        ("Error", "ERROR"),
        ("Cancelled", "CANCELLED"),
        ("Paused", "PAUSED"),
    )
    if name.endswith(suffix)
}


def terminal_status(event_type: str) -> Optional[str]:
    """The run status a terminal event type stands for (``"TeamRunPaused"`` -> ``"PAUSED"``);
    None for an event that ends no run.

    Example:
        ```python
        terminal_status(stream.terminal_event.event)   # "COMPLETED", "ERROR", "CANCELLED" or "PAUSED"
        ```
    """
    return TERMINAL_STATUS.get(event_type)


#: Terminal events that mean the run failed (``get_final_output`` raises RunFailedError).
ERROR_EVENTS: FrozenSet[str] = frozenset({"RunError", "TeamRunError", "WorkflowError"})


def __getattr__(name: str) -> Any:
    if name == "Metrics":  # the token counts' old name; `resources.Metrics` is the metrics area
        warnings.warn(
            "agentos_sync.events.Metrics is agentos_sync.models.RunMetrics now", DeprecationWarning, stacklevel=2
        )
        return RunMetrics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
