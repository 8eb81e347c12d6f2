"""The areas agno's client does not cover, over the fake: approvals (and the paused run they
release), schedules, durable-queue jobs, ``info``, run checkpoints, session fork/compact/media,
knowledge sources and refresh, the traces filter schema, migrate-all, components and learnings."""

from __future__ import annotations

from typing import Any, List

import pytest

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.resources import Approval, Component, Learning, Schedule


@pytest.fixture
def hitl(fake: Any) -> Any:
    fake.add_agent("confirmer", confirm_tool="delete_file", tool_args={"path": "/tmp/x"}, tool_result="deleted")
    fake.require_approval("confirmer")
    return fake


# -- approvals ---------------------------------------------------------------------------------


def test_a_paused_run_is_listed_resolved_and_continued_without_tools(hitl: Any, client: AgentOSClient) -> None:
    out = client.agents.run("confirmer", "Delete it")
    assert out.status == "PAUSED"
    assert client.approvals.count() == 1
    (approval,) = client.approvals.list(status="pending")
    assert isinstance(approval, Approval)
    assert (approval.run_id, approval.tool_name, approval.tool_args) == (out.run_id, "delete_file", {"path": "/tmp/x"})
    assert approval.run_status == "PAUSED"
    assert client.approvals.get(approval.id).session_id == out.session_id

    resolved = client.approvals.resolve(approval.id, "approved", resolved_by="admin")
    assert (resolved.status, resolved.resolved_by) == ("approved", "admin")
    assert client.approvals.status(approval.id).status == "approved"
    assert client.approvals.count() == 0

    done = client.agents.continue_run("confirmer", out.run_id, session_id=out.session_id or "")
    assert done.status == "COMPLETED"
    assert client.approvals.get(approval.id).run_status == "COMPLETED"


def test_a_rejected_approval_refuses_the_call(hitl: Any, client: AgentOSClient) -> None:
    out = client.agents.run("confirmer", "Delete it")
    (approval,) = client.approvals.list(run_id=out.run_id)
    client.approvals.resolve(approval.id, "rejected")
    done = client.agents.continue_run("confirmer", out.run_id, session_id=out.session_id or "")
    assert done.status == "COMPLETED"
    assert hitl.runs[out.run_id].paused_tools[0]["confirmed"] is False


def test_resolving_twice_is_a_conflict_that_names_the_status(hitl: Any, client: AgentOSClient) -> None:
    client.agents.run("confirmer", "Delete it")
    (approval,) = client.approvals.list()
    client.approvals.resolve(approval.id, "approved")
    with pytest.raises(errors.ConflictError, match="already 'approved'"):
        client.approvals.resolve(approval.id, "rejected")


def test_resolve_checks_its_status_before_sending(hitl: Any, client: AgentOSClient) -> None:
    sent = len(hitl.requests)
    with pytest.raises(ValueError, match="'approved' or 'rejected'"):
        client.approvals.resolve("a1", "approve")
    assert len(hitl.requests) == sent


def test_approvals_wait_returns_once_resolved_and_times_out_while_pending(hitl: Any, client: AgentOSClient) -> None:
    client.agents.run("confirmer", "Delete it")
    (approval,) = client.approvals.list()
    slept: List[float] = []
    with pytest.raises(errors.APITimeoutError, match="still pending"):
        client.approvals.wait(approval.id, timeout=0.01, poll_interval=0.005, sleep=slept.append)
    client.approvals.resolve(approval.id, "approved")
    assert client.approvals.wait(approval.id, timeout=1).status == "approved"


def test_unknown_and_deleted_approvals_are_not_found(hitl: Any, client: AgentOSClient) -> None:
    client.agents.run("confirmer", "Delete it")
    (approval,) = client.approvals.list()
    client.approvals.delete(approval.id)
    with pytest.raises(errors.NotFoundError):
        client.approvals.get(approval.id)
    with pytest.raises(errors.NotFoundError):
        client.approvals.status("nope")


def test_the_stream_that_watched_the_pause_sees_the_continue_once(hitl: Any, client: AgentOSClient) -> None:
    with client.agents.stream("confirmer", "Delete it", background=True) as stream:
        first = [ev.event for ev in stream]
    assert first[-1] == "RunPaused"
    (approval,) = client.approvals.list()
    client.approvals.resolve(approval.id, "approved")
    seen = list(client.agents.continue_stream("confirmer", stream.run_id or "", session_id=stream.session_id or ""))
    indices = [ev.event_index for ev in seen if ev.event_index is not None]
    assert len(indices) == len(set(indices)) and seen[-1].event == "RunCompleted"
    assert any(isinstance(ev, events.ToolCallCompletedEvent) for ev in seen)


# -- schedules ---------------------------------------------------------------------------------


