"""Event plans: the events a fake run will produce, shaped like the captures in ``wire/``.

Every builder returns plain dicts whose keys (and key order) copy what agno 3.1.10 sends:
``created_at``, ``event``, the emitter's identity (``agent_id``/``agent_name``,
``team_id``/``team_name`` or ``workflow_id``/``workflow_name``), ``run_id``, ``session_id``,
``nested_depth``, then the type's own fields. ``event_index`` is stamped when an event is produced.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from ._model import FakeRun, Reply, _AgentSpec, _TeamSpec, _WorkflowSpec

MODEL_ID = "gpt-fake"
MODEL_PROVIDER = "OpenAI"
METRICS_PROVIDER = "OpenAI Chat"
INPUT_TOKENS = 10
CANCEL_REASON = "Operation cancelled by user"

#: Terminal event types per run kind (the run's own terminal event ends its stream).
TERMINAL_EVENTS: Dict[str, Dict[str, str]] = {
    "agent": {"RunCompleted": "COMPLETED", "RunError": "ERROR", "RunCancelled": "CANCELLED", "RunPaused": "PAUSED"},
    "team": {
        "TeamRunCompleted": "COMPLETED",
        "TeamRunError": "ERROR",
        "TeamRunCancelled": "CANCELLED",
        "TeamRunPaused": "PAUSED",
    },
    "workflow": {
        "WorkflowCompleted": "COMPLETED",
        "WorkflowError": "ERROR",
        "WorkflowCancelled": "CANCELLED",
        "WorkflowPaused": "PAUSED",
    },
}
CONTENT_EVENTS = {"agent": "RunContent", "team": "TeamRunContent"}

_ARITHMETIC = re.compile(r"^\s*what\s+is\s+(-?\d+)\s*([-+*])\s*(-?\d+)\s*\??\s*$", re.IGNORECASE)


def default_reply(message: str) -> str:
    """The fake model's answer: arithmetic for "What is 2 + 2?", an echo otherwise."""
    match = _ARITHMETIC.match(message)
    if match:
        a, op, b = int(match.group(1)), match.group(2), int(match.group(3))
        result = a + b if op == "+" else a - b if op == "-" else a * b
        return f"{a} {op} {b} = {result}."
    return f"You said: {message.strip()}"


def resolve_reply(reply: Optional[Reply], message: str) -> str:
    if reply is None:
        return default_reply(message)
    if callable(reply):
        return str(reply(message))
    return reply


def split_tokens(text: str) -> List[str]:
    """Word tokens that keep their trailing spaces: "2 + 2 = 4." -> "2 ", "+ ", "2 ", "= ", "4."."""
    tokens = re.findall(r"\S+\s*", text)
    lead = text[: len(text) - len(text.lstrip())]
    if lead:
        if tokens:
            tokens[0] = lead + tokens[0]
        else:
            tokens = [lead]
    return tokens


def provider_data(run_id: str) -> Dict[str, Any]:
    return {"id": "chatcmpl-" + hashlib.sha1(run_id.encode()).hexdigest()[:8]}


def metrics(output_tokens: int) -> Dict[str, Any]:
    total = INPUT_TOKENS + output_tokens
    return {
        "input_tokens": INPUT_TOKENS,
        "output_tokens": output_tokens,
        "total_tokens": total,
        "time_to_first_token": 0.01,
        "duration": 0.1,
        "details": {
            "model": [
                {
                    "input_tokens": INPUT_TOKENS,
                    "output_tokens": output_tokens,
                    "total_tokens": total,
                    "id": MODEL_ID,
                    "provider": METRICS_PROVIDER,
                }
            ]
        },
    }


