"""The resources (client.agents, .teams, .workflows, .sessions) and agno's names over them: every
name that was supported keeps working, fields are the ones the server reads, typos fail loudly,
required arguments are required, and per-call options reach the request."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import urlsplit

import pytest

from agentos_sync import AgentOSClient, RunAccepted, RunOutput, RunStream, errors, events
from agentos_sync.testing import FakeAgentOS, MockTransport, json_response, sse_response
from agentos_sync.transports import Request, Response

KINDS = [("agent", "assistant"), ("team", "duo"), ("workflow", "pipeline")]

#: Every agno ``AgentOSClient`` name this client supported before the resources (the README's
#: parity table), and the resource method it now is.
AGNO_NAMES: Dict[str, Tuple[str, str]] = {
    "list_agents": ("agents", "list"),
    "get_agent": ("agents", "get"),
    "run_agent": ("agents", "run"),
    "run_agent_stream": ("agents", "stream"),
    "resume_run_stream": ("agents", "resume"),
    "resume_agent_run_stream": ("agents", "resume"),
    "continue_agent_run": ("agents", "continue_run"),
    "continue_agent_run_stream": ("agents", "continue_stream"),
    "get_agent_run": ("agents", "get_run"),
    "list_agent_runs": ("agents", "list_runs"),
    "wait_for_agent_run": ("agents", "wait"),
    "cancel_agent_run": ("agents", "cancel"),
    "list_teams": ("teams", "list"),
    "get_team": ("teams", "get"),
    "run_team": ("teams", "run"),
    "run_team_stream": ("teams", "stream"),
    "resume_team_run_stream": ("teams", "resume"),
    "continue_team_run": ("teams", "continue_run"),
    "continue_team_run_stream": ("teams", "continue_stream"),
    "get_team_run": ("teams", "get_run"),
    "list_team_runs": ("teams", "list_runs"),
    "wait_for_team_run": ("teams", "wait"),
    "cancel_team_run": ("teams", "cancel"),
    "list_workflows": ("workflows", "list"),
    "get_workflow": ("workflows", "get"),
    "run_workflow": ("workflows", "run"),
    "run_workflow_stream": ("workflows", "stream"),
    "resume_workflow_run_stream": ("workflows", "resume"),
    "continue_workflow_run": ("workflows", "continue_run"),
    "continue_workflow_run_stream": ("workflows", "continue_stream"),
    "get_workflow_run": ("workflows", "get_run"),
    "list_workflow_runs": ("workflows", "list_runs"),
    "wait_for_workflow_run": ("workflows", "wait"),
    "cancel_workflow_run": ("workflows", "cancel"),
    "create_session": ("sessions", "create"),
    "get_sessions": ("sessions", "list"),
    "get_session": ("sessions", "get"),
    "get_session_runs": ("sessions", "runs"),
    "get_session_run": ("sessions", "get_run"),
    "rename_session": ("sessions", "rename"),
    "update_session": ("sessions", "update"),
    "delete_session": ("sessions", "delete"),
    "delete_sessions": ("sessions", "delete_many"),
}

_CONTINUE = re.compile(r"/(teams|workflows)/[^/]+/runs/([^/]+)/continue$")


@pytest.fixture
def world(fake: FakeAgentOS) -> FakeAgentOS:
    fake.add_agent("assistant", name="Assistant", polls_until_done=0)
    fake.add_agent("writer", name="Writer")
    fake.add_team("duo", members=["assistant", "writer"])
    fake.add_workflow("pipeline", steps=[("draft", "writer"), ("review", "assistant")])
    fake.add_agent("confirmer", confirm_tool="delete_file", tool_args={"path": "/tmp/x"}, tool_result="deleted")
    return fake


@pytest.fixture
def over_fake(world: FakeAgentOS) -> Tuple[AgentOSClient, MockTransport]:
    """A client over the fake; team and workflow continues (the fake continues paused agents
    only) are answered as the server answers a completed continue."""

    def handler(request: Request) -> Response:
        match = _CONTINUE.search(urlsplit(request.url).path)
        if match is None:
            return world.handle(request)
        prefix = "TeamRun" if match.group(1) == "teams" else "Workflow"
        if request.stream:
            # A continue leg opens with its Continued event (the stream starts its leg there).
            leg = [{"event": prefix + "Continued", "run_id": match.group(2)}]
            return sse_response([*leg, {"event": prefix + "Completed", "run_id": match.group(2), "content": "ok"}])
        return json_response(200, {"run_id": match.group(2), "status": "COMPLETED", "content": "ok"})

    transport = MockTransport(handler)
    return AgentOSClient("http://fake.local", transport=transport), transport


def _finished(c: AgentOSClient, kind: str, entity: str) -> RunAccepted:
    return c.for_kind(kind).run(entity, "What is 2 + 2?", background=True)


def _paused(c: AgentOSClient) -> Tuple[RunOutput, List[Dict[str, Any]]]:
    paused = c.run_agent("confirmer", "clean up")
    return paused, [dict(t.model_dump(exclude_none=True), confirmed=True) for t in paused.tools or []]


def _ended(stream: RunStream) -> bool:
    evs = list(stream)
    return stream.terminal_event is not None and stream.terminal_event.event in events.TERMINAL_STATUS and bool(evs)


def _resumed(c: AgentOSClient, name: str, kind: str, entity: str) -> bool:
    stream = c.for_kind(kind).stream(entity, "What is 2 + 2?", background=True)
    next(iter(stream))
    stream.close()
    again = getattr(c, name)(entity, stream.run_id or "", stream.last_event_index, stream.session_id)
    evs = list(again)
    return isinstance(evs[0], events.StreamMetaEvent) and again.terminal_event is not None


def _session(c: AgentOSClient) -> str:
    out = c.run_agent("assistant", "What is 2 + 2?")
    assert out.session_id
    return out.session_id


def _check_continue(c: AgentOSClient, name: str, kind: str) -> bool:
    answers = {"requirements": [{"tool_execution": {"tool_call_id": "c1", "confirmed": True}}]}
    if kind == "workflow":
        answers = {"step_requirements": [{"step_name": "review", "confirmed": True}]}
    result = getattr(c, name)("duo" if kind == "team" else "pipeline", "r1", session_id="s1", **answers)
    if isinstance(result, RunStream):
        return _ended(result)
    return bool(result.status == "COMPLETED")


#: How each agno name is called, against the fake: each returns True when the call did its job.
CALLS: Dict[str, Callable[[AgentOSClient], bool]] = {
    "list_agents": lambda c: "assistant" in [a.id for a in c.list_agents()],
    "get_agent": lambda c: c.get_agent("assistant").name == "Assistant",
    "run_agent": lambda c: c.run_agent("assistant", "What is 2 + 2?").content == "2 + 2 = 4.",
    "run_agent_stream": lambda c: _ended(c.run_agent_stream("assistant", "What is 2 + 2?")),
    "resume_run_stream": lambda c: _resumed(c, "resume_run_stream", "agent", "assistant"),
    "resume_agent_run_stream": lambda c: _resumed(c, "resume_agent_run_stream", "agent", "assistant"),
    "continue_agent_run": lambda c: _continue_agent(c),
    "continue_agent_run_stream": lambda c: _continue_agent_stream(c),
    "get_agent_run": lambda c: _get_run(c, "get_agent_run", "agent", "assistant"),
    "list_agent_runs": lambda c: _list_runs(c, "list_agent_runs", "agent", "assistant"),
    "wait_for_agent_run": lambda c: _wait(c, "wait_for_agent_run", "agent", "assistant"),
    "cancel_agent_run": lambda c: _cancel(c, "cancel_agent_run", "agent", "assistant"),
    "list_teams": lambda c: [t.id for t in c.list_teams()] == ["duo"],
    "get_team": lambda c: c.get_team("duo").id == "duo",
    "run_team": lambda c: c.run_team("duo", "What is 2 + 2?").status == "COMPLETED",
    "run_team_stream": lambda c: _ended(c.run_team_stream("duo", "What is 2 + 2?")),
    "resume_team_run_stream": lambda c: _resumed(c, "resume_team_run_stream", "team", "duo"),
    "continue_team_run": lambda c: _check_continue(c, "continue_team_run", "team"),
    "continue_team_run_stream": lambda c: _check_continue(c, "continue_team_run_stream", "team"),
    "get_team_run": lambda c: _get_run(c, "get_team_run", "team", "duo"),
    "list_team_runs": lambda c: _list_runs(c, "list_team_runs", "team", "duo"),
    "wait_for_team_run": lambda c: _wait(c, "wait_for_team_run", "team", "duo"),
    "cancel_team_run": lambda c: _cancel(c, "cancel_team_run", "team", "duo"),
    "list_workflows": lambda c: [w.id for w in c.list_workflows()] == ["pipeline"],
    "get_workflow": lambda c: c.get_workflow("pipeline").id == "pipeline",
    "run_workflow": lambda c: c.run_workflow("pipeline", "What is 2 + 2?").status == "COMPLETED",
    "run_workflow_stream": lambda c: _ended(c.run_workflow_stream("pipeline", "What is 2 + 2?")),
    "resume_workflow_run_stream": lambda c: _resumed(c, "resume_workflow_run_stream", "workflow", "pipeline"),
    "continue_workflow_run": lambda c: _check_continue(c, "continue_workflow_run", "workflow"),
    "continue_workflow_run_stream": lambda c: _check_continue(c, "continue_workflow_run_stream", "workflow"),
    "get_workflow_run": lambda c: _get_run(c, "get_workflow_run", "workflow", "pipeline"),
    "list_workflow_runs": lambda c: _list_runs(c, "list_workflow_runs", "workflow", "pipeline"),
    "wait_for_workflow_run": lambda c: _wait(c, "wait_for_workflow_run", "workflow", "pipeline"),
    "cancel_workflow_run": lambda c: _cancel(c, "cancel_workflow_run", "workflow", "pipeline"),
    "create_session": lambda c: c.create_session(agent_id="assistant", session_name="Chat").session_name == "Chat",
    "get_sessions": lambda c: _session(c) in [s.session_id for s in c.get_sessions().data],
    "get_session": lambda c: (lambda sid: c.get_session(sid).session_id == sid)(_session(c)),
    "get_session_runs": lambda c: len(c.get_session_runs(_session(c))) == 1,
    "get_session_run": lambda c: _session_run(c),
    "rename_session": lambda c: c.rename_session(_session(c), "Renamed").session_name == "Renamed",
    "update_session": lambda c: c.update_session(_session(c), session_state={"a": 1}).session_state == {"a": 1},
    "delete_session": lambda c: _delete_session(c),
    "delete_sessions": lambda c: _delete_sessions(c),
}


def _continue_agent(c: AgentOSClient) -> bool:
    paused, answers = _paused(c)
    out = c.continue_agent_run("confirmer", paused.run_id or "", answers, session_id=paused.session_id or "")
    return out.status == "COMPLETED"


def _continue_agent_stream(c: AgentOSClient) -> bool:
    paused, answers = _paused(c)
    stream = c.continue_agent_run_stream("confirmer", paused.run_id or "", answers, session_id=paused.session_id or "")
    return _ended(stream)


def _get_run(c: AgentOSClient, name: str, kind: str, entity: str) -> bool:
    acc = _finished(c, kind, entity)
    return bool(getattr(c, name)(entity, acc.run_id, acc.session_id).run_id == acc.run_id)


def _list_runs(c: AgentOSClient, name: str, kind: str, entity: str) -> bool:
    acc = _finished(c, kind, entity)
    return [r.run_id for r in getattr(c, name)(entity, acc.session_id)] == [acc.run_id]


def _wait(c: AgentOSClient, name: str, kind: str, entity: str) -> bool:
    acc = _finished(c, kind, entity)
    return bool(getattr(c, name)(entity, acc.run_id, acc.session_id, timeout=5).status == "COMPLETED")


def _cancel(c: AgentOSClient, name: str, kind: str, entity: str) -> bool:
    stream = c.for_kind(kind).stream(entity, "What is 2 + 2?", background=True)
    next(iter(stream))
    getattr(c, name)(entity, stream.run_id)
    rest = list(stream)
    return any(e.event.endswith("Cancelled") for e in rest)


def _session_run(c: AgentOSClient) -> bool:
    out = c.run_agent("assistant", "What is 2 + 2?")
    return c.get_session_run(out.session_id or "", out.run_id or "").run_id == out.run_id


def _delete_session(c: AgentOSClient) -> bool:
    sid = _session(c)
    c.delete_session(sid)
    with pytest.raises(errors.NotFoundError):
        c.get_session(sid)
    return True


def _delete_sessions(c: AgentOSClient) -> bool:
    sids = [_session(c), _session(c)]
    c.delete_sessions(sids, ["agent", "agent"])
    return all(s not in [x.session_id for x in c.get_sessions().data] for s in sids)


def test_every_agno_name_that_was_supported_is_listed_and_called() -> None:
    assert set(CALLS) == set(AGNO_NAMES)
    # The parity table of the docs' front page names them; none may be dropped from it either.
    index = (__import__("pathlib").Path(__file__).parent.parent / "docs" / "index.md").read_text()
    assert [n for n in AGNO_NAMES if n not in index] == []


@pytest.mark.parametrize("name", sorted(AGNO_NAMES))
def test_agno_name_is_the_resource_method(name: str, client: AgentOSClient) -> None:
    resource, method = AGNO_NAMES[name]
    assert getattr(client, name) == getattr(getattr(client, resource), method)
    assert getattr(client, name).__doc__ == getattr(type(getattr(client, resource)), method).__doc__


@pytest.mark.parametrize("name", sorted(AGNO_NAMES))
def test_agno_name_works(name: str, over_fake: Tuple[AgentOSClient, MockTransport]) -> None:
    client, _ = over_fake
    assert CALLS[name](client) is True


# -- fields: what the server reads, and typos ---------------------------------------------------


def _recording() -> Tuple[AgentOSClient, MockTransport]:
    def handler(request: Request) -> Response:
        if request.stream:
            return sse_response([{"event": "RunCompleted", "run_id": "r1", "event_index": 0}])
        return json_response(200, {"run_id": "r1", "session_id": "s1", "status": "COMPLETED"})

    transport = MockTransport(handler)
    return AgentOSClient("http://test.local", transport=transport), transport


def _create_calls(kind: str) -> List[Callable[..., Any]]:
    client, _ = _recording()
    runs = client.for_kind(kind)
    return [
        lambda **kw: runs.run("x", "Hi", **kw),
        lambda **kw: runs.stream("x", "Hi", **kw),
        lambda **kw: runs.continue_run("x", "r1", session_id="s1", **kw),
        lambda **kw: runs.continue_stream("x", "r1", session_id="s1", last_event_index=0, **kw),
    ]


@pytest.mark.parametrize(("kind", "entity"), KINDS)
def test_an_unknown_keyword_on_any_run_method_is_a_type_error_naming_the_nearest(kind: str, entity: str) -> None:
    client, transport = _recording()
    runs = client.for_kind(kind)
    calls: List[Callable[[], Any]] = [
        lambda: runs.run(entity, "Hi", sesion_id="s1"),  # type: ignore[call-overload]
        lambda: runs.stream(entity, "Hi", sesion_id="s1"),  # type: ignore[call-arg]
        lambda: runs.continue_run(entity, "r1", session_id="s1", user_idd="u"),  # type: ignore[call-overload]
        lambda: runs.continue_stream(entity, "r1", session_id="s1", user_idd="u"),  # type: ignore[call-arg]
    ]
    for call in calls:
        with pytest.raises(TypeError, match=r"unexpected keyword argument '(sesion_id|user_idd)'.*did you mean "):
            call()
    with pytest.raises(TypeError, match="did you mean 'session_id'"):
        getattr(client, f"run_{kind}")(entity, "Hi", sesion_id="s1")
    with pytest.raises(TypeError, match="did you mean 'last_event_index'"):
        runs.resume(entity, "r1", last_event_idx=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="did you mean 'timeout'"):
        runs.get_run(entity, "r1", "s1", timeot=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"sessions\.list\(\) .*'sesion_name'.*did you mean 'session_name'"):
        client.get_sessions(sesion_name="x")  # type: ignore[call-arg]
    assert transport.requests == []  # nothing reached the server


@pytest.mark.parametrize(("kind", "entity"), KINDS)
def test_stream_true_on_run_says_what_to_call(kind: str, entity: str) -> None:
    client, transport = _recording()
    for call in (client.for_kind(kind).run, getattr(client, f"run_{kind}")):
        with pytest.raises(TypeError, match=rf"client\.{kind}s\.stream\(\.\.\.\).*run_{kind}_stream"):
            call(entity, "Hi", stream=True)
    with pytest.raises(TypeError, match="always streams"):
        client.for_kind(kind).stream(entity, "Hi", stream=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="extra_body must not set stream"):
        client.for_kind(kind).run(entity, "Hi", extra_body={"stream": "true"})
    assert transport.requests == []


def test_the_fields_each_route_reads_are_sent_and_others_refused() -> None:
    client, transport = _recording()
    client.teams.run("duo", "Hi", monitor=False, metadata={"a": 1}, extra_body={"num_history_runs": 2})
    form = transport.requests[-1].form or {}
    assert form["monitor"] == "false" and json.loads(form["metadata"]) == {"a": 1} and form["num_history_runs"] == "2"
    client.workflows.run("pipeline", "Hi", additional_data={"k": "v"}, version=2)
    form = transport.requests[-1].form or {}
    assert json.loads(form["additional_data"]) == {"k": "v"} and form["version"] == "2"
    sent = len(transport.requests)
    with pytest.raises(TypeError, match=r"workflows routes do not read 'knowledge_filters'.*extra_body"):
        client.workflows.run("pipeline", "Hi", knowledge_filters={"a": 1})
    with pytest.raises(TypeError, match="workflows routes do not read 'files'"):
        client.run_workflow_stream("pipeline", "Hi", files=[("a.txt", b"x")])
    with pytest.raises(TypeError, match="agents routes do not read 'monitor'"):
        client.agents.run("assistant", "Hi", monitor=True)
    with pytest.raises(TypeError, match="agents routes do not read 'additional_data'"):
        client.agents.stream("assistant", "Hi", additional_data={})
    with pytest.raises(TypeError, match="agents answer a paused run with tools="):
        client.agents.continue_run("a", "r1", session_id="s1", requirements=[])
    with pytest.raises(TypeError, match="workflows answer a paused run with step_requirements="):
        client.workflows.continue_run("w", "r1", [{"tool_call_id": "c"}], session_id="s1")
    with pytest.raises(TypeError, match="extra_body must not set metadata"):
        client.agents.run("assistant", "Hi", metadata={}, extra_body={"metadata": "{}"})
    assert len(transport.requests) == sent
    # None means "not given", as for the explicit arguments
    client.workflows.run("pipeline", "Hi", knowledge_filters=None)
    assert "knowledge_filters" not in (transport.requests[-1].form or {})


def test_required_means_required_and_the_fake_agrees_with_the_server(client: AgentOSClient, fake: FakeAgentOS) -> None:
    acc = client.agents.run("assistant", "Hi", background=True)
    with pytest.raises(TypeError, match="session_id"):
        client.agents.get_run("assistant", acc.run_id)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="get_run\\(\\) needs session_id"):
        client.get_agent_run("assistant", acc.run_id, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="wait\\(\\) needs session_id"):
        client.wait_for_team_run("duo", acc.run_id, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="session_id is required to list runs"):
        client.list_workflow_runs("pipeline", "")
    # The server (and so the fake) answers a get without session_id with FastAPI's 422.
    raw = fake.handle(Request("GET", f"http://fake.local/agents/assistant/runs/{acc.run_id}"))
    assert raw.status_code == 422
    assert json.loads(raw.read())["detail"][0]["loc"] == ["query", "session_id"]


def test_agent_runs_list_their_metadata_back_teams_none(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_team("duo", members=["assistant"])
    out = client.agents.run("assistant", "Hi", metadata={"ticket": 7})
    assert [
        r.model_extra.get("metadata") if r.model_extra else None
        for r in client.agents.list_runs("assistant", out.session_id or "")
    ] == [{"ticket": 7}]
    team = client.teams.run("duo", "Hi", metadata={"ticket": 8})
    listed = client.teams.list_runs("duo", team.session_id or "")
    assert [(r.model_extra or {}).get("metadata", "absent") for r in listed] == [None]


# -- per-call options ----------------------------------------------------------------------------


def test_timeout_and_extra_headers_reach_each_request() -> None:
    client, transport = _recording()
    opts: Dict[str, Any] = {"timeout": 3, "extra_headers": {"X-Trace": "t1"}}
    client.agents.run("a", "Hi", **opts)
    client.teams.stream("duo", "Hi", background=True, **opts).close()
    client.workflows.continue_run("w", "r1", session_id="s1", step_requirements=[], **opts)
    client.agents.get_run("a", "r1", "s1", **opts)
    client.agents.cancel("a", "r1", **opts)
    client.sessions.get_run("s1", "r1", **opts)
    client.agents.wait("a", "r1", "s1", request_timeout=3, extra_headers={"X-Trace": "t1"})
    for request in transport.requests:
        assert request.timeout == (3.0, 3.0) and request.headers["X-Trace"] == "t1", request
    assert transport.requests[0].headers["Idempotency-Key"]  # the client's own header is kept
    with pytest.raises(ValueError, match="timeout"):
        client.agents.list(timeout=-1)
    with pytest.raises(TypeError, match="extra_headers"):
        client.agents.list(extra_headers={"X": 1})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="extra_headers must map str to str, got list"):
        client.agents.list(extra_headers=[("X", "1")])  # type: ignore[arg-type]


# -- both spellings, one method ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "entity"), KINDS)
def test_resource_and_agno_spelling_give_the_same_run(
    client: AgentOSClient, world: FakeAgentOS, kind: str, entity: str
) -> None:
    by_resource = client.for_kind(kind).run(entity, "What is 2 + 2?")
    by_agno = getattr(client, f"run_{kind}")(entity, "What is 2 + 2?")
    assert by_resource.content == by_agno.content and by_resource.status == by_agno.status == "COMPLETED"
    with (
        getattr(client, kind + "s").stream(entity, "What is 2 + 2?") as s1,
        getattr(client, f"run_{kind}_stream")(entity, "What is 2 + 2?") as s2,
    ):
        assert [e.event for e in s1] == [e.event for e in s2]
    assert world.run_count(**{f"{kind}_id": entity}) == 4


def test_for_kind_refuses_an_unknown_kind(client: AgentOSClient) -> None:
    assert client.for_kind("team") is client.teams
    with pytest.raises(ValueError, match="agent, team, workflow"):
        client.for_kind("agents")


def test_an_alias_on_the_class_can_be_wrapped_like_a_method(client: AgentOSClient) -> None:
    original = AgentOSClient.run_agent
    assert original(client, "assistant", "What is 2 + 2?").content == "2 + 2 = 4."
    assert "resource method" in (AgentOSClient.run_agent.__doc__ or "")


# -- testing.MockTransport and FakeAgentOS.handle --------------------------------------------------


def test_mock_transport_scripts_any_answer() -> None:
    transport = MockTransport(lambda request: json_response(503, {"detail": "down"}))
    client = AgentOSClient("http://test.local", transport=transport, max_retries=0)
    with pytest.raises(errors.InternalServerError, match="down"):
        client.agents.list()
    assert [r.url for r in transport.requests] == ["http://test.local/agents"]
    streaming = MockTransport(
        lambda r: sse_response([{"event": "RunContent", "content": "4"}, {"event": "RunCompleted", "content": "4"}])
    )
    evs = list(AgentOSClient("http://t", transport=streaming).agents.stream("a", "2 + 2?"))
    assert [type(e) for e in evs] == [events.RunContentEvent, events.RunCompletedEvent]
    with pytest.raises(TypeError, match="must return a Response"):
        MockTransport(lambda r: {"run_id": "r"}).send(Request("GET", "http://t/x"))  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="handler must be a function"):
        MockTransport("nope")  # type: ignore[arg-type]


def test_fake_handle_answers_as_a_transport_delivers(fake: FakeAgentOS) -> None:
    with fake.handle(Request("GET", "http://fake/health")) as response:
        assert response.status_code == 200 and json.loads(response.read())["status"] == "ok"
    fake.faults.refuse(times=1, path="/health")
    with pytest.raises(errors.APIConnectionError) as refused:
        fake.handle(Request("GET", "http://fake/health"))
    assert refused.value.reached_server is False
    calls: List[str] = []

    def around(request: Request) -> Response:
        calls.append(request.method)
        return fake.handle(request)

    client = AgentOSClient("http://fake", transport=MockTransport(around))
    assert client.agents.run("assistant", "What is 2 + 2?").content == "2 + 2 = 4." and calls == ["POST"]


def test_terminal_status_is_the_one_rule() -> None:
    assert events.terminal_status("TeamRunPaused") == "PAUSED"
    assert events.terminal_status("WorkflowCancelled") == "CANCELLED"
    assert events.terminal_status("RunError") == "ERROR" and events.terminal_status("RunCompleted") == "COMPLETED"
    assert events.terminal_status("RunContent") is None
    assert set(events.TERMINAL_STATUS) == set().union(*events.TERMINAL_EVENTS.values())


def test_every_public_method_has_a_docstring_with_an_example(client: AgentOSClient) -> None:
    missing = []
    for owner in (client, client.agents, client.sessions):
        for name in dir(owner):
            member = getattr(owner, name)
            if name.startswith("_") or not callable(member) or name == "open_resume":
                continue
            if "Example" not in (member.__doc__ or ""):
                missing.append(f"{type(owner).__name__}.{name}")
    for prop in ("transport", "timeout", "closed"):
        if "Example" not in (getattr(AgentOSClient, prop).__doc__ or ""):
            missing.append(f"AgentOSClient.{prop}")
    assert missing == []
    assert "a agent" not in (client.run_agent.__doc__ or "")


def test_the_resources_module_names_the_classes_behind_the_client(client: AgentOSClient) -> None:
    from agentos_sync import resources

    assert isinstance(client.teams, resources.Runs) and isinstance(client.sessions, resources.Sessions)
    assert all(isinstance(r, resources.APIResource) for r in (client.agents, client.workflows, client.sessions))
    assert {"session_state", "metadata", "extra_body", "timeout"} <= set(resources.CreateFields.__annotations__)
