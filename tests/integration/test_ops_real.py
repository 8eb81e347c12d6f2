"""The areas agno's client does not cover, against a real AgentOS (agno 3.1.10, ``--areas``: the
``approver`` agent whose tool is under ``@approval``, the scheduler, a registry, learnings, a
knowledge base), each with its error cases; and the approval flow end to end across two processes:
an admin process resolves the approval while this one watches the run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from agentos_sync import AgentOSClient, errors, events
from agentos_sync.resources import Approval, Schedule

ROOT = Path(__file__).resolve().parents[2]
PAY = "Pay the invoice [call_tool=wire_money]"


@pytest.fixture()
def client(agentos_areas: Any) -> Iterator[AgentOSClient]:
    with AgentOSClient(agentos_areas.url, timeout=(5, 60)) as c:
        yield c


def _pending(client: AgentOSClient, run_id: str) -> Approval:
    (approval,) = client.approvals.list(run_id=run_id, status="pending")
    return approval


# -- approvals ---------------------------------------------------------------------------------


def test_an_approval_is_listed_resolved_and_the_run_continues(client: AgentOSClient) -> None:
    out = client.agents.run("approver", PAY)
    assert out.status == "PAUSED"
    approval = _pending(client, out.run_id)
    assert (approval.tool_name, approval.agent_id, approval.run_status) == ("wire_money", "approver", "PAUSED")
    assert client.approvals.count() >= 1
    assert client.approvals.get(approval.id).session_id == out.session_id
    assert client.approvals.status(approval.id).status == "pending"
    resolved = client.approvals.resolve(approval.id, "approved", resolved_by="it-admin")
    assert (resolved.status, resolved.resolved_by) == ("approved", "it-admin")
    with pytest.raises(errors.ConflictError, match="already 'approved'"):
        client.approvals.resolve(approval.id, "rejected")
    assert client.approvals.wait(approval.id, timeout=5).status == "approved"
    done = client.agents.continue_run("approver", out.run_id, session_id=out.session_id or "")
    assert done.status == "COMPLETED"
    assert client.approvals.get(approval.id).run_status == "COMPLETED"
    client.approvals.delete(approval.id)
    with pytest.raises(errors.NotFoundError):
        client.approvals.get(approval.id)


_ADMIN = textwrap.dedent(
    """
    import sys
    from agentos_sync import AgentOSClient

    url, run_id = sys.argv[1], sys.argv[2]
    with AgentOSClient(url, timeout=(5, 30)) as admin:
        import time
        deadline = time.monotonic() + 30
        while True:  # the admin page refreshes until the request shows up
            pending = admin.approvals.list(status="pending", agent_id="approver", run_id=run_id).data
            if pending or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        (approval,) = pending
        admin.approvals.resolve(approval.id, "approved", resolved_by="admin-process")
        print(approval.id)
    """
)


def test_the_approval_flow_end_to_end_across_two_processes(agentos_areas: Any, client: AgentOSClient) -> None:
    """The run goes on in the background; another process (an admin page) lists and resolves its
    approval; this process waits for the resolution, continues the run, and its streams together
    show every event of the run exactly once, ending in RunCompleted."""
    session_id = f"it-approval-{uuid.uuid4()}"
    seen: List[events.RunEvent] = []
    admin = None
    with client.agents.stream("approver", PAY, session_id=session_id, background=True) as stream:
        for ev in stream:
            seen.append(ev)
            if admin is None and stream.run_id:
                # the admin page, in its own process, from the moment the run exists
                admin = subprocess.Popen(
                    [sys.executable, "-c", _ADMIN, agentos_areas.url, stream.run_id],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    cwd=str(ROOT),
                )
        run_id = stream.run_id or ""
    assert admin is not None and seen[-1].event == "RunPaused"
    out, err = admin.communicate(timeout=60)
    assert admin.returncode == 0, err
    approval_id = out.strip()
    assert client.approvals.wait(approval_id, timeout=30).status == "approved"

    with client.agents.continue_stream("approver", run_id, session_id=session_id, background=True) as tail:
        for ev in tail:
            seen.append(ev)
    own = [e for e in seen if not isinstance(e, events.StreamMetaEvent)]
    idx = [e.event_index for e in own]
    assert None not in idx and len(idx) == len(set(idx)), f"an event was shown twice: {idx}"
    assert idx == sorted(idx)
    assert own[-1].event == "RunCompleted"
    assert [e.event for e in own].count("RunPaused") == 1
    assert client.agents.get_run("approver", run_id, session_id).status == "COMPLETED"
    assert client.approvals.get(approval_id).resolved_by == "admin-process"


# -- schedules ---------------------------------------------------------------------------------


def test_a_schedule_round_trip_and_a_triggered_run(client: AgentOSClient) -> None:
    name = f"it-{uuid.uuid4().hex[:8]}"
    s = client.schedules.create(name, "0 3 * * *", "/agents/assistant/runs", payload={"message": "What is 2 + 2?"})
    assert isinstance(s, Schedule) and (s.enabled, s.method, s.timezone) == (True, "POST", "UTC")
    try:
        assert s.id in [x.id for x in client.schedules.list()]
        assert client.schedules.update(s.id, cron_expr="30 3 * * *").cron_expr == "30 3 * * *"
        run = client.schedules.trigger(s.id)
        assert (run.status, run.status_code) == ("success", 200) and run.run_id and run.session_id
        stored = client.agents.get_run("assistant", run.run_id or "", run.session_id or "")
        assert stored.content == "2 + 2 = 4."
        assert run.id in [r.id for r in client.schedules.runs(s.id)]
        assert client.schedules.get_run(s.id, run.id).run_id == run.run_id
        assert client.schedules.disable(s.id).enabled is False
        with pytest.raises(errors.ConflictError, match="disabled"):
            client.schedules.trigger(s.id)
        assert s.id in [x.id for x in client.schedules.list(enabled=False)]
        assert client.schedules.enable(s.id).enabled is True
    finally:
        client.schedules.delete(s.id)
    with pytest.raises(errors.NotFoundError):
        client.schedules.get(s.id)
    with pytest.raises(errors.UnprocessableEntityError, match="cron"):
        client.schedules.create(f"{name}-bad", "every night", "/agents/assistant/runs")


# -- info, checkpoints, fork, compact, media, filter schema, migrate-all, queue -----------------


def test_info_and_the_small_routes(client: AgentOSClient) -> None:
    info = client.info()
    assert (info.os_id, info.agno_version, info.auth_mode, info.mcp.enabled) == (
        "agentos-sync-it",
        "3.1.10",
        "none",
        False,
    )
    assert info.agent_count >= 3 and info.team_count == 1
    schema = client.traces.filter_schema()
    assert {f["key"] for f in schema.fields} >= {"status", "agent_id", "session_id"}
    assert client.databases.migrate_all().message == "All databases migrated successfully to latest version"
    with pytest.raises(errors.InternalServerError, match="QueueConfig"):
        client.queue.stats()


def test_checkpoints_fork_and_compact(client: AgentOSClient) -> None:
    out = client.agents.run("assistant", "What is 2 + 2?")
    sid = out.session_id or ""
    (last,) = client.agents.checkpoints("assistant", out.run_id, sid).checkpoints
    assert (last.message_index, last.reason, last.is_latest) == (2, "end", True)
    snap = client.agents.checkpoint("assistant", out.run_id, 1, sid)
    assert snap.checkpoint.message_index == 1 and snap.snapshot["run_id"] == out.run_id
    with pytest.raises(errors.BadRequestError, match="between 0 and 2"):
        client.agents.checkpoint("assistant", out.run_id, 9, sid)
    fork = client.sessions.fork(sid, agent_id="assistant")
    assert fork.forked_from_session_id == sid
    (copy,) = client.sessions.runs(fork.session_id)
    assert copy.run_id != out.run_id and copy.content == out.content
    result = client.sessions.compact(sid, agent_id="assistant")
    assert (result.compacted, result.status) == (False, "not_enabled")
    with pytest.raises(errors.NotFoundError):
        client.sessions.compact("no-such-session", agent_id="assistant")
    assert result.message == "Compaction is not enabled on this agent."


def _png() -> bytes:
    """A 1x1 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_session_media_is_downloaded_as_its_bytes(client: AgentOSClient) -> None:
    image = _png()
    out = client.agents.run("gallery", "Describe this", files=[("dot.png", image, "image/png")])
    sid = out.session_id or ""
    (run,) = client.sessions.runs(sid)
    key = run.model_dump()["input_media"]["images"][0]["media_reference"]["storage_key"]
    assert client.sessions.media(sid, key) == image
    with pytest.raises(errors.NotFoundError, match="not found in this session"):
        client.sessions.media(sid, "someone-else.png")