def iso(ts: float) -> str:
    """A timestamp as FastAPI renders a UTC datetime."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tool_execution(tool_call_id: str, tool_name: str, tool_args: Mapping[str, Any], created_at: int) -> Dict[str, Any]:
    """A tool execution dict as agno's ``ToolExecution.to_dict()`` renders it."""
    return {
        "tool_call_id": tool_call_id,
        "tool_name": tool_name,
        "tool_args": dict(tool_args),
        "tool_call_error": None,
        "result": None,
        "metrics": None,
        "child_run_id": None,
        "stop_after_tool_call": False,
        "created_at": created_at,
        "requires_confirmation": True,
        "confirmed": None,
        "confirmation_note": None,
        "requires_user_input": None,
        "user_input_schema": None,
        "user_feedback_schema": None,
        "answered": None,
        "external_execution_required": None,
        "external_execution_silent": None,
        "approval_type": None,
        "approval_id": None,
        "parent_tool_call_id": None,
    }


@dataclass(frozen=True)
class StepContext:
    """Where a nested agent run sits inside a workflow run."""

    workflow_id: str
    workflow_run_id: str
    step_id: str
    step_name: str
    step_index: int


class Planner:
    """Builds event plans; ``now`` gives ``created_at``, ``new_id`` gives uuids."""

    def __init__(self, now: Callable[[], int], new_id: Callable[[], str]) -> None:
        self.now = now
        self.new_id = new_id

    # -- identities ------------------------------------------------------------------------------
    @staticmethod
    def agent_ident(
        agent_id: str, agent_name: str, run_id: str, session_id: str, step: Optional[StepContext] = None
    ) -> Dict[str, Any]:
        ident: Dict[str, Any] = {
            "agent_id": agent_id,
            "agent_name": agent_name,
            "run_id": run_id,
            "session_id": session_id,
        }
        if step is not None:
            ident.update(
                workflow_id=step.workflow_id,
                workflow_run_id=step.workflow_run_id,
                step_id=step.step_id,
                step_name=step.step_name,
                step_index=step.step_index,
            )
        ident["nested_depth"] = 0
        return ident

    @staticmethod
    def team_ident(run: FakeRun) -> Dict[str, Any]:
        return {
            "team_id": run.component_id,
            "team_name": run.component_name,
            "run_id": run.run_id,
            "session_id": run.session_id,
            "nested_depth": 0,
        }

    @staticmethod
    def workflow_ident(run: FakeRun) -> Dict[str, Any]:
        return {
            "workflow_id": run.component_id,
            "workflow_name": run.component_name,
            "session_id": run.session_id,
            "run_id": run.run_id,
            "nested_depth": 0,
        }

    def ev(self, event: str, ident: Mapping[str, Any], **fields: Any) -> Dict[str, Any]:
        out: Dict[str, Any] = {"created_at": self.now(), "event": event}
        out.update(ident)
        out.update(fields)
        return out

    # -- model calls -----------------------------------------------------------------------------
    def _model_call(
        self, prefix: str, ident: Mapping[str, Any], tokens: Sequence[str], pdata: Dict[str, Any], *, agent: bool
    ) -> List[Dict[str, Any]]:
        events = [self.ev(f"{prefix}ModelRequestStarted", ident, model=MODEL_ID, model_provider=MODEL_PROVIDER)]
        for token in tokens:
            if agent:
                events.append(
                    self.ev(
                        "RunContent",
                        ident,
                        content=token,
                        workflow_agent=False,
                        content_type="str",
                        reasoning_content="",
                        model_provider_data=pdata,
                    )
                )
            else:
                events.append(
                    self.ev(
                        "TeamRunContent",
                        ident,
                        content=token,
                        content_type="str",
                        reasoning_content="",
                        model_provider_data=pdata,
                    )
                )
        events.append(
            self.ev(
                f"{prefix}ModelRequestCompleted",
                ident,
                model=MODEL_ID,
                model_provider=MODEL_PROVIDER,
                input_tokens=INPUT_TOKENS,
                output_tokens=len(tokens),
                total_tokens=INPUT_TOKENS + len(tokens),
                time_to_first_token=0.003,
                reasoning_tokens=0,
                cache_read_tokens=0,
                cache_write_tokens=0,
            )
        )
        return events

    def _agent_completed(
        self,
        ident: Mapping[str, Any],
        content: str,
        n_tokens: int,
        pdata: Dict[str, Any],
        session_state: Dict[str, Any],
    ) -> Dict[str, Any]:
        return self.ev(
            "RunCompleted",
            ident,
            content=content,
            content_type="str",
            model_provider_data=pdata,
            session_state=session_state,
            metrics=metrics(n_tokens),
        )

    # -- agents ----------------------------------------------------------------------------------
    def agent_answer(
        self, ident: Mapping[str, Any], text: str, pdata: Dict[str, Any], session_state: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        """RunStarted, ModelRequestStarted, RunContent per token, ..., RunCompleted."""
        tokens = split_tokens(text)
        events = [self.ev("RunStarted", ident, model=MODEL_ID, model_provider=MODEL_PROVIDER)]
        events += self._model_call("", ident, tokens, pdata, agent=True)
        events.append(self.ev("RunContentCompleted", ident))
        events.append(self._agent_completed(ident, text, len(tokens), pdata, session_state))
        return events

    def agent_plan(self, spec: _AgentSpec, run: FakeRun) -> List[Dict[str, Any]]:
        ident = self.agent_ident(spec.id, spec.name, run.run_id, run.session_id)
        pdata = provider_data(run.run_id)
        session_state = _session_state(run)
        if spec.script is not None:
            return [self._scripted(ident, e) for e in spec.script(run.message)]
        if spec.confirm_tool is not None:
            created = self.now()
            tool = tool_execution(
                "call_" + run.run_id.replace("-", "")[:12], spec.confirm_tool, spec.tool_args, created
            )
            requirement = {"id": self.new_id(), "created_at": iso(created), "tool_execution": dict(tool)}
            return [
                self.ev("RunStarted", ident, model=MODEL_ID, model_provider=MODEL_PROVIDER),
                *self._model_call("", ident, [], pdata, agent=True),
                self.ev("RunPaused", ident, tools=[tool], requirements=[requirement]),
            ]
        text = resolve_reply(spec.reply, run.message)
        if spec.error is not None:
            tokens = split_tokens(text)[: spec.error_after]
            fields: Dict[str, Any] = {"content": spec.error}
            if spec.error_type is not None:
                fields["error_type"] = spec.error_type
            return [
                self.ev("RunStarted", ident, model=MODEL_ID, model_provider=MODEL_PROVIDER),
                self.ev("ModelRequestStarted", ident, model=MODEL_ID, model_provider=MODEL_PROVIDER),
                *[
                    self.ev(
                        "RunContent",
                        ident,
                        content=t,
                        workflow_agent=False,
                        content_type="str",
                        reasoning_content="",
                        model_provider_data=pdata,
                    )
                    for t in tokens
                ],
                self.ev("RunError", ident, **fields),
            ]
        return self.agent_answer(ident, text, pdata, session_state)

    def _scripted(self, ident: Mapping[str, Any], event: Mapping[str, Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {"created_at": self.now(), "event": event["event"]}
        for key, value in ident.items():
            out[key] = value
        for key, value in event.items():
            out[key] = value
        return out

    def agent_continue_plan(
        self, spec: _AgentSpec, run: FakeRun, tools: Sequence[Mapping[str, Any]]
    ) -> List[Dict[str, Any]]:
        """The post-approval leg of a paused run: RunContinued, the confirmed tools, the answer."""
        ident = self.agent_ident(spec.id, spec.name, run.run_id, run.session_id)
        pdata = provider_data(run.run_id)
        events = [self.ev("RunContinued", ident)]
        rejected: List[str] = []
        for tool in tools:
            name = str(tool.get("tool_name") or spec.confirm_tool or "tool")
            if tool.get("confirmed") is False:
                rejected.append(name)
                continue
            done = dict(tool)
            done["confirmed"] = True
            done["result"] = spec.tool_result
            events.append(self.ev("ToolCallStarted", ident, tool=done))
            events.append(self.ev("ToolCallCompleted", ident, content=spec.tool_result, tool=done))
        if rejected:
            text = f"The {', '.join(rejected)} call was not confirmed, so I did not run it."
        else:
            text = resolve_reply(spec.reply, run.message)
        tokens = split_tokens(text)
        events += self._model_call("", ident, tokens, pdata, agent=True)
        events.append(self.ev("RunContentCompleted", ident))
        events.append(self._agent_completed(ident, text, len(tokens), pdata, _session_state(run)))
        return events

    # -- teams -----------------------------------------------------------------------------------
    def team_plan(self, spec: _TeamSpec, run: FakeRun) -> List[Dict[str, Any]]:
        ident = self.team_ident(run)
        pdata = provider_data(run.run_id)
        text = resolve_reply(spec.reply, run.message)
        tokens = split_tokens(text)
        events = [self.ev("TeamRunStarted", ident, model=MODEL_ID, model_provider=MODEL_PROVIDER)]
        events += self._model_call("Team", ident, tokens, pdata, agent=False)
        events.append(self.ev("TeamRunContentCompleted", ident))
        events.append(
            self.ev(
                "TeamRunCompleted",
                ident,
                content=text,
                content_type="str",
                model_provider_data=pdata,
                metrics=metrics(len(tokens)),
            )
        )
        return events

    # -- workflows -------------------------------------------------------------------------------
    def workflow_plan(
        self, spec: _WorkflowSpec, run: FakeRun, agents: Mapping[str, _AgentSpec]
    ) -> List[Dict[str, Any]]:
        """WorkflowStarted, per step StepStarted + the step agent's own run + StepCompleted, then
        WorkflowCompleted. Each step's input is the previous step's output, as in agno."""
        ident = self.workflow_ident(run)
        events = [self.ev("WorkflowStarted", ident)]
        step_input = run.message
        step_results: List[Dict[str, Any]] = []
        executor_runs: List[Dict[str, Any]] = []
        step_metrics: Dict[str, Any] = {}
        content = ""
        for index, (step_name, agent_id) in enumerate(spec.steps):
            agent = agents[agent_id]
            step_id = self.new_id()
            step_ident = dict(ident)
            del step_ident["nested_depth"]
            step_ident.update(step_id=step_id, nested_depth=0, step_name=step_name, step_index=index)
            events.append(self.ev("StepStarted", step_ident))
            nested_run_id = self.new_id()
            ctx = StepContext(spec.id, run.run_id, step_id, step_name, index)
            nested_ident = self.agent_ident(agent.id, agent.name, nested_run_id, run.session_id, ctx)
            pdata = provider_data(nested_run_id)
            content = resolve_reply(agent.reply, step_input)
            n_tokens = len(split_tokens(content))
            state = {"current_session_id": run.session_id, "current_run_id": run.run_id}
            nested = self.agent_answer(nested_ident, content, pdata, state)
            events += nested
            step_response = {
                "content": content,
                "step_name": step_name,
                "step_id": step_id,
                "step_type": "Step",
                "executor_type": "agent",
                "executor_name": agent.name,
                "step_run_id": nested_run_id,
                "images": None,
                "videos": None,
                "audio": None,
                "files": None,
                "metrics": metrics(n_tokens),
                "success": True,
                "error": None,
                "stop": False,
                "is_paused": False,
            }
            events.append(
                self.ev("StepCompleted", step_ident, content=content, content_type="str", step_response=step_response)
            )
            step_results.append(step_response)
            step_metrics[step_name] = {
                "step_name": step_name,
                "executor_type": "agent",
                "executor_name": agent.name,
                "metrics": metrics(n_tokens),
            }
            executor_runs.append(
                {
                    "run_id": nested_run_id,
                    "agent_id": agent.id,
                    "agent_name": agent.name,
                    "session_id": run.session_id,
                    "parent_run_id": run.run_id,
                    "content": content,
                    "content_type": "str",
                    "model_provider_data": pdata,
                    "model": MODEL_ID,
                    "model_provider": MODEL_PROVIDER,
                    "session_state": state,
                    "created_at": self.now(),
                    "status": "COMPLETED",
                    "workflow_step_id": step_id,
                    "metrics": metrics(n_tokens),
                    "messages": messages(step_input, content, pdata, n_tokens, self.now(), self.new_id),
                    "input": {"input_content": step_input},
                }
            )
            step_input = content
        events.append(
            self.ev(
                "WorkflowCompleted",
                ident,
                content=content,
                content_type="str",
                metrics={"steps": step_metrics, "duration": 0.1 * max(1, len(spec.steps))},
                step_results=step_results,
                step_executor_runs=executor_runs,
            )
        )
        return events

    # -- cancellation ----------------------------------------------------------------------------
    def cancel_tail(self, run: FakeRun) -> List[Dict[str, Any]]:
        """What a run sends once cancelled: RunCancelled then a RunCompleted carrying the partial
        content (observed on a real server; teams mirror it; a workflow sends WorkflowCancelled)."""
        partial = run.content or ""
        n_tokens = len(split_tokens(partial))
        pdata = provider_data(run.run_id)
        if run.kind == "agent":
            ident = self.agent_ident(run.component_id, run.component_name, run.run_id, run.session_id)
            return [
                self.ev("RunCancelled", ident, content=partial, reason=CANCEL_REASON),
                self._agent_completed(ident, partial, n_tokens, pdata, _session_state(run)),
            ]
        if run.kind == "team":
            ident = self.team_ident(run)
            return [
                self.ev("TeamRunCancelled", ident, content=partial, reason=CANCEL_REASON),
                self.ev(
                    "TeamRunCompleted",
                    ident,
                    content=partial,
                    content_type="str",
                    model_provider_data=pdata,
                    metrics=metrics(n_tokens),
                ),
            ]
        return [self.ev("WorkflowCancelled", self.workflow_ident(run), reason=CANCEL_REASON, content=partial)]


def _session_state(run: FakeRun) -> Dict[str, Any]:
    state = run.extra.get("session_state")
    return dict(state) if isinstance(state, dict) else {}


def messages(
    user_text: str,
    reply: Optional[str],
    pdata: Dict[str, Any],
    n_tokens: int,
    created_at: int,
    new_id: Callable[[], str],
) -> List[Dict[str, Any]]:
    """The user message and (once answered) the assistant message of a run."""
    out: List[Dict[str, Any]] = [
        {
            "id": new_id(),
            "content": user_text,
            "from_history": False,
            "stop_after_tool_call": False,
            "role": "user",
            "created_at": created_at,
        }
    ]
    if reply is not None:
        out.append(
            {
                "id": new_id(),
                "content": reply,
                "from_history": False,
                "stop_after_tool_call": False,
                "role": "assistant",
                "provider_data": pdata,
                "metrics": {
                    "input_tokens": INPUT_TOKENS,
                    "output_tokens": n_tokens,
                    "total_tokens": INPUT_TOKENS + n_tokens,
                    "duration": 0.01,
                    "time_to_first_token": 0.01,
                },
                "created_at": created_at,
            }
        )
    return out


def with_index(event: Mapping[str, Any], index: int) -> Dict[str, Any]:
    """``event`` with ``event_index`` placed where agno places it (before a trailing ``metrics``)."""
    out: Dict[str, Any] = {}
    keys = list(event)
    before_metrics = bool(keys) and keys[-1] == "metrics"
    for key in keys:
        if key == "event_index":
            continue
        if key == "metrics" and before_metrics:
            out["event_index"] = index
        out[key] = event[key]
    if "event_index" not in out:
        out["event_index"] = index
    return out


def without_index(event: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in event.items() if k != "event_index"}