def test_a_schedule_is_created_listed_updated_triggered_and_deleted(fake: Any, client: AgentOSClient) -> None:
    s = client.schedules.create("nightly", "0 3 * * *", "/agents/assistant/runs", payload={"message": "What is 2 + 2?"})
    assert isinstance(s, Schedule) and (s.enabled, s.method, s.timezone) == (True, "POST", "UTC")
    assert [x.id for x in client.schedules.list()] == [s.id]
    assert client.schedules.update(s.id, cron_expr="30 3 * * *").cron_expr == "30 3 * * *"

    run = client.schedules.trigger(s.id)
    assert (run.status, run.status_code) == ("success", 200)
    assert fake.runs[run.run_id].message == "What is 2 + 2?"
    assert [r.id for r in client.schedules.runs(s.id)] == [run.id]
    assert client.schedules.get_run(s.id, run.id).session_id == run.session_id

    assert client.schedules.disable(s.id).enabled is False
    with pytest.raises(errors.ConflictError, match="disabled"):
        client.schedules.trigger(s.id)
    assert [x.id for x in client.schedules.list(enabled=False)] == [s.id]
    assert client.schedules.enable(s.id).next_run_at is not None
    client.schedules.delete(s.id)
    with pytest.raises(errors.NotFoundError):
        client.schedules.get(s.id)


def test_a_bad_cron_expression_is_refused(client: AgentOSClient) -> None:
    with pytest.raises(errors.UnprocessableEntityError, match="cron"):
        client.schedules.create("bad", "every night", "/agents/assistant/runs")


def test_an_update_needs_a_field(client: AgentOSClient) -> None:
    with pytest.raises(ValueError, match="at least one"):
        client.schedules.update("s1")


def test_without_the_scheduler_schedules_answer_agnos_503(fake: Any, client: AgentOSClient) -> None:
    fake.scheduler_enabled = False
    with pytest.raises(errors.InternalServerError, match="scheduler=True"):
        client.schedules.list()


# -- queue, info, filter schema, migrate-all ----------------------------------------------------


def test_queue_jobs_are_the_servers_runs(fake: Any, client: AgentOSClient) -> None:
    with pytest.raises(errors.InternalServerError, match="QueueConfig"):
        client.queue.stats()
    fake.durable_queue = True
    out = client.agents.run("assistant", "What is 2 + 2?")
    (job,) = client.queue.list(status="completed")
    assert (job.id, job.component_id, job.session_id) == (out.run_id, "assistant", out.session_id)
    assert client.queue.get(out.run_id).status == "completed"
    assert client.queue.stats()["counts"] == {"completed": 1}
    with pytest.raises(errors.BadRequestError, match="requeueable"):
        client.queue.requeue(out.run_id)
    assert client.queue.requeue(out.run_id, force=True).status == "queued"


def test_info_filter_schema_and_migrate_all(client: AgentOSClient) -> None:
    info = client.info()
    assert (info.os_id, info.agent_count, info.auth_mode, info.mcp.enabled) == ("fake-agentos", 1, "none", False)
    schema = client.traces.filter_schema()
    assert {f["key"] for f in schema.fields} >= {"status", "agent_id", "session_id"}
    assert schema.logical_operators == ["AND", "OR"]
    assert client.databases.migrate_all(target_version="2.0.0").message == (
        "All databases migrated successfully to version 2.0.0"
    )


# -- checkpoints, fork, compact, media ---------------------------------------------------------


def test_checkpoints_name_the_boundaries_a_continue_can_start_from(client: AgentOSClient) -> None:
    out = client.agents.run("assistant", "What is 2 + 2?")
    marks = client.agents.checkpoints("assistant", out.run_id, out.session_id or "")
    (last,) = marks.checkpoints
    assert (last.message_index, last.reason, last.is_latest) == (2, "end", True)
    snap = client.agents.checkpoint("assistant", out.run_id, 1, out.session_id or "")
    assert snap.checkpoint.message_index == 1
    assert [m["role"] for m in snap.snapshot["messages"]] == ["user"]
    with pytest.raises(errors.BadRequestError, match="between 0 and 2"):
        client.agents.checkpoint("assistant", out.run_id, 9, out.session_id or "")
    with pytest.raises(TypeError, match="workflows"):
        client.workflows.checkpoints("pipeline", out.run_id, out.session_id or "")


def test_a_forked_session_has_copies_of_every_run(fake: Any, client: AgentOSClient) -> None:
    out = client.agents.run("assistant", "What is 2 + 2?")
    fork = client.sessions.fork(out.session_id or "", agent_id="assistant")
    assert fork.forked_from_session_id == out.session_id and fork.session_id != out.session_id
    (copy,) = client.sessions.runs(fork.session_id)
    assert copy.run_id != out.run_id and copy.content == out.content
    with pytest.raises(TypeError, match="exactly one"):
        client.sessions.fork(out.session_id or "")


def test_compaction_that_declines_is_an_answer(client: AgentOSClient) -> None:
    out = client.agents.run("assistant", "What is 2 + 2?")
    result = client.sessions.compact(out.session_id or "", agent_id="assistant")
    assert (result.compacted, result.status) == (False, "not_enabled")
    with pytest.raises(errors.NotFoundError):
        client.sessions.compact("no-such-session", agent_id="assistant")


