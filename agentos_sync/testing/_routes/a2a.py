"""The A2A interface (``/a2a/{agents|teams|workflows}/{id}/...``), as agno 3.1.10's
``agno.os.interfaces.a2a`` answers: agent card, ``message:send`` (blocking, or 202 with a
``submitted`` task), ``message:stream`` (JSON-RPC responses over SSE: status updates, messages,
then the final task), ``tasks:get`` and ``tasks:cancel`` (agents and teams). A task is a run: its
id is the run_id, its contextId the session_id; the request goes through the run route. A streamed
task is a foreground run, so a stream whose client goes away cancels it, as on the real server."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict, Iterable, Iterator, Optional, Tuple

from .._body import Frame
from .._model import FakeRun, _AgentSpec, _TeamSpec
from .._state import _State
from .._wire import _Call, _detail, _Invalid, _json, _Reply, _sse
from ._common import Route, found
from .runs import create_run

_STATES = {
    "PENDING": "submitted",
    "RUNNING": "working",
    "COMPLETED": "completed",
    "ERROR": "failed",
    "CANCELLED": "canceled",
    "PAUSED": "working",
}
_TERMINAL = {"RunCompleted", "TeamRunCompleted", "WorkflowCompleted", "RunError", "TeamRunError", "WorkflowError"}
_CONTENT = {"RunContent", "TeamRunContent"}
_TOOLS = {"ToolCallStarted": "tool_call_started", "ToolCallCompleted": "tool_call_completed"}


def _frame(name: str, rpc_id: Any, result: Dict[str, Any]) -> Frame:
    data = json.dumps({"id": rpc_id, "jsonrpc": "2.0", "result": result})
    return Frame(f"event: {name}\ndata: {data}\n\n".encode(), is_event=True)


def _rpc_result(body: Dict[str, Any], result: Dict[str, Any]) -> Dict[str, Any]:
    return {"id": body.get("id", "unknown"), "jsonrpc": "2.0", "result": result}


def _task(state: _State, run: FakeRun, status: Optional[str] = None) -> Dict[str, Any]:
    message = {
        "contextId": run.session_id,
        "kind": "message",
        "messageId": state._new_id(),
        "parts": [{"kind": "text", "text": run.content}] if run.content else [],
        "role": "agent",
        "taskId": run.run_id,
    }
    return {
        "contextId": run.session_id,
        "history": [message],
        "id": run.run_id,
        "kind": "task",
        "status": {"state": status or _STATES.get(run.status, "completed")},
    }


def _update(
    task_id: str, context_id: str, status: Dict[str, Any], final: bool, metadata: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    out: Dict[str, Any] = {
        "contextId": context_id,
        "final": final,
        "kind": "status-update",
        "status": status,
        "taskId": task_id,
    }
    if metadata:
        out["metadata"] = metadata
    return out


def _rpc(call: _Call) -> Dict[str, Any]:
    body = call.request.json
    if not isinstance(body, dict):
        raise _Invalid(_detail(400, "Invalid JSON-RPC request"))
    return body


def _run_call(state: _State, call: _Call, plural: str, component_id: str, stream: bool, background: bool) -> _Reply:
    """The A2A request as the run route would receive it."""
    message = (_rpc(call).get("params") or {}).get("message") or {}
    text = "".join(str(p.get("text", "")) for p in message.get("parts") or [] if p.get("kind") == "text")
    if not text:
        raise _Invalid(_detail(400, "Invalid A2A request: the message has no text part"))
    form = {"message": text, "stream": str(stream).lower(), "background": str(background).lower()}
    if message.get("contextId"):
        form["session_id"] = str(message["contextId"])
    user = (message.get("metadata") or {}).get("userId") or call.header("x-user-id")
    if user:
        form["user_id"] = str(user)
    inner = replace(call.request, form=form, json=None)
    return create_run(state, _Call("POST", call.path, {}, inner), plural, component_id)


def agent_card(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    _, spec = state._routed_component(plural, component_id)
    base = "http://" + (call.header("host") or "fake")
    return _json(
        200,
        {
            "capabilities": {"pushNotifications": False, "stateTransitionHistory": False, "streaming": True},
            "defaultInputModes": ["text"],
            "defaultOutputModes": ["text"],
            "description": spec.description or "",
            "name": spec.name,
            "preferredTransport": "JSONRPC",
            "protocolVersion": "0.3.0",
            "skills": [{"description": spec.description or "", "id": spec.id, "name": spec.name, "tags": ["agno"]}],
            "supportsAuthenticatedExtendedCard": False,
            "url": f"{base}/a2a/{plural}/{spec.id}/v1/message:stream",
            "version": "1.0.0",
        },
    )


def send_message(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    state._routed_component(plural, component_id)
    body = _rpc(call)
    blocking = ((body.get("params") or {}).get("configuration") or {}).get("blocking", True)
    reply = _run_call(state, call, plural, component_id, stream=False, background=not blocking)
    answer = json.loads(b"".join(f.data for f in reply.frames))
    if reply.status >= 400:
        return reply
    run = state.runs[answer["run_id"]]
    return _json(200 if blocking else 202, _rpc_result(body, _task(state, run)))


def stream_message(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    state._routed_component(plural, component_id)
    rpc_id = _rpc(call).get("id")
    reply = _run_call(state, call, plural, component_id, stream=True, background=False)
    if reply.status >= 400:
        return reply
    return _sse(_a2a_frames(state, reply.frames, rpc_id), reply.on_disconnect)


def _a2a_frames(state: _State, frames: Iterable[Frame], rpc_id: Any) -> Iterator[Frame]:
    """agno's ``stream_a2a_response``: run events -> A2A events, the final task last."""
    task_id = context_id = ""
    message_id = state._new_id()
    for frame in frames:
        _, _, data = frame.data.decode().partition("\ndata: ")
        event = json.loads(data)
        name = event.get("event")
        if name in ("RunStarted", "TeamRunStarted", "WorkflowStarted") and not task_id:
            task_id, context_id = event["run_id"], event["session_id"]
            yield _frame("TaskStatusUpdateEvent", rpc_id, _update(task_id, context_id, {"state": "working"}, False))
        elif name in _CONTENT and event.get("content") and event.get("run_id") == task_id:
            yield _frame(
                "Message",
                rpc_id,
                {
                    "contextId": context_id,
                    "kind": "message",
                    "messageId": message_id,
                    "metadata": {"agno_content_category": "content"},
                    "parts": [{"kind": "text", "text": event["content"]}],
                    "role": "agent",
                    "taskId": task_id,
                },
            )
        elif name in _TOOLS:
            tool = event.get("tool") or {}
            meta = {"agno_event_type": _TOOLS[name], "tool_name": tool.get("tool_name") or "tool"}
            update = _update(task_id, context_id, {"state": "working"}, False, meta)
            yield _frame("TaskStatusUpdateEvent", rpc_id, update)
        elif name in _TERMINAL and event.get("run_id") == task_id:
            run = state.runs[task_id]
            status = "failed" if name.endswith("Error") else "completed"
            yield _frame("TaskStatusUpdateEvent", rpc_id, _update(task_id, context_id, {"state": status}, True))
            yield _frame("Task", rpc_id, _task(state, run, status))
            return