def test_a_server_without_media_storage_says_so(agentos: Any) -> None:
    with AgentOSClient(agentos.url, timeout=(5, 60)) as plain:
        out = plain.agents.run("assistant", "What is 2 + 2?")
        with pytest.raises(errors.InternalServerError, match="Media storage is not configured"):
            plain.sessions.media(out.session_id or "", "images/a.png")


def test_knowledge_sources_remote_content_and_refresh(client: AgentOSClient) -> None:
    config: Any = client.get_config()
    (kb,) = config.knowledge["knowledge_instances"]
    assert client.knowledge.sources(kb["id"]) == []
    with pytest.raises(errors.NotFoundError, match="Content source not found"):
        client.knowledge.source_files(kb["id"], "s3-docs")
    with pytest.raises(errors.BadRequestError, match="Unknown content source"):
        client.knowledge.upload_remote("s3-docs", "reports/q1.pdf")
    content = client.knowledge.upload(text_content=f"Refresh me {uuid.uuid4()}", name="Text")
    with pytest.raises(errors.BadRequestError, match="no source URL"):
        client.knowledge.refresh(content.id)


# -- components, registry, learnings ------------------------------------------------------------


def test_components_and_their_config_versions(client: AgentOSClient) -> None:
    c = client.components.create(f"It Helper {uuid.uuid4().hex[:6]}", "agent", config={"instructions": "Be brief"})
    cid = c.component_id
    assert c.current_version is None
    v2 = client.components.create_config(cid, {"instructions": "Be briefer"}, set_current=False)
    assert v2.version == 2 and client.components.current_config(cid).version == 2
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
    assert cid not in [x.component_id for x in client.components.list()]
    assert client.components.restore(cid).deleted_at is None
    assert cid in [x.component_id for x in client.components.list(component_type="agent")]
    assert ("multiply", "tool") in [(e.name, e.type) for e in client.components.registry(resource_type="tool")]


