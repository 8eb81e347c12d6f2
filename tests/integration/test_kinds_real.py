"""Teams, workflows, human-in-the-loop and sessions with the client against a real AgentOS."""

from __future__ import annotations

from typing import Any, List

import pytest
from _helpers import (
    FAST,
    assert_exactly_once,
    assert_strictly_increasing,
    indices,
    new_session,
    offset_after_frame,
    raw_response,
    read_then_close,
    run_events,
    server_events,
    text_of,
    tokens,
)

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.models import RunAccepted, ToolExecution

TWO_PLUS_TWO = "What is 2 + 2?"
TEAM_RUNS = r"^/teams/duo/runs(/[^/]+/resume)?$"
WORKFLOW_RUNS = r"^/workflows/pipeline/runs(/[^/]+/resume)?$"
CONFIRM = "Please act [call_tool=dangerous_action]"

#: A pipeline run of "What is 2 + 2?": two steps, each an agent run inline, all one index sequence.
WORKFLOW_EVENTS = (
    ["WorkflowStarted"]
    + (
        ["StepStarted", "RunStarted", "ModelRequestStarted"]
        + ["RunContent"] * 5
        + ["ModelRequestCompleted", "RunContentCompleted", "RunCompleted", "StepCompleted"]
    )
    * 2
    + ["WorkflowCompleted"]
)


# -- teams -----------------------------------------------------------------------------------------


