"""Eval runs (``/eval-runs``), stored in ``fake.eval_runs``: accuracy scores 10 when the agent's
reply contains ``expected_output``; reliability "calls" the tools its prompt names."""

from __future__ import annotations

from typing import Any, Dict

from .._events import resolve_reply
from .._records import FakeEvalRun
from .._state import _State
from .._wire import _Call, _detail, _invalid, _json, _Reply
from ._common import Route, body_json, delete_listed, descending, found, limit_page, paged, require

_EVAL_TYPES = ("accuracy", "agent_as_judge", "performance", "reliability")


def _eval_data(eval_type: str, body: Dict[str, Any], text: str, output: str, eval_id: str) -> Dict[str, Any]:
    data: Dict[str, Any] = {"run_id": eval_id}
    if eval_type in ("accuracy", "agent_as_judge"):
        expected = body.get("expected_output")
        score = 10 if expected and str(expected).lower() in output.lower() else 1
        data.update(
            results=[{"input": text, "output": output, "expected_output": expected, "score": score, "reason": "fake"}],
            avg_score=score,
            mean_score=score,
            min_score=score,
            max_score=score,
            std_dev_score=0,
        )
    elif eval_type == "performance":
        n = int(body.get("num_iterations") or 1)
        data.update(run_times=[0.01] * n, avg_run_time=0.01, min_run_time=0.01, max_run_time=0.01)
    else:
        expected_calls = [str(t) for t in body.get("expected_tool_calls") or []]
        made = [t for t in expected_calls if t in text]  # the fake "calls" the tools its prompt names
        missing = [t for t in expected_calls if t not in made]
        data.update(
            eval_status="FAILED" if missing else "PASSED",
            failed_tool_calls=[],
            passed_tool_calls=made,
            additional_tool_calls=[],
            missing_tool_calls=missing,
            failed_argument_checks=[],
            passed_argument_checks=[],
        )
    return data


def run_eval(state: _State, call: _Call) -> _Reply:
    body = body_json(call, required=True)
    eval_type = body.get("eval_type")
    if eval_type not in _EVAL_TYPES:
        raise _invalid(["body", "eval_type"], "enum", f"Input should be {', '.join(map(repr, _EVAL_TYPES))}", eval_type)
    require(body, "input")
    agent_id, team_id = body.get("agent_id"), body.get("team_id")
    kind, component_id = ("agent", agent_id) if agent_id else ("team", team_id)
    if not component_id:
        return _detail(400, "Either agent_id or team_id must be provided")
    spec = state._spec(kind, str(component_id))
    if spec is None:
        return _detail(404, f"{kind.title()} with id '{component_id}' not found")
    output = resolve_reply(spec.reply, body["input"])
    eval_id = state._new_id()
    if eval_type == "accuracy" and not body.get("expected_output"):
        return _detail(400, "expected_output is required for accuracy evaluation")
    now = state._now()
    run = FakeEvalRun(
        id=eval_id,
        eval_type=eval_type,
        agent_id=agent_id,
        team_id=team_id,
        eval_data=_eval_data(eval_type, body, body["input"], output, eval_id),
        eval_input={k: v for k, v in body.items() if k not in ("agent_id", "team_id")},
        name=body.get("name"),
        evaluated_component_name=spec.name,
        created_at=now,
        updated_at=now,
        seq=state._next_seq(),
    )
    state.eval_runs[run.id] = run
    return _json(200, run.to_json())


def _eval_run(state: _State, eval_run_id: str) -> FakeEvalRun:
    return found(state.eval_runs.get(eval_run_id), f"Eval run with id '{eval_run_id}' not found")


def list_evals(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    types = [t.strip() for t in (call.q("eval_types") or "").split(",") if t.strip()]
    bad = [t for t in types if t not in _EVAL_TYPES]
    if bad:
        return _detail(400, f"Invalid eval_type: {bad[0]}")
    filter_type = call.q("type")
    rows = [
        r
        for r in state.eval_runs.values()
        if (call.q("agent_id") is None or r.agent_id == call.q("agent_id"))
        and (call.q("team_id") is None or r.team_id == call.q("team_id"))
        and (not types or r.eval_type in types)
        and (filter_type is None or (r.agent_id if filter_type == "agent" else r.team_id) is not None)
    ]
    rows.sort(key=lambda r: (r.created_at, r.seq), reverse=descending(call))
    return paged([r.to_json() for r in rows], paging)


def get_eval(state: _State, call: _Call, eval_run_id: str) -> _Reply:
    return _json(200, _eval_run(state, eval_run_id).to_json())


def update_eval(state: _State, call: _Call, eval_run_id: str) -> _Reply:
    body = body_json(call, required=True)
    require(body, "name")
    run = _eval_run(state, eval_run_id)
    run.name = body["name"]
    run.updated_at = state._now()
    return _json(200, run.to_json())


def delete_evals(state: _State, call: _Call) -> _Reply:
    return delete_listed(call, state.eval_runs, "eval_run_ids")


ROUTES = (
    Route("POST", "/eval-runs", run_eval),
    Route("GET", "/eval-runs", list_evals),
    Route("DELETE", "/eval-runs", delete_evals),
    Route("GET", "/eval-runs/{eval_run_id}", get_eval),
    Route("PATCH", "/eval-runs/{eval_run_id}", update_eval),
)
