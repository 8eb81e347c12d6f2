"""The fake AgentOS's A2A interface (``/a2a/{agents|teams|workflows}/{id}/...``), as agno 3.1.10's
``agno.os.interfaces.a2a`` answers: agent card, ``message:send`` (blocking, or 202 with a
``submitted`` task), ``message:stream`` (JSON-RPC responses over SSE: status updates, messages,
then the final task), ``tasks:get`` and ``tasks:cancel`` (agents and teams). A task is a run: its
id is the run_id, its contextId the session_id. A streamed task is a foreground run, so a stream
whose client goes away cancels it, as on the real server."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Dict, Iterable, Iterator, List, Optional

from ._body import Frame
from ._model import FakeRun, _AgentSpec, _TeamSpec
from ._routes import _ID, _ROUTES
from ._store_routes import _StoreRoutes
from ._wire import _KINDS, _NOT_FOUND, _Call, _detail, _Invalid, _json, _Reply

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


class _A2ARoutes(_StoreRoutes):
    """The A2A interface over the fake's agents, teams and workflows."""

    def _a2a_spec(self, plural: str, component_id: str) -> Any:
        spec = self._spec(_KINDS[plural], component_id)
        if spec is None:
            raise _Invalid(_detail(404, _NOT_FOUND[_KINDS[plural]]))
        return spec

    def _task(self, run: FakeRun, state: Optional[str] = None) -> Dict[str, Any]:
        message = {
            "contextId": run.session_id,
            "kind": "message",
            "messageId": self._new_id(),
            "parts": [{"kind": "text", "text": run.content}] if run.content else [],
            "role": "agent",
            "taskId": run.run_id,
        }
        return {
            "contextId": run.session_id,
            "history": [message],
            "id": run.run_id,
            "kind": "task",
            "status": {"state": state or _STATES.get(run.status, "completed")},
        }

    @staticmethod
    def _rpc(call: _Call) -> Dict[str, Any]:
        body = call.request.json
        if not isinstance(body, dict):
            raise _Invalid(_detail(400, "Invalid JSON-RPC request"))
        return body

    def _run_call(self, call: _Call, plural: str, component_id: str, stream: bool, background: bool) -> _Reply:
        """The A2A request as the run route would receive it."""
        body = self._rpc(call)
        message = (body.get("params") or {}).get("message") or {}
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
        reply: _Reply = self._h_create_run(_Call("POST", call.path, {}, inner), plural, component_id)  # type: ignore[attr-defined]
        return reply

    def _h_a2a_card(self, call: _Call, plural: str, component_id: str) -> _Reply:
        spec = self._a2a_spec(plural, component_id)
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

    def _h_a2a_send(self, call: _Call, plural: str, component_id: str) -> _Reply:
        self._a2a_spec(plural, component_id)
        body = self._rpc(call)
        blocking = ((body.get("params") or {}).get("configuration") or {}).get("blocking", True)
        reply = self._run_call(call, plural, component_id, stream=False, background=not blocking)
        answer = json.loads(b"".join(f.data for f in reply.frames))
        if reply.status >= 400:
            return reply
        run = self.runs[answer["run_id"]]
        result = {"id": body.get("id", "unknown"), "jsonrpc": "2.0", "result": self._task(run)}
        return _json(200 if blocking else 202, result)

    def _h_a2a_stream(self, call: _Call, plural: str, component_id: str) -> _Reply:
        self._a2a_spec(plural, component_id)
        rpc_id = self._rpc(call).get("id")
        reply = self._run_call(call, plural, component_id, stream=True, background=False)
        if reply.status >= 400:
            return reply
        return self._sse(self._a2a_frames(reply.frames, rpc_id), reply.on_disconnect)

    def _a2a_frames(self, frames: Iterable[Frame], rpc_id: Any) -> Iterator[Frame]:
        """agno's ``stream_a2a_response``: run events -> A2A events, the final task last."""
        task_id = context_id = ""
        message_id = self._new_id()
        for frame in frames:
            _, _, data = frame.data.decode().partition("\ndata: ")
            event = json.loads(data)
            name = event.get("event")
            if name in ("RunStarted", "TeamRunStarted", "WorkflowStarted") and not task_id:
                task_id, context_id = event["run_id"], event["session_id"]
                status = {"state": "working"}
                yield _frame("TaskStatusUpdateEvent", rpc_id, self._update(task_id, context_id, status, False))
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
                update = self._update(task_id, context_id, {"state": "working"}, False, meta)
                yield _frame("TaskStatusUpdateEvent", rpc_id, update)
            elif name in _TERMINAL and event.get("run_id") == task_id:
                run = self.runs[task_id]
                state = "failed" if name.endswith("Error") else "completed"
                yield _frame("TaskStatusUpdateEvent", rpc_id, self._update(task_id, context_id, {"state": state}, True))
                yield _frame("Task", rpc_id, self._task(run, state))
                return

    @staticmethod
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

    def _a2a_run(self, call: _Call, plural: str, component_id: str, *, need_context: bool) -> List[Any]:
        spec = self._a2a_spec(plural, component_id)
        if not isinstance(spec, (_AgentSpec, _TeamSpec)):
            raise _Invalid(_detail(404, "Not Found"))
        body = self._rpc(call)
        params = body.get("params") or {}
        task_id, context_id = params.get("id"), params.get("contextId")
        if not task_id:
            raise _Invalid(_detail(400, "Task ID (params.id) is required"))
        if need_context and not context_id:
            raise _Invalid(_detail(400, "contextId is required to poll a task"))
        return [body, str(task_id), context_id]

    def _h_a2a_get_task(self, call: _Call, plural: str, component_id: str) -> _Reply:
        body, task_id, context_id = self._a2a_run(call, plural, component_id, need_context=True)
        run = self._db_run(_KINDS[plural], component_id, task_id, context_id)
        if run is None:
            return _detail(404, "Task not found")
        self._poll(run, self._a2a_spec(plural, component_id))
        return _json(200, {"id": body.get("id", "unknown"), "jsonrpc": "2.0", "result": self._task(run)})

    def _h_a2a_cancel_task(self, call: _Call, plural: str, component_id: str) -> _Reply:
        body, task_id, context_id = self._a2a_run(call, plural, component_id, need_context=False)
        run = self.runs.get(task_id)
        if run is not None and run.kind == _KINDS[plural] and run.component_id == component_id:
            self._cancel(run)
        result = {
            "contextId": context_id or self._new_id(),
            "id": task_id,
            "kind": "task",
            "status": {"state": "canceled"},
        }
        return _json(200, {"id": body.get("id", "unknown"), "jsonrpc": "2.0", "result": result})


_A = r"/a2a/(agents|teams|workflows)"
_ROUTES.extend(
    [
        (re.compile(rf"{_A}/{_ID}/\.well-known/agent-card\.json"), {"GET": "_h_a2a_card"}),
        (re.compile(rf"{_A}/{_ID}/v1/message:send"), {"POST": "_h_a2a_send"}),
        (re.compile(rf"{_A}/{_ID}/v1/message:stream"), {"POST": "_h_a2a_stream"}),
        (re.compile(r"/a2a/(agents|teams)/([^/]+)/v1/tasks:get"), {"POST": "_h_a2a_get_task"}),
        (re.compile(r"/a2a/(agents|teams)/([^/]+)/v1/tasks:cancel"), {"POST": "_h_a2a_cancel_task"}),
    ]
)