def _task_call(
    state: _State, call: _Call, plural: str, component_id: str, *, need_context: bool
) -> Tuple[Dict[str, Any], str, Any]:
    """The JSON-RPC body, task id and context id of a ``tasks:*`` call (agents and teams only)."""
    _, spec = state._routed_component(plural, component_id)
    if not isinstance(spec, (_AgentSpec, _TeamSpec)):
        raise _Invalid(_detail(404, "Not Found"))
    body = _rpc(call)
    params = body.get("params") or {}
    task_id, context_id = params.get("id"), params.get("contextId")
    if not task_id:
        raise _Invalid(_detail(400, "Task ID (params.id) is required"))
    if need_context and not context_id:
        raise _Invalid(_detail(400, "contextId is required to poll a task"))
    return body, str(task_id), context_id


def get_task(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    body, task_id, context_id = _task_call(state, call, plural, component_id, need_context=True)
    kind, spec = state._routed_component(plural, component_id)
    run = found(state._db_run(kind, component_id, task_id, context_id), "Task not found")
    state._poll(run, spec)
    return _json(200, _rpc_result(body, _task(state, run)))


def cancel_task(state: _State, call: _Call, plural: str, component_id: str) -> _Reply:
    body, task_id, context_id = _task_call(state, call, plural, component_id, need_context=False)
    kind, _ = state._routed_component(plural, component_id)
    state._cancel_routed(kind, component_id, task_id)
    task = {"contextId": context_id or state._new_id(), "id": task_id, "kind": "task", "status": {"state": "canceled"}}
    return _json(200, _rpc_result(body, task))


_A = "/a2a/{plural:agents|teams|workflows}/{component_id}"
_TASKS = "/a2a/{plural:agents|teams}/{component_id}/v1"
ROUTES = (
    Route("GET", f"{_A}/.well-known/agent-card.json", agent_card),
    Route("POST", f"{_A}/v1/message:send", send_message),
    Route("POST", f"{_A}/v1/message:stream", stream_message),
    Route("POST", f"{_TASKS}/tasks:get", get_task),
    Route("POST", f"{_TASKS}/tasks:cancel", cancel_task),
)
