"""JSON shapes the fake server answers with, following agno 3.1.10's schemas
(``RunOutput.to_dict()``, ``agno/os/schema.py``)."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Mapping, Optional

from ._events import INPUT_TOKENS, MODEL_ID, MODEL_PROVIDER, iso, provider_data, split_tokens
from ._model import FakeRun, FakeSession, _AgentSpec, _Component, _TeamSpec, _WorkflowSpec
from ._wire import DB_ID

_TERMINAL_CONTENT = frozenset({"COMPLETED", "CANCELLED", "ERROR"})


def _stable_id(run_id: str, what: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"agentos-fake:{run_id}:{what}"))


def run_messages(run: FakeRun) -> List[Dict[str, Any]]:
    """The run's user message and, once it has an answer, the assistant message."""
    out: List[Dict[str, Any]] = [
        {
            "id": _stable_id(run.run_id, "user"),
            "content": run.message,
            "from_history": False,
            "stop_after_tool_call": False,
            "role": "user",
            "created_at": run.created_at,
        }
    ]
    if run.status in _TERMINAL_CONTENT and run.content is not None:
        n = len(split_tokens(run.content))
        out.append(
            {
                "id": _stable_id(run.run_id, "assistant"),
                "content": run.content,
                "from_history": False,
                "stop_after_tool_call": False,
                "role": "assistant",
                "provider_data": provider_data(run.run_id),
                "metrics": {
                    "input_tokens": INPUT_TOKENS,
                    "output_tokens": n,
                    "total_tokens": INPUT_TOKENS + n,
                    "duration": 0.01,
                    "time_to_first_token": 0.01,
                },
                "created_at": run.created_at,
            }
        )
    return out