def test_media_is_read_as_bytes(fake: Any, client: AgentOSClient) -> None:
    out = client.agents.run("assistant", "Draw")
    sid = out.session_id or ""
    with pytest.raises(errors.InternalServerError, match="Media storage is not configured"):
        client.sessions.media(sid, "images/a.png")
    fake.media[(sid, "images/a.png")] = b"\x89PNG..."
    assert client.sessions.media(sid, "images/a.png") == b"\x89PNG..."
    with pytest.raises(errors.NotFoundError, match="not found in this session"):
        client.sessions.media(sid, "images/b.png")


# -- knowledge sources and refresh --------------------------------------------------------------


def test_knowledge_sources_remote_content_and_refresh(client: AgentOSClient) -> None:
    assert client.knowledge.sources("kb") == []
    with pytest.raises(errors.NotFoundError, match="Content source not found"):
        client.knowledge.source_files("kb", "s3-docs")
    with pytest.raises(errors.BadRequestError, match="Unknown content source"):
        client.knowledge.upload_remote("s3-docs", "reports/q1.pdf", metadata={"q": 1})
    text = client.knowledge.upload(text_content="Agno builds agents.", name="About")
    with pytest.raises(errors.BadRequestError, match="no source URL"):
        client.knowledge.refresh(text.id)
    page = client.knowledge.upload(url="https://example.invalid/a.md", name="Page")
    assert client.knowledge.refresh(page.id).status == "processing"


# -- components and learnings -------------------------------------------------------------------


def test_components_and_their_config_versions(client: AgentOSClient) -> None:
    c = client.components.create("Helper Bot", "agent", config={"instructions": "Be brief"})
    assert isinstance(c, Component) and (c.component_id, c.current_version) == ("helper-bot", None)
    cid = c.component_id
    v2 = client.components.create_config(cid, {"instructions": "Be briefer"}, set_current=False)
    assert v2.version == 2 and client.components.current_config(cid).version == 2  # the latest draft
    with pytest.raises(errors.BadRequestError, match="Only published configs can be current"):
        client.components.set_current_config(cid, 2)
    v3 = client.components.create_config(cid, {"instructions": "Ship it"}, stage="published")
    assert client.components.get(cid).current_version == v3.version == 3
    assert client.components.update_config(cid, 1, notes="old").notes == "old"
    with pytest.raises(errors.ConflictError, match="current version is 3, expected 1"):
        client.components.update(cid, description="x", expect_current=1)
    assert client.components.update(cid, description="x", expect_current=3).description == "x"
    assert [v.version for v in client.components.configs(cid)] == [3, 2, 1]
    client.components.delete_config(cid, 1)
    assert client.components.get_config(cid, 2).config == {"instructions": "Be briefer"}
    client.components.delete(cid)
    assert [x.component_id for x in client.components.list()] == []
    assert client.components.restore(cid).deleted_at is None
    assert [x.component_id for x in client.components.list(component_type="agent")] == ["helper-bot"]
    assert list(client.components.registry()) == []


def test_learnings_per_user(client: AgentOSClient) -> None:
    ada = client.learnings.create("user_profile", {"name": "Ada"}, user_id="u1")
    client.learnings.create("user_profile", {"name": "Bob"}, user_id="u2")
    assert isinstance(ada, Learning) and ada.learning_id == "user_profile_u1"
    assert [x.content for x in client.learnings.list(user_id="u1")] == [{"name": "Ada"}]
    assert client.learnings.update(ada.learning_id, content={"name": "Ada L."}).content == {"name": "Ada L."}
    assert {u.user_id for u in client.learnings.users()} == {"u1", "u2"}
    client.learnings.delete_user("u2")
    assert [u.user_id for u in client.learnings.users()] == ["u1"]
    client.learnings.delete(ada.learning_id)
    with pytest.raises(errors.NotFoundError):
        client.learnings.get(ada.learning_id)
    with pytest.raises(TypeError, match="content must be a dict"):
        client.learnings.create("user_profile", "Ada")  # type: ignore[arg-type]


def test_a_typo_in_a_keyword_is_a_type_error(client: AgentOSClient) -> None:
    with pytest.raises(TypeError, match="did you mean 'status'"):
        client.approvals.list(statsu="pending")  # type: ignore[call-arg]


def test_team_checkpoints_and_fork(fake: Any, client: AgentOSClient) -> None:
    fake.add_agent("writer")
    fake.add_team("duo", members=["assistant", "writer"])
    out = client.teams.run("duo", "Plan a trip")
    (last,) = client.teams.checkpoints("duo", out.run_id, out.session_id or "").checkpoints
    assert last.is_latest and last.reason == "end"
    fork = client.sessions.fork(out.session_id or "", team_id="duo")
    assert [r.content for r in client.sessions.runs(fork.session_id)] == [out.content]