def test_team_discovery_and_runs(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        assert [(t.id, t.name) for t in client.list_teams()] == [("duo", "Duo")]
        duo = client.get_team("duo")
        assert duo.name == "Duo" and [m.get("id") for m in duo.members or []] == ["researcher", "editor"]
        with pytest.raises(errors.NotFoundError) as caught:
            client.get_team("nope")
        assert caught.value.detail == "Team not found"

        session_id = new_session("team")
        out = client.run_team("duo", TWO_PLUS_TWO, session_id=session_id)
        assert (out.status, out.content, out.team_id, out.session_id) == ("COMPLETED", "2 + 2 = 4.", "duo", session_id)
        assert out.metrics is not None and (out.metrics.total_tokens or 0) > 0

        acc = client.run_team("duo", "[tokens=10 delay=0.01]", background=True, session_id=session_id)
        assert isinstance(acc, RunAccepted) and acc.status == "PENDING" and acc.session_id == session_id
        done = client.wait_for_team_run("duo", acc.run_id, session_id, timeout=30, poll_interval=0.05)
        assert (done.run_id, done.status, done.content) == (acc.run_id, "COMPLETED", tokens(10))
        assert client.get_team_run("duo", acc.run_id, session_id).content == tokens(10)
        assert [r.run_id for r in client.list_team_runs("duo", session_id)] == [out.run_id, acc.run_id]


def test_team_stream_cut_and_resumed(agentos, proxy):  # type: ignore[no-untyped-def]
    proxy.cut_random(200, 4000, seed=5, times=None, path=TEAM_RUNS)
    with AgentOSClient(proxy.url, reconnect=FAST) as client, AgentOSClient(agentos.url) as direct:
        stream = client.run_team_stream("duo", "[tokens=30 delay=0.005]", background=True)
        with stream:
            evs = list(stream)
        assert proxy.cuts >= 1 and stream.reconnects >= 1
        assert isinstance(evs[0], events.TeamRunStartedEvent) and isinstance(evs[-1], events.TeamRunCompletedEvent)
        assert evs[-1].run_id == stream.run_id
        assert_strictly_increasing(indices(evs))
        assert text_of(evs, events.TeamRunContentEvent) == evs[-1].content == tokens(30)
        assert_exactly_once(evs, server_events(direct, "team", "duo", stream.run_id, stream.session_id))
        assert [r.run_id for r in direct.list_team_runs("duo", stream.session_id)] == [stream.run_id]
        out = stream.get_final_output()
        assert (out.status, out.content) == ("COMPLETED", tokens(30))


def test_resume_team_run_stream(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        first = read_then_close(client.run_team_stream("duo", "[tokens=60 delay=0.02]", background=True), 5)
        run_id, session_id = first[0].run_id, first[0].session_id
        stream = client.resume_team_run_stream("duo", run_id, first[-1].event_index, session_id)
        with stream:
            rest = list(stream)
        assert isinstance(rest[0], (events.CatchUpEvent, events.SubscribedEvent))
        assert any(isinstance(e, events.SubscribedEvent) for e in rest)
        assert indices(rest)[0] == first[-1].event_index + 1
        assert_strictly_increasing(indices(first + rest))
        assert isinstance(rest[-1], events.TeamRunCompletedEvent)
        assert text_of(first + rest, events.TeamRunContentEvent) == rest[-1].content == tokens(60)
        assert_exactly_once(first + rest, server_events(client, "team", "duo", run_id, session_id))


def test_cancel_team_run(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        stream = client.run_team_stream("duo", "[tokens=200 delay=0.02]", background=True)
        after: List[events.RunEvent] = []
        cancelled = False
        with stream:
            for ev in stream:
                if cancelled:
                    after.append(ev)
                elif isinstance(ev, events.TeamRunContentEvent) and (ev.event_index or 0) >= 5:
                    client.cancel_team_run("duo", stream.run_id)
                    cancelled = True
        names = [e.event for e in after]
        assert names[-2:] == ["TeamRunCancelled", "TeamRunCompleted"], names
        assert set(names[:-2]) <= {"TeamRunContent"}, names
        out = stream.get_final_output()
        assert out.status == "CANCELLED" and tokens(200).startswith(out.content) and out.content != tokens(200)
        assert client.get_team_run("duo", stream.run_id, stream.session_id).status == "CANCELLED"


# -- workflows ---------------------------------------------------------------------------------------


def test_workflow_discovery_and_runs(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        assert [(w.id, w.name) for w in client.list_workflows()] == [("pipeline", "Pipeline")]
        pipeline = client.get_workflow("pipeline")
        assert [s["name"] for s in (pipeline.model_extra or {})["steps"]] == ["draft", "review"]
        with pytest.raises(errors.NotFoundError):
            client.get_workflow("nope")

        out = client.run_workflow("pipeline", TWO_PLUS_TWO)
        assert (out.status, out.content, out.workflow_id) == ("COMPLETED", "2 + 2 = 4.", "pipeline")
        acc = client.run_workflow("pipeline", TWO_PLUS_TWO, background=True)
        assert isinstance(acc, RunAccepted) and acc.status == "PENDING"
        done = client.wait_for_workflow_run("pipeline", acc.run_id, acc.session_id, timeout=30, poll_interval=0.05)
        assert (done.run_id, done.status, done.content) == (acc.run_id, "COMPLETED", "2 + 2 = 4.")
        assert [r.run_id for r in client.list_workflow_runs("pipeline", acc.session_id)] == [acc.run_id]
        assert client.get_workflow_run("pipeline", acc.run_id, acc.session_id).status == "COMPLETED"


def test_workflow_stream_does_not_end_at_nested_run_completed(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        stream = client.run_workflow_stream("pipeline", TWO_PLUS_TWO, background=True)
        with stream:
            evs = list(stream)
        assert [e.event for e in evs] == WORKFLOW_EVENTS
        assert indices(evs) == list(range(len(evs)))
        steps = [((e.model_extra or {}).get("step_name"), e.agent_id) for e in evs if e.event == "RunStarted"]
        assert steps == [("draft", "writer"), ("review", "assistant")]
        nested = [e for e in evs if isinstance(e, events.RunCompletedEvent)]
        assert len(nested) == 2
        assert all(e.run_id != stream.run_id and e.workflow_run_id == stream.run_id for e in nested)
        assert isinstance(evs[-1], events.WorkflowCompletedEvent) and evs[-1].run_id == stream.run_id
        assert stream.terminal_event is evs[-1]
        out = stream.get_final_output()
        assert (out.status, out.content, out.run_id) == ("COMPLETED", "2 + 2 = 4.", stream.run_id)
        assert [r.run_id for r in client.list_workflow_runs("pipeline", stream.session_id)] == [stream.run_id]


def test_workflow_stream_cut_right_after_a_nested_run_completed(agentos, proxy):  # type: ignore[no-untyped-def]
    """A resumed workflow stream is cut exactly after the first step's RunCompleted frame: that is
    not the workflow's end, so the client resumes and delivers the second step and WorkflowCompleted."""
    with AgentOSClient(agentos.url) as direct, AgentOSClient(proxy.url, reconnect=FAST) as client:
        done = direct.run_workflow_stream("pipeline", TWO_PLUS_TWO, background=True)
        all_events = list(done)
        run_id, session_id = done.run_id, done.session_id
        # the exact bytes of the resume the client will send, to cut right after the nested frame
        form = {"last_event_index": 2, "session_id": session_id}
        raw = raw_response(agentos.port, f"/workflows/pipeline/runs/{run_id}/resume", form)
        proxy.cut_after_bytes(offset_after_frame(raw, "RunCompleted"), times=1, path="/resume$")
        stream = client.resume_workflow_run_stream("pipeline", run_id, 2, session_id)
        with stream:
            rest = list(stream)
        assert proxy.cuts == 1 and stream.reconnects == 1
        got = run_events(rest)
        assert [e.event for e in got] == WORKFLOW_EVENTS[3:]
        assert indices(got) == list(range(3, len(all_events)))
        assert isinstance(got[-1], events.WorkflowCompletedEvent) and got[-1].run_id == run_id


def test_workflow_stream_through_random_cuts(agentos, proxy):  # type: ignore[no-untyped-def]
    # WorkflowCompleted alone is ~12 kB (it carries the step results): offsets up to 30 kB let it through
    proxy.cut_random(200, 30000, seed=9, times=None, path=WORKFLOW_RUNS)
    with AgentOSClient(proxy.url, reconnect=FAST) as client, AgentOSClient(agentos.url) as direct:
        reconnects = 0
        for i in range(3):
            stream = client.run_workflow_stream("pipeline", f"[tokens=20 delay=0] wf {i}", background=True)
            with stream:
                evs = list(stream)
            reconnects += stream.reconnects
            names = [e.event for e in evs]
            assert names.count("StepCompleted") == 2 and names.count("RunCompleted") == 2, names
            assert isinstance(evs[-1], events.WorkflowCompletedEvent) and evs[-1].run_id == stream.run_id
            assert_exactly_once(evs, server_events(direct, "workflow", "pipeline", stream.run_id, stream.session_id))
            assert [r.run_id for r in direct.list_workflow_runs("pipeline", stream.session_id)] == [stream.run_id]
        assert proxy.cuts >= 3 and reconnects >= 3


def test_workflow_create_cut_inside_headers(agentos, proxy):  # type: ignore[no-untyped-def]
    """Unlike an agent run, a workflow run whose create is cut before the body starts is usually
    never started by agno 3.1.10 (the session exists, with no run). The client finds no run twice,
    sends the create again, and the session ends with exactly one run."""
    with AgentOSClient(proxy.url, reconnect=FAST) as client, AgentOSClient(agentos.url) as direct:
        for i in range(3):
            proxy.clear()
            del proxy.exchanges[:]
            proxy.cut_after_bytes(20, times=1, path=r"^/workflows/pipeline/runs$")
            stream = client.run_workflow_stream("pipeline", f"[tokens=5 delay=0] hdr {i}", background=True)
            with stream:
                evs = list(stream)
            create = proxy.exchanges[0]
            assert create["request"] == "POST /workflows/pipeline/runs" and create["cut"], proxy.exchanges
            assert stream.reconnects == 1
            assert isinstance(evs[-1], events.WorkflowCompletedEvent) and evs[-1].run_id == stream.run_id
            assert_strictly_increasing(indices(evs))
            runs = direct.list_workflow_runs("pipeline", stream.session_id)
            assert [(r.run_id, r.status) for r in runs] == [(stream.run_id, "COMPLETED")], runs
            assert_exactly_once(evs, server_events(direct, "workflow", "pipeline", stream.run_id, stream.session_id))


def test_cancel_workflow_run(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        stream = client.run_workflow_stream("pipeline", "[tokens=200 delay=0.02]", background=True)
        after: List[events.RunEvent] = []
        cancelled = False
        with stream:
            for ev in stream:
                if cancelled:
                    after.append(ev)
                elif isinstance(ev, events.RunContentEvent) and (ev.event_index or 0) >= 8:
                    client.cancel_workflow_run("pipeline", stream.run_id)
                    cancelled = True
        # the step's agent run is cancelled (nested RunCancelled + RunCompleted), then the workflow
        tail = [(e.event, e.run_id == stream.run_id) for e in after][-4:]
        assert tail == [
            ("RunCancelled", False),
            ("RunCompleted", False),
            ("WorkflowCancelled", True),
            ("WorkflowCompleted", True),
        ], tail
        assert stream.get_final_output().status == "CANCELLED"
        assert client.get_workflow_run("pipeline", stream.run_id, stream.session_id).status == "CANCELLED"


# -- human in the loop ---------------------------------------------------------------------------


def _paused_stream(client: AgentOSClient) -> events.RunPausedEvent:
    stream = client.run_agent_stream("confirmer", CONFIRM, background=True)
    with stream:
        evs = list(stream)
    assert [e.event for e in evs][-1] == "RunPaused", [e.event for e in evs]
    paused = evs[-1]
    assert isinstance(paused, events.RunPausedEvent) and paused.tools
    out = stream.get_final_output()
    assert out.status == "PAUSED" and out.is_paused and out.tools and out.tools[0].tool_name == "dangerous_action"
    return paused


def _confirmed(paused: events.RunPausedEvent) -> List[ToolExecution]:
    assert paused.tools
    return [paused.tools[0].model_copy(update={"confirmed": True})]


def test_hitl_confirm(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        out = client.run_agent("confirmer", CONFIRM)
        assert out.status == "PAUSED" and out.is_paused
        assert out.tools and out.tools[0].tool_name == "dangerous_action"
        assert out.tools[0].requires_confirmation is True and out.tools[0].confirmed is None
        assert client.get_agent_run("confirmer", out.run_id, out.session_id).status == "PAUSED"

        tool = out.tools[0].model_copy(update={"confirmed": True})
        done = client.continue_agent_run("confirmer", out.run_id, [tool], session_id=out.session_id)
        assert (done.run_id, done.status, done.content) == (out.run_id, "COMPLETED", "Hello from the fake model.")
        assert done.tools and done.tools[0].result == "dangerous action done"
        assert client.get_agent_run("confirmer", out.run_id, out.session_id).status == "COMPLETED"

        # rejected: the run completes and the tool never ran
        out = client.run_agent("confirmer", CONFIRM)
        assert out.tools
        tool = out.tools[0].model_copy(update={"confirmed": False})
        done = client.continue_agent_run("confirmer", out.run_id, [tool], session_id=out.session_id)
        assert done.status == "COMPLETED" and done.tools and done.tools[0].result is None


def _check_continued(
    direct: AgentOSClient, paused: events.RunPausedEvent, evs: List[events.RunEvent], stream: Any
) -> None:
    names = [e.event for e in evs]
    assert names[0] == "RunContinued" and names[-1] == "RunCompleted", names
    assert evs[0].event_index == (paused.event_index or 0) + 1  # the run's index sequence goes on
    assert_strictly_increasing(indices(evs))
    assert {e.run_id for e in evs} == {paused.run_id}
    done = next(e for e in evs if isinstance(e, events.ToolCallCompletedEvent))
    assert done.tool is not None and done.tool.result == "dangerous action done"
    assert text_of(evs) == evs[-1].content == "Hello from the fake model."
    assert stream.get_final_output().status == "COMPLETED"
    assert direct.get_agent_run("confirmer", paused.run_id, paused.session_id).status == "COMPLETED"


def test_hitl_stream_continue_through_cuts(agentos, proxy):  # type: ignore[no-untyped-def]
    """The continued stream is cut at random bytes, always after its first event (RunContinued)."""
    with AgentOSClient(agentos.url) as direct, AgentOSClient(proxy.url, reconnect=FAST) as client:
        paused = _paused_stream(direct)
        proxy.cut_random(1200, 3000, seed=11, times=None, path=r"^/agents/confirmer/runs/[^/]+/(continue|resume)$")
        stream = client.continue_agent_run_stream(
            "confirmer", paused.run_id, _confirmed(paused), session_id=paused.session_id or "", background=True
        )
        with stream:
            evs = list(stream)
        assert proxy.cuts >= 1 and stream.reconnects >= 1
        _check_continued(direct, paused, evs, stream)


def test_hitl_stream_continue_cut_before_its_first_event(agentos, proxy):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as direct, AgentOSClient(proxy.url, reconnect=FAST) as client:
        paused = _paused_stream(direct)
        proxy.cut_after_bytes(200, times=1, path=r"/continue$")  # after the headers, inside the first frame
        stream = client.continue_agent_run_stream(
            "confirmer", paused.run_id, _confirmed(paused), session_id=paused.session_id or "", background=True
        )
        with stream:
            evs = list(stream)
        # Rarely seen as 0 in CI (0 in 1,350 runs here, under load too): the exchanges say whether the
        # /continue answer was shorter than the offset or another request took the rule.
        assert proxy.cuts == 1, proxy.exchanges
        _check_continued(direct, paused, evs, stream)


def test_hitl_stream_continue_cut_inside_headers(agentos, proxy):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as direct, AgentOSClient(proxy.url, reconnect=FAST) as client:
        paused = _paused_stream(direct)
        proxy.cut_after_bytes(20, times=1, path=r"/continue$")
        try:
            stream = client.continue_agent_run_stream(
                "confirmer", paused.run_id, _confirmed(paused), session_id=paused.session_id or "", background=True
            )
        finally:
            # whatever the client says, the server did continue the run, once
            done = direct.wait_for_agent_run(
                "confirmer", paused.run_id, paused.session_id, timeout=30, poll_interval=0.05
            )
            assert done.status == "COMPLETED"
        with stream:
            evs = list(stream)
        _check_continued(direct, paused, evs, stream)


# -- sessions ------------------------------------------------------------------------------------


def test_sessions(agentos):  # type: ignore[no-untyped-def]
    user = new_session("user")  # a user of their own: the filters below see only this test's sessions
    sid = new_session("sess")
    with AgentOSClient(agentos.url) as client:
        first = client.run_agent("assistant", TWO_PLUS_TWO, session_id=sid, user_id=user)
        second = client.run_agent("assistant", "hello", session_id=sid, user_id=user)

        page = client.get_sessions(session_type="agent", component_id="assistant", user_id=user)
        assert [(s.session_id, s.session_name, s.session_type, s.agent_id, s.user_id) for s in page.data] == [
            (sid, TWO_PLUS_TWO, "agent", "assistant", user)
        ]
        assert page.meta is not None and page.meta["total_count"] == 1 and page.meta["page"] == 1

        one = client.get_session(sid)
        assert (one.session_id, one.user_id, one.agent_id, one.session_name) == (sid, user, "assistant", TWO_PLUS_TWO)
        runs = client.get_session_runs(sid)
        assert [(r.run_id, r.status, r.content) for r in runs] == [
            (first.run_id, "COMPLETED", "2 + 2 = 4."),
            (second.run_id, "COMPLETED", "Hello from the fake model."),
        ]
        assert [r.run_id for r in client.get_session_runs(sid, status=["COMPLETED"])] == [first.run_id, second.run_id]
        run = client.get_session_run(sid, first.run_id)
        assert (run.run_id, run.content, run.status) == (first.run_id, "2 + 2 = 4.", "COMPLETED")

        assert client.rename_session(sid, "Renamed").session_name == "Renamed"
        updated = client.update_session(sid, session_state={"k": 1}, metadata={"m": 2})
        assert updated.session_state == {"k": 1} and (updated.model_extra or {}).get("metadata") == {"m": 2}
        assert client.get_session(sid).session_name == "Renamed"

        new = new_session("new")
        created = client.create_session(
            session_id=new, session_name="New", agent_id="assistant", session_state={"a": 1}, user_id=user
        )
        assert (created.session_id, created.session_name, created.session_state) == (new, "New", {"a": 1})
        with pytest.raises(errors.ConflictError):
            client.create_session(session_id=new)

        # filters and pagination: two sessions of this user, one per page, oldest first
        p1 = client.get_sessions(session_type="agent", user_id=user, limit=1, page=1, sort_order="asc")
        p2 = client.get_sessions(session_type="agent", user_id=user, limit=1, page=2, sort_order="asc")
        assert [s.session_id for s in p1.data] == [sid] and [s.session_id for s in p2.data] == [new]
        assert p1.meta and p1.meta["total_count"] == 2 and p1.meta["total_pages"] == 2 and p2.meta["page"] == 2
        named = client.get_sessions(session_type="agent", user_id=user, session_name="Renamed")
        assert [s.session_id for s in named.data] == [sid]

        client.delete_session(new)
        with pytest.raises(errors.NotFoundError):
            client.get_session(new)
        client.delete_sessions([sid], ["agent"])
        with pytest.raises(errors.NotFoundError) as caught:
            client.list_agent_runs("assistant", sid)
        assert caught.value.detail == "Session not found"
        empty = client.get_sessions(session_type="agent", user_id=user)
        assert empty.data == [] and empty.meta and empty.meta["total_count"] == 0


def test_team_and_workflow_sessions(agentos):  # type: ignore[no-untyped-def]
    user = new_session("user")
    with AgentOSClient(agentos.url) as client:
        team_out = client.run_team("duo", TWO_PLUS_TWO, user_id=user)
        wf_out = client.run_workflow("pipeline", TWO_PLUS_TWO, user_id=user)
        teams = client.get_sessions(session_type="team", component_id="duo", user_id=user)
        assert [(s.session_id, s.team_id) for s in teams.data] == [(team_out.session_id, "duo")]
        flows = client.get_sessions(session_type="workflow", component_id="pipeline", user_id=user)
        assert [(s.session_id, s.workflow_id) for s in flows.data] == [(wf_out.session_id, "pipeline")]
        assert [r.run_id for r in client.get_session_runs(team_out.session_id, session_type="team")] == [
            team_out.run_id
        ]
        assert [r.run_id for r in client.get_session_runs(wf_out.session_id, session_type="workflow")] == [
            wf_out.run_id
        ]
        client.delete_sessions([team_out.session_id, wf_out.session_id], ["team", "workflow"])
        assert client.get_sessions(session_type="team", user_id=user).data == []


# -- resources and agno's names ----------------------------------------------------------------


@pytest.mark.parametrize(("kind", "entity"), [("agent", "assistant"), ("team", "duo"), ("workflow", "pipeline")])
def test_resource_and_agno_spelling_against_the_real_server(agentos, kind, entity):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        runs = client.for_kind(kind)
        assert runs is getattr(client, f"{kind}s")
        assert [c.id for c in runs.list()] == [c.id for c in getattr(client, f"list_{kind}s")()]
        assert runs.get(entity).id == getattr(client, f"get_{kind}")(entity).id == entity

        session_id = new_session(kind)
        by_resource = runs.run(entity, TWO_PLUS_TWO, session_id=session_id)
        by_agno = getattr(client, f"run_{kind}")(entity, TWO_PLUS_TWO, session_id=session_id)
        assert by_resource.status == by_agno.status == "COMPLETED" and by_resource.content == by_agno.content

        with runs.stream(entity, "[tokens=5 delay=0]", background=True, session_id=session_id) as stream:
            streamed = [e.event for e in stream]
        with getattr(client, f"run_{kind}_stream")(entity, "[tokens=5 delay=0]", background=True) as agno_stream:
            assert [e.event for e in agno_stream] == streamed
        assert runs.get_run(entity, stream.run_id, session_id).status == "COMPLETED"
        # Runs created within the same second may list in either order: compare as sets.
        listed = {r.run_id for r in runs.list_runs(entity, session_id)}
        assert listed == {by_resource.run_id, by_agno.run_id, stream.run_id}
        assert {r.run_id for r in getattr(client, f"list_{kind}_runs")(entity, session_id)} == listed

        # A typo fails before anything is sent (it used to start a new session silently).
        with pytest.raises(TypeError, match="did you mean 'session_id'"):
            runs.run(entity, TWO_PLUS_TWO, sesion_id=session_id)  # type: ignore[call-overload]
        assert {r.run_id for r in runs.list_runs(entity, session_id)} == listed


def test_known_fields_and_extra_body_reach_the_real_server(agentos):  # type: ignore[no-untyped-def]
    with AgentOSClient(agentos.url) as client:
        session_id = new_session("agent")
        out = client.agents.run(
            "assistant",
            TWO_PLUS_TWO,
            session_id=session_id,
            metadata={"ticket": 7},
            session_state={"user": "ada"},
            extra_body={"debug_mode": False},
            extra_headers={"X-Request-Source": "tests"},
            timeout=30,
        )
        assert out.status == "COMPLETED"
        # agno 3.1.10 lists a create's metadata back on agent runs (the fake does the same).
        (listed,) = client.agents.list_runs("assistant", session_id)
        assert (listed.model_extra or {}).get("metadata", {}).get("ticket") == 7
        assert client.sessions.get(session_id).session_state == {"user": "ada"}
        assert client.sessions.get(session_id).session_id == client.get_session(session_id).session_id
