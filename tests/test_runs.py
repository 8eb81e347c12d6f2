"""Every public run method over the fake: agents, teams, workflows, background, HITL, uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.testing import FakeAgentOS, FakeTransport


@pytest.fixture
def full_fake(fake: FakeAgentOS) -> FakeAgentOS:
    fake.add_agent("writer", name="Writer")
    fake.add_team("duo", members=["assistant", "writer"])
    fake.add_workflow("pipeline", steps=[("draft", "writer"), ("review", "assistant")])
    fake.add_agent("confirmer", confirm_tool="delete_file", tool_args={"path": "/tmp/x"}, tool_result="deleted")
    return fake


def test_discovery(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    config = client.get_config()
    assert config.agents[0].id == "assistant"
    assert {a.id for a in client.list_agents()} >= {"assistant", "writer", "confirmer"}
    assert client.get_agent("assistant").name == "Assistant"
    assert [t.id for t in client.list_teams()] == ["duo"] and client.get_team("duo").id == "duo"
    assert [w.id for w in client.list_workflows()] == ["pipeline"] and client.get_workflow("pipeline").id == "pipeline"
    assert client.health()["status"] == "ok"


def test_unknown_ids_raise_not_found(client: AgentOSClient) -> None:
    with pytest.raises(errors.NotFoundError, match="Agent not found"):
        client.get_agent("nope")
    with pytest.raises(errors.NotFoundError):
        client.run_agent("nope", "hi")
    with pytest.raises(errors.NotFoundError):
        client.get_team("nope")
    with pytest.raises(errors.NotFoundError):
        client.get_agent_run("assistant", "no-such-run", "some-session")


def test_run_agent_non_streaming(client: AgentOSClient) -> None:
    out = client.run_agent("assistant", "What is 2 + 2?")
    assert out.content == "2 + 2 = 4." and out.status == "COMPLETED"
    assert out.run_id and out.session_id and out.metrics and out.metrics.total_tokens == 15


def test_background_run_polled_and_waited(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", name="Assistant", polls_until_done=3)
    acc = client.run_agent("assistant", "What is 2 + 2?", background=True)
    assert acc.status == "PENDING"
    first = client.get_agent_run("assistant", acc.run_id, acc.session_id)
    assert not first.is_terminal
    done = client.wait_for_agent_run("assistant", acc.run_id, acc.session_id, timeout=10, poll_interval=0.001)
    assert done.status == "COMPLETED" and done.content == "2 + 2 = 4."
    runs = client.list_agent_runs("assistant", acc.session_id or "")
    assert [r.run_id for r in runs] == [acc.run_id]


def test_wait_times_out_with_api_timeout_error(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", polls_until_done=10**6)
    acc = client.run_agent("assistant", "slow", background=True)
    with pytest.raises(errors.APITimeoutError, match="still"):
        client.wait_for_agent_run("assistant", acc.run_id, acc.session_id, timeout=0.05, poll_interval=0.01)


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
def test_wait_rejects_bad_timeouts(client: AgentOSClient, bad: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        client.wait_for_agent_run("assistant", "r", "s", timeout=bad)


def test_background_needs_a_db(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_agent("nodb", db=False)
    with pytest.raises(errors.BadRequestError):
        client.run_agent("nodb", "hi", background=True)
    with pytest.raises(errors.BadRequestError):
        client.run_agent_stream("nodb", "hi", background=True)


def test_cancel_a_background_run(client: AgentOSClient, fake: FakeAgentOS) -> None:
    fake.add_agent("assistant", polls_until_done=100)
    acc = client.run_agent("assistant", "long", background=True)
    client.cancel_agent_run("assistant", acc.run_id)
    assert client.get_agent_run("assistant", acc.run_id, acc.session_id).status == "CANCELLED"


def test_list_runs_of_unknown_session_is_not_found(client: AgentOSClient) -> None:
    with pytest.raises(errors.NotFoundError):
        client.list_agent_runs("assistant", "no-such-session")


def test_team_and_workflow_runs(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    team = client.run_team("duo", "What is 2 + 2?")
    assert team.status == "COMPLETED" and team.content
    flow = client.run_workflow("pipeline", "What is 2 + 2?")
    assert flow.status == "COMPLETED"
    evs = list(client.run_team_stream("duo", "What is 2 + 2?"))
    assert evs[0].event == "TeamRunStarted" and evs[-1].event == "TeamRunCompleted"
    assert isinstance(evs[-1], events.TeamRunCompletedEvent)
    wf = list(client.run_workflow_stream("pipeline", "What is 2 + 2?"))
    assert isinstance(wf[0], events.WorkflowStartedEvent) and isinstance(wf[-1], events.WorkflowCompletedEvent)
    assert any(isinstance(e, events.StepStartedEvent) for e in wf)


def test_team_and_workflow_background_lifecycle(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    acc = client.run_team("duo", "What is 2 + 2?", background=True)
    assert client.wait_for_team_run("duo", acc.run_id, acc.session_id, poll_interval=0.001).is_terminal
    assert [r.run_id for r in client.list_team_runs("duo", acc.session_id or "")] == [acc.run_id]
    assert client.get_team_run("duo", acc.run_id, acc.session_id).status == "COMPLETED"
    wacc = client.run_workflow("pipeline", "What is 2 + 2?", background=True)
    assert client.wait_for_workflow_run("pipeline", wacc.run_id, wacc.session_id, poll_interval=0.001).is_terminal
    assert client.list_workflow_runs("pipeline", wacc.session_id or "")
    assert client.get_workflow_run("pipeline", wacc.run_id, wacc.session_id).status == "COMPLETED"
    stream = client.run_team_stream("duo", "What is 2 + 2?", background=True)
    head = [next(stream) for _ in range(2)]
    stream.close()
    client.cancel_team_run("duo", head[0].run_id or "")
    rest = list(client.resume_team_run_stream("duo", head[0].run_id or "", 1, head[0].session_id))
    assert rest and rest[-1].event in ("TeamRunCompleted", "TeamRunCancelled")
    wstream = client.run_workflow_stream("pipeline", "What is 2 + 2?", background=True)
    whead = [next(wstream) for _ in range(3)]
    wstream.close()
    client.cancel_workflow_run("pipeline", whead[0].run_id or "")
    wrest = [
        e
        for e in client.resume_workflow_run_stream("pipeline", whead[0].run_id or "", 2, whead[0].session_id)
        if not isinstance(e, events.StreamMetaEvent)
    ]
    assert wrest[-1].event in ("WorkflowCancelled", "WorkflowCompleted")


def test_human_in_the_loop_continue(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    paused = client.run_agent("confirmer", "clean up")
    assert paused.is_paused and paused.tools
    tool = paused.tools[0]
    assert tool.tool_name == "delete_file" and tool.requires_confirmation and tool.tool_args == {"path": "/tmp/x"}
    tool.confirmed = True
    done = client.continue_agent_run("confirmer", paused.run_id or "", [tool], session_id=paused.session_id or "")
    assert done.status == "COMPLETED"


def test_human_in_the_loop_streaming_and_background(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("confirmer", "clean up", background=True)
    evs = list(stream)
    paused = evs[-1]
    assert isinstance(paused, events.RunPausedEvent) and paused.tools and paused.tools[0].requires_confirmation
    assert stream.get_final_output().status == "PAUSED"
    answered = [dict(t.model_dump(exclude_none=True), confirmed=True) for t in paused.tools]
    full_fake.faults.cut(after_events=1, path="/continue")
    cont = client.continue_agent_run_stream(
        "confirmer", stream.run_id or "", answered, session_id=stream.session_id or "", background=True
    )
    rest = list(cont)
    assert rest[-1].event == "RunCompleted" and cont.reconnects == 1
    indices = [e.event_index for e in rest]
    assert indices == sorted(set(indices)) and indices[0] > (paused.event_index or 0)  # type: ignore[type-var,operator]
    (request,) = full_fake.requests_to("/continue")
    assert request.form is not None and '"confirmed": true' in request.form["tools"]


def test_continue_needs_session_id(client: AgentOSClient) -> None:
    with pytest.raises(ValueError, match="session_id"):
        client.continue_agent_run("assistant", "r", [], session_id="")


def test_file_uploads_go_multipart(client: AgentOSClient, fake: FakeAgentOS, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    client.run_agent("assistant", "read these", files=[path, ("data.csv", b"a,b\n1,2\n")])
    (request,) = fake.requests_to("/agents/assistant/runs", method="POST")
    assert request.files is not None
    assert [(f[0], f[1][0], f[1][1], f[1][2]) for f in request.files] == [
        ("files", "notes.txt", b"hello", "text/plain"),
        ("files", "data.csv", b"a,b\n1,2\n", "text/csv"),
    ]


def test_bad_files_are_refused(client: AgentOSClient) -> None:
    with pytest.raises(TypeError, match="files"):
        client.run_agent("assistant", "x", files="notes.txt")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="file"):
        client.run_agent("assistant", "x", files=[123])  # type: ignore[list-item]


def test_media_as_json_fields(client: AgentOSClient, fake: FakeAgentOS) -> None:
    client.run_agent("assistant", "look", images=[{"url": "http://127.0.0.1/cat.png"}])
    (request,) = fake.requests_to("/agents/assistant/runs", method="POST")
    assert request.form is not None and request.form["images"] == '[{"url": "http://127.0.0.1/cat.png"}]'


def test_auth(fake: FakeAgentOS) -> None:
    secure = FakeAgentOS(security_key="s3cret")
    with pytest.raises(errors.AuthenticationError, match="api_key"):
        AgentOSClient("http://x", transport=FakeTransport(secure)).get_config()
    with pytest.raises(errors.AuthenticationError):
        AgentOSClient("http://x", api_key="wrong", transport=FakeTransport(secure)).get_config()
    ok = AgentOSClient("http://x", api_key="s3cret", transport=FakeTransport(secure))
    assert ok.get_config().agents
    assert list(ok.run_agent_stream("assistant", "What is 2 + 2?", background=True))


def test_sessions_lifecycle(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    created = client.create_session(agent_id="assistant", session_name="Support", session_state={"n": 1})
    sid = created.session_id or ""
    assert created.session_name == "Support"
    client.run_agent("assistant", "What is 2 + 2?", session_id=sid)
    page = client.get_sessions(session_type="agent", limit=10)
    assert sid in [s.session_id for s in page.data]
    assert client.get_session(sid).session_id == sid
    runs = client.get_session_runs(sid)
    assert len(runs) == 1 and runs[0].run_id
    assert client.get_session_run(sid, runs[0].run_id or "").run_id == runs[0].run_id
    assert client.rename_session(sid, "Renamed").session_name == "Renamed"
    updated = client.update_session(sid, session_state={"n": 2}, metadata={"k": "v"})
    assert updated.session_state == {"n": 2}
    client.delete_session(sid)
    with pytest.raises(errors.NotFoundError):
        client.get_session(sid)
    a = client.create_session(agent_id="assistant").session_id or ""
    t = client.create_session(session_type="team", team_id="duo").session_id or ""
    client.delete_sessions([a, t], ["agent", "team"])
    assert {s.session_id for s in client.get_sessions().data}.isdisjoint({a, t})


def test_session_argument_validation(client: AgentOSClient) -> None:
    with pytest.raises(ValueError, match="session_type"):
        client.create_session(session_type="robot")
    with pytest.raises(ValueError, match="limit"):
        client.get_sessions(limit=0)
    with pytest.raises(ValueError, match="same length"):
        client.delete_sessions(["a"], ["agent", "team"])
    with pytest.raises(ValueError, match="at least one"):
        client.update_session("s")


@pytest.mark.parametrize("fault", ["cut_first", "cut_headers"])
def test_background_continue_cut_before_first_event_skips_the_paused_leg(
    client: AgentOSClient, full_fake: FakeAgentOS, fault: str
) -> None:
    stream = client.run_agent_stream("confirmer", "clean up", background=True)
    paused = list(stream)[-1]
    assert isinstance(paused, events.RunPausedEvent) and paused.tools
    if fault == "cut_first":
        full_fake.faults.cut(after_events=0, path="/continue")
    else:
        full_fake.faults.cut_headers(path="/continue")
    answered = [dict(t.model_dump(exclude_none=True), confirmed=True) for t in paused.tools]
    cont = client.continue_agent_run_stream(
        "confirmer", stream.run_id or "", answered, session_id=stream.session_id or "", background=True
    )
    rest = list(cont)
    assert rest and not any(isinstance(e, events.RunPausedEvent) for e in rest)
    assert rest[0].event_index == (paused.event_index or 0) + 1
    assert rest[-1].event == "RunCompleted" and cont.get_final_output().status == "COMPLETED"
    assert len(full_fake.requests_to("/continue")) == 1  # never sent twice


def test_continue_floor_can_be_given(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    stream = client.run_agent_stream("confirmer", "clean up", background=True)
    paused = list(stream)[-1]
    answered = [dict(t.model_dump(exclude_none=True), confirmed=True) for t in paused.tools or []]
    before = len(full_fake.requests_to("/resume"))
    cont = client.continue_agent_run_stream(
        "confirmer",
        stream.run_id or "",
        answered,
        session_id=stream.session_id or "",
        background=True,
        last_event_index=stream.last_event_index,
    )
    assert list(cont)[-1].event == "RunCompleted"
    assert len(full_fake.requests_to("/resume")) == before  # no look-up needed


def test_foreground_continue_cut_in_headers_is_interrupted(client: AgentOSClient, full_fake: FakeAgentOS) -> None:
    paused = client.run_agent("confirmer", "clean up")
    full_fake.faults.cut_headers(path="/continue")
    tools = [dict(t.model_dump(exclude_none=True), confirmed=True) for t in paused.tools or []]
    with pytest.raises(errors.StreamInterruptedError, match="not sent again"):
        client.continue_agent_run_stream("confirmer", paused.run_id or "", tools, session_id=paused.session_id or "")


# -- issue 25: a field of the wrong type or text UTF-8 cannot encode fails before anything is sent --
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"session_state": "x"}, "session_state must be a dict"),
        ({"metadata": ["a"]}, "metadata must be a dict"),
        ({"dependencies": 3}, "dependencies must be a dict"),
        ({"user_id": 5}, "user_id must be a str"),
    ],
)
def test_a_run_field_of_the_wrong_type_is_refused_client_side(
    client: AgentOSClient, fake: FakeAgentOS, fields: dict, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        client.agents.run("assistant", "Hi", **fields)
    with pytest.raises(TypeError, match=message):
        client.agents.stream("assistant", "Hi", **fields)
    assert fake.requests == []


def test_a_lone_surrogate_in_a_message_is_a_clear_error_before_sending(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    with pytest.raises(ValueError, match=r"message holds a lone surrogate '\\ud800' at index 3"):
        client.agents.run("assistant", "Hi \ud800!")
    with pytest.raises(ValueError, match="session_id holds a lone surrogate"):
        client.agents.run("assistant", "Hi", session_id="s\udcff")
    assert fake.requests == []
    with fake.serve() as server, AgentOSClient(server.url) as over_http, pytest.raises(ValueError, match="surrogate"):
        over_http.agents.stream("assistant", "\ud800")
    assert fake.requests == []


def test_resume_still_takes_yield_meta_with_a_deprecation_warning(client: AgentOSClient) -> None:
    with client.agents.stream("assistant", "hi", background=True) as first:
        whole = [e.event_index for e in first]
    with pytest.warns(DeprecationWarning, match="include_meta"):
        stream = client.agents.resume(  # type: ignore[call-arg]
            "assistant", first.run_id or "", session_id=first.session_id, yield_meta=False
        )
    with stream:
        got = list(stream)
    assert [e.event_index for e in got] == whole and not any(isinstance(e, events.StreamMetaEvent) for e in got)