def test_learnings_per_user(client: AgentOSClient) -> None:
    uid = f"it-{uuid.uuid4().hex[:8]}"
    ada = client.learnings.create("user_profile", {"name": "Ada"}, user_id=uid)
    assert ada.learning_id == f"user_profile_{uid}"
    assert [x.content for x in client.learnings.list(user_id=uid)] == [{"name": "Ada"}]
    assert client.learnings.update(ada.learning_id, content={"name": "Ada L."}).content == {"name": "Ada L."}
    assert uid in [u.user_id for u in client.learnings.users(user_id=uid)]
    client.learnings.delete_user(uid)
    with pytest.raises(errors.NotFoundError):
        client.learnings.get(ada.learning_id)


# -- the durable queue's jobs --------------------------------------------------------------------


@pytest.fixture(scope="module")
def durable_queue(it_workdir: Path, fake_llm: Any, redis_server: Any) -> Iterator[Any]:
    """An AgentOS with QueueConfig(durable=True) (its queue store in Redis db 10)."""
    from conftest import AgentOSServer, ServerStartError

    url = redis_server.url.rsplit("/", 1)[0] + "/10"
    server = AgentOSServer("ops-durable", it_workdir, fake_llm.base_url, redis_url=url, extra_args=["--durable"])
    try:
        server.start()
    except ServerStartError as e:
        server.stop()
        pytest.fail(str(e), pytrace=False)
    yield server
    server.stop()


def test_queue_jobs_of_a_durable_queue(durable_queue: Any) -> None:
    with AgentOSClient(durable_queue.url, timeout=(5, 60)) as client:
        acc = client.agents.run("assistant", "What is 2 + 2?", background=True)
        done = client.agents.wait("assistant", acc.run_id, acc.session_id or "", timeout=30, poll_interval=0.1)
        assert done.status == "COMPLETED"
        job = client.queue.get(acc.run_id)  # the job's id is its run's run_id
        assert (job.id, job.component_id, job.session_id, job.status) == (
            acc.run_id,
            "assistant",
            acc.session_id,
            "completed",
        )
        assert acc.run_id in [j.id for j in client.queue.list(status="completed", session_id=acc.session_id)]
        assert client.queue.list(status=["queued", "running"], session_id=acc.session_id).data == []
        stats = client.queue.stats()
        assert stats["counts"]["completed"] >= 1 and "oldest_queued_age_seconds" in stats
        with pytest.raises(errors.BadRequestError, match="requeueable"):
            client.queue.requeue(acc.run_id)
        with pytest.raises(errors.NotFoundError):
            client.queue.get("no-such-job")


def test_team_checkpoints_fork_and_a2a_task(client: AgentOSClient) -> None:
    out = client.teams.run("duo", "Plan a trip")
    sid = out.session_id or ""
    (last,) = client.teams.checkpoints("duo", out.run_id, sid).checkpoints
    assert last.is_latest and last.reason == "end"
    assert client.teams.checkpoint("duo", out.run_id, last.message_index, sid).checkpoint.message_index == (
        last.message_index
    )
    fork = client.sessions.fork(sid, team_id="duo")
    (copy,) = client.sessions.runs(fork.session_id, session_type="team")
    assert copy.run_id != out.run_id and copy.content == out.content
    task = client.a2a.send("duo", "Plan a trip", kind="team")
    stored = client.a2a.get_task("duo", task.id, task.context_id or "", kind="team")
    assert (stored.status.state, stored.text) == (task.status.state, task.text) == ("completed", out.content)