def _drop_none(d: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def stored_events(run: FakeRun, spec: Optional[_Component]) -> List[Dict[str, Any]]:
    """The events the run has in the database: streamed runs of a component that stores events
    (a ``stream=false`` run never publishes events, so it stores none)."""
    if spec is None or not spec.db or not spec.store_events or not run.stream:
        return []
    return list(run.events)


def run_output(run: FakeRun, spec: Optional[_Component]) -> Dict[str, Any]:
    """``RunOutput.to_dict()`` (or the team / workflow equivalent), None fields dropped."""
    session_state = run.extra.get("session_state") if isinstance(run.extra.get("session_state"), dict) else {}
    events = stored_events(run, spec) or None
    if run.kind == "workflow":
        return _drop_none(
            {
                "run_id": run.run_id,
                "workflow_id": run.component_id,
                "workflow_name": run.component_name,
                "session_id": run.session_id,
                "user_id": run.user_id,
                "content": run.content,
                "content_type": "str",
                "created_at": run.created_at,
                "status": run.status,
                "metrics": run.metrics,
                "step_results": run.step_results,
                "step_executor_runs": run.step_executor_runs,
                "events": events,
                "input": run.message,
                "session_state": session_state,
            }
        )
    ident: Dict[str, Any] = {"run_id": run.run_id}
    if run.kind == "team":
        ident.update(team_id=run.component_id, team_name=run.component_name)
    else:
        ident.update(agent_id=run.component_id, agent_name=run.component_name)
    out: Dict[str, Any] = dict(ident)
    out.update(
        session_id=run.session_id,
        user_id=run.user_id,
        content=run.content,
        content_type="str",
        model_provider_data=provider_data(run.run_id),
        model=MODEL_ID,
        model_provider=MODEL_PROVIDER,
        session_state=session_state if run.kind == "agent" else None,
        created_at=run.created_at,
        status=run.status,
        metrics=run.metrics,
        messages=run_messages(run),
        tools=list(run.paused_tools or []) if run.kind == "agent" else None,
        events=events,
        input={"input_content": run.message},
    )
    return _drop_none(out)


def run_schema(run: FakeRun, spec: Optional[_Component]) -> Dict[str, Any]:
    """A run as the run listings render it (``RunSchema``/``TeamRunSchema``/``WorkflowRunSchema``)."""
    events = stored_events(run, spec) or None
    if run.kind == "workflow":
        return {
            "run_id": run.run_id,
            "run_input": run.message,
            "events": events or [],
            "workflow_id": run.component_id,
            "user_id": run.user_id or "",
            "content": run.content if run.content is not None else "",
            "content_type": "str",
            "status": run.status,
            "cancellation_stage": None,
            "step_results": run.step_results,
            "step_executor_runs": run.step_executor_runs,
            "step_requirements": None,
            "metadata": None,
            "pause_kind": None,
            "paused_step_name": None,
            "paused_step_index": None,
            "metrics": run.metrics or {},
            "created_at": iso(run.created_at),
            "reasoning_content": "",
            "reasoning_steps": [],
            "references": [],
            "citations": None,
            "reasoning_messages": [],
            "images": [],
            "videos": [],
            "audio": [],
            "files": [],
            "response_audio": None,
        }
    out: Dict[str, Any] = {"run_id": run.run_id, "parent_run_id": ""}
    if run.kind == "team":
        out["team_id"] = run.component_id
    else:
        out["agent_id"] = run.component_id
    out.update(
        user_id=run.user_id or "",
        status=run.status,
        cancellation_stage=None,
    )
    if run.kind == "team":
        out.update(
            content=run.content if run.content is not None else "",
            reasoning_content="",
            reasoning_steps=[],
            run_input=run.message,
            run_response_format="text",
        )
    else:
        out.update(
            run_input=run.message,
            content=run.content if run.content is not None else "",
            run_response_format="text",
            reasoning_content="",
            reasoning_steps=[],
        )
    out["metrics"] = run.metrics or {}
    # agno 3.1.10 stores a create's metadata on agent runs and lists it back; team runs list None.
    metadata = run.extra.get("metadata")
    out["metadata"] = metadata if run.kind == "agent" and isinstance(metadata, dict) else None
    out.update(
        messages=run_messages(run),
        tools=list(run.paused_tools) if run.paused_tools else None,
        events=events,
        created_at=iso(run.created_at),
        references=[],
        citations=None,
        reasoning_messages=[],
        session_state=run.extra.get("session_state") if isinstance(run.extra.get("session_state"), dict) else None,
        images=[],
        videos=[],
        audio=[],
        files=[],
        response_audio=None,
        input_media={"images": [], "videos": [], "audios": [], "files": []},
        followups=None,
        forked_from_run_id=None,
        forked_from_message_index=None,
        forked_from_session_id=None,
        regenerated_from=None,
        last_checkpoint_at_message_index=None,
    )
    return out


def session_name(session: FakeSession, runs: List[FakeRun]) -> str:
    if session.session_name is not None:
        return session.session_name
    for run in runs:
        if run.message:
            return run.message
    return ""


def session_summary(session: FakeSession, runs: List[FakeRun]) -> Dict[str, Any]:
    """``SessionSchema`` (the listing entry), None fields dropped."""
    type_key = f"{session.session_type}_id"
    out: Dict[str, Any] = {
        "session_id": session.session_id,
        "session_name": session_name(session, runs),
        "session_state": session.session_state,
        "created_at": iso(session.created_at),
        "updated_at": iso(session.updated_at),
        "session_type": session.session_type,
        "user_id": session.user_id,
        type_key: session.component_id,
        "session_summary": session.summary,
        "metadata": session.metadata,
    }
    return _drop_none(out)


def session_detail(session: FakeSession, runs: List[FakeRun], component_name: Optional[str]) -> Dict[str, Any]:
    """``AgentSessionDetailSchema`` / ``TeamSessionDetailSchema`` / ``WorkflowSessionDetailSchema``."""
    name = session_name(session, runs)
    created, updated = iso(session.created_at), iso(session.updated_at)
    history = [m for run in runs for m in run_messages(run)] if runs else None
    if session.session_type == "agent":
        out: Dict[str, Any] = {
            "user_id": session.user_id,
            "agent_session_id": session.session_id,
            "session_id": session.session_id,
            "session_name": name,
            "session_summary": session.summary,
            "session_state": session.session_state,
            "agent_id": session.component_id,
            "metadata": session.metadata,
            "chat_history": history,
            "created_at": created,
            "updated_at": updated,
        }
    elif session.session_type == "team":
        out = {
            "session_id": session.session_id,
            "session_name": name,
            "user_id": session.user_id,
            "team_id": session.component_id,
            "session_summary": session.summary,
            "session_state": session.session_state,
            "metadata": session.metadata,
            "chat_history": history,
            "created_at": created,
            "updated_at": updated,
        }
    else:
        data: Dict[str, Any] = {}
        if session.session_state is not None:
            data["session_state"] = session.session_state
        if session.session_name is not None:
            data["session_name"] = session.session_name
        out = {
            "user_id": session.user_id,
            "workflow_id": session.component_id,
            "workflow_name": component_name,
            "session_id": session.session_id,
            "session_name": name,
            "session_data": data or None,
            "session_state": session.session_state,
            "metadata": session.metadata,
            "created_at": created,
            "updated_at": updated,
        }
    return _drop_none(out)


def _model_info() -> Dict[str, Any]:
    return {"name": "OpenAIChat", "model": MODEL_ID, "provider": MODEL_PROVIDER}


def component_detail(spec: _Component, agents: Mapping[str, _AgentSpec]) -> Dict[str, Any]:
    """An agent, team or workflow as ``GET /agents/{id}`` (``/teams``, ``/workflows``) renders it;
    ``agents`` resolves a team's members and a workflow's step agents."""
    out: Dict[str, Any] = {"id": spec.id, "name": spec.name}
    if spec.db:
        out["db_id"] = DB_ID
    if spec.description is not None:
        out["description"] = spec.description
    if isinstance(spec, _AgentSpec):
        out["model"] = _model_info()
        if spec.confirm_tool is not None:
            out["tools"] = {"tools": [{"name": spec.confirm_tool, "requires_confirmation": True}]}
        if spec.db:
            out["sessions"] = {"session_table": "agno_sessions"}
        out.update(filesystem=False, is_factory=False, is_component=False, sandboxed=False)
    elif isinstance(spec, _TeamSpec):
        out["mode"] = spec.mode
        out["model"] = _model_info()
        if spec.db:
            out["sessions"] = {"session_table": "agno_sessions"}
        out["members"] = [component_detail(agents[m], agents) for m in spec.members if m in agents]
    elif isinstance(spec, _WorkflowSpec):
        out["steps"] = [
            {"name": step, "type": "Step", "agent": {"id": agent, "name": agents[agent].name}}
            for step, agent in spec.steps
            if agent in agents
        ]
        out.update(workflow_agent=False, is_factory=False, is_component=False, sandboxed=False)
    return out


def component_summary(spec: _Component) -> Dict[str, Any]:
    """An agent, team or workflow as ``GET /config`` lists it."""
    out: Dict[str, Any] = {"id": spec.id, "name": spec.name}
    if spec.description is not None:
        out["description"] = spec.description
    if spec.db:
        out["db_id"] = DB_ID
    if isinstance(spec, _TeamSpec):
        out["mode"] = spec.mode
    if not isinstance(spec, _WorkflowSpec):
        out["model"] = {"id": MODEL_ID, "provider": MODEL_PROVIDER}
    else:
        out.update(is_factory=False, is_component=False)
    out["sandboxed"] = False
    return out


def approval_row(run: FakeRun, approval_id: str, now: int) -> Dict[str, Any]:
    """The pending approval agno's ``@approval`` stores for a run paused on its tool."""
    tool = (run.paused_tools or [{}])[0]
    return {
        "id": approval_id,
        "run_id": run.run_id,
        "session_id": run.session_id,
        "status": "pending",
        "source_type": run.kind,
        "approval_type": "required",
        "pause_type": "confirmation",
        "tool_name": tool.get("tool_name"),
        "tool_args": tool.get("tool_args"),
        "agent_id": run.agent_id,
        "team_id": run.team_id,
        "user_id": run.user_id,
        "source_name": run.component_name,
        "requirements": [{"tool_execution": dict(t)} for t in run.paused_tools or []],
        "created_at": now,
        "updated_at": now,
    }
