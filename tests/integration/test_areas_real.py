"""Every method beyond runs against a real AgentOS (agno 3.1.10, ``--areas``: a memory agent, a
knowledge base on local Qdrant with the fake LLM's embeddings, tracing, evals judged by the fake
LLM), under agno's names as a ported script calls them, with the error cases: unknown ids are the
typed 404, and a server without a knowledge base (the plain ``agentos``) gives a clear error."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from _helpers import wait_until

from agentos_sync import AgentOSClient, errors
from agentos_sync.api_models import DayMetrics, MetricsRefresh, TraceDetail, TraceNode, TraceSessionStats
from agentos_sync.pagination import SyncPage


@pytest.fixture()
def client(agentos_areas: Any) -> Iterator[AgentOSClient]:
    with AgentOSClient(agentos_areas.url, timeout=(5, 60)) as c:
        yield c


def user() -> str:
    return f"it-user-{uuid.uuid4().hex[:8]}"


def test_memories_round_trip_with_agnos_names(client: AgentOSClient) -> None:
    uid = user()
    memory = client.create_memory(memory="Prefers dark mode", user_id=uid, topics=["preferences", "ui"])
    assert memory.memory_id and memory.topics == ["preferences", "ui"] and memory.user_id == uid
    page = client.list_memories(user_id=uid)
    assert isinstance(page, SyncPage) and [m.memory_id for m in page.data] == [memory.memory_id]
    assert page.meta.total_count == 1
    assert client.get_memory(memory.memory_id, user_id=uid).memory == "Prefers dark mode"
    assert "ui" in client.get_memory_topics(user_id=uid)
    updated = client.update_memory(
        memory_id=memory.memory_id, memory="Prefers dark mode everywhere", user_id=uid, topics=["preferences"]
    )
    assert (updated.memory, updated.topics) == ("Prefers dark mode everywhere", ["preferences"])
    # an update without topics clears them, on the server as on the fake
    assert client.update_memory(memory.memory_id, "Prefers dark mode everywhere", uid).topics == []
    client.update_memory(memory.memory_id, "Prefers dark mode everywhere", uid, topics=["preferences"])
    assert "preferences" in client.get_memory_topics(user_id=uid)
    (stats,) = client.get_user_memory_stats(user_id=uid).data
    assert (stats.user_id, stats.total_memories) == (uid, 1)
    client.delete_memory(memory.memory_id, user_id=uid)
    assert client.list_memories(user_id=uid).data == []
    with pytest.raises(errors.NotFoundError, match="not found"):
        client.get_memory(memory.memory_id, user_id=uid)


def test_memories_page_lazily_filter_and_delete_many(client: AgentOSClient) -> None:
    uid = user()
    ids = [client.memories.create(f"fact number {i}", user_id=uid, topics=["t"]).memory_id or "" for i in range(5)]
    page = client.memories.list(user_id=uid, limit=2)
    assert (len(page.data), page.total, page.total_pages) == (2, 5, 3)
    assert sorted(m.memory_id or "" for m in page) == sorted(ids)  # all three pages
    assert [m.memory for m in client.memories.list(user_id=uid, search_content="number 3")] == ["fact number 3"]
    assert len(list(client.memories.list(user_id=uid, topics=["t"]))) == 5
    client.delete_memories(ids[:3], user_id=uid)
    assert client.memories.list(user_id=uid).total == 2


def test_a_run_with_update_memory_on_run_stores_a_memory(client: AgentOSClient) -> None:
    uid = user()
    client.run_agent("memo", "My favourite game is chess [call_tool=add_memory]", user_id=uid)
    memories = wait_until(lambda: client.list_memories(user_id=uid).data, timeout=30)
    assert any("chess" in (m.memory or "") for m in memories)


def test_optimize_memories(client: AgentOSClient) -> None:
    uid = user()
    client.create_memory("Likes drinking hot tea every single morning", user_id=uid)
    client.create_memory("Likes drinking green tea every single evening", user_id=uid)
    preview = client.optimize_memories(uid, apply=False)
    assert preview.memories_before == 2 and client.list_memories(user_id=uid).total == 2
    with pytest.raises(errors.NotFoundError, match="No memories found"):
        client.optimize_memories(user())


def test_knowledge_upload_text_path_file_then_search(client: AgentOSClient, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    text = client.upload_knowledge_content(
        text_content=f"Agno is a framework for building agents {tag}.", name=f"guide-{tag}", description="d"
    )
    assert text.id and text.status == "processing"
    path = tmp_path / f"tea-{tag}.txt"
    path.write_text(f"Tea is a drink made from leaves {tag}.")
    from_path = client.upload_knowledge_content(file=str(path), metadata={"source": "disk"})
    from_file = client.knowledge.upload(
        file=io.BytesIO(f"Llamas live in the Andes {tag}.".encode()), name=f"llama-{tag}"
    )
    for content in (text, from_path, from_file):
        done = client.knowledge.wait(content.id or "", timeout=60)
        assert done.status == "completed", done.status_message
        assert client.get_knowledge_content_status(content.id or "").status == "completed"
    got = client.get_knowledge_content(from_path.id or "")
    assert (got.name, got.type, (got.metadata or {}).get("source")) == (path.name, "text/plain", "disk")
    hits = client.search_knowledge(query=f"tea leaves drink {tag}", limit=5)
    assert hits.data and f"Tea is a drink made from leaves {tag}." in [h.content for h in hits.data]
    assert client.update_knowledge_content(text.id or "", name=f"renamed-{tag}").name == f"renamed-{tag}"
    names = [c.name for c in client.list_knowledge_content(limit=100)]
    assert {f"renamed-{tag}", path.name, f"llama-{tag}"} <= set(names)
    assert client.delete_knowledge_content(from_file.id or "").id == from_file.id
    with pytest.raises(errors.NotFoundError, match="Content not found"):
        client.get_knowledge_content(from_file.id or "")


def test_knowledge_config_delete_all_and_unknown_ids(client: AgentOSClient) -> None:
    config = client.get_knowledge_config()
    assert config.readers and "text" in config.readers
    client.upload_knowledge_content(text_content="to be deleted", name=f"gone-{uuid.uuid4().hex[:6]}")
    assert client.delete_all_knowledge_content() == "success"
    assert client.list_knowledge_content().total == 0
    for call in (
        lambda: client.get_knowledge_content("nope"),
        lambda: client.get_knowledge_content_status("nope"),
        lambda: client.delete_knowledge_content("nope"),
        lambda: client.update_knowledge_content("nope", name="x"),
    ):
        with pytest.raises(errors.NotFoundError, match="Content not found: nope"):
            call()


def test_knowledge_not_configured_is_a_clear_error(agentos: Any) -> None:
    with AgentOSClient(agentos.url) as plain:
        for call in (
            plain.get_knowledge_config,
            plain.list_knowledge_content,
            lambda: plain.search_knowledge("x"),
            lambda: plain.upload_knowledge_content(text_content="x"),
        ):
            with pytest.raises(errors.InternalServerError, match="has no knowledge base") as info:
                call()
            # the server's own explanation, without "retry later": retrying cannot help
            assert info.value.status_code == 503 and "contents_db" in str(info.value)
            assert "retry later" not in str(info.value)


def test_evals_accuracy_performance_reliability_and_management(client: AgentOSClient) -> None:
    accuracy = client.run_eval(
        eval_type="accuracy", input_text="What is 2 + 2?", agent_id="assistant", expected_output="4"
    )
    assert accuracy is not None and accuracy.eval_type == "accuracy"
    assert (accuracy.eval_data or {})["avg_score"] == 10  # judged by the fake LLM's structured answer
    performance = client.run_eval("performance", "Hello", agent_id="assistant", num_iterations=2)
    assert performance is not None and len((performance.eval_data or {})["run_times"]) == 2
    reliability = client.run_eval(
        "reliability", "What is 10 * 5? [call_tool=multiply]", agent_id="calc", expected_tool_calls=["multiply"]
    )
    assert reliability is not None and (reliability.eval_data or {})["eval_status"] == "PASSED"
    listed = [e.id for e in client.list_eval_runs(limit=100)]
    assert {accuracy.id, performance.id, reliability.id} <= set(listed)
    assert [e.eval_type for e in client.list_eval_runs(eval_types=["performance"], limit=100)].count("accuracy") == 0
    assert client.get_eval_run(accuracy.id or "").agent_id == "assistant"
    assert client.update_eval_run(accuracy.id or "", "baseline").name == "baseline"
    client.delete_eval_runs([performance.id or ""])
    with pytest.raises(errors.NotFoundError, match="Eval run with id"):
        client.get_eval_run(performance.id or "")


def test_eval_errors(client: AgentOSClient) -> None:
    with pytest.raises(errors.NotFoundError, match="Agent with id 'nope' not found"):
        client.run_eval("accuracy", "x", agent_id="nope", expected_output="y")
    with pytest.raises(errors.BadRequestError, match="expected_output is required"):
        client.run_eval("accuracy", "x", agent_id="assistant")
    with pytest.raises(errors.NotFoundError):
        client.update_eval_run("nope", "x")


def test_traces(client: AgentOSClient) -> None:
    client.run_agent("assistant", "What is 2 + 2?")

    def agent_trace() -> Any:
        # this server's FastAPI also emits spans: a trace is one HTTP request, the agent's span inside
        for summary in client.get_traces(limit=50).data:
            detail = client.get_trace(summary.trace_id or "")
            if any(s.type == "AGENT" for s in _spans(detail.tree)):  # type: ignore[union-attr]
                return detail
        return None

    detail = wait_until(agent_trace, timeout=30)
    assert isinstance(detail, TraceDetail) and detail.total_spans and detail.total_spans >= 2
    span = next(s for s in _spans(detail.tree) if s.type == "AGENT")
    node = client.get_trace(detail.trace_id or "", span_id=span.id)
    assert isinstance(node, TraceNode) and node.name == span.name
    page = client.get_traces(limit=1)
    assert page.total and page.total >= 1 and len(page.data) == 1
    assert isinstance(client.get_trace_session_stats(), SyncPage)
    found = client.search_traces({"op": "EQ", "key": "trace_id", "value": detail.trace_id})
    assert all(isinstance(t, TraceDetail) for t in found.data)
    assert all(isinstance(s, TraceSessionStats) for s in client.search_traces(group_by="session").data)
    with pytest.raises(errors.NotFoundError, match="Trace not found"):
        client.get_trace("0" * 32)
    with pytest.raises(errors.NotFoundError, match="Span not found"):
        client.get_trace(detail.trace_id or "", span_id="nope")


def _spans(nodes: Any) -> Iterator[TraceNode]:
    for node in nodes or []:
        yield node
        yield from _spans(node.spans)


def test_metrics(client: AgentOSClient) -> None:
    client.run_agent("assistant", "What is 2 + 2?", user_id=user())
    days = client.refresh_metrics()
    assert isinstance(days, list) and days and isinstance(days[0], DayMetrics)
    assert (days[-1].agent_runs_count or 0) >= 1
    # The server's days are UTC days. date.today() is the local one, and the suite's process is not
    # always on UTC: Django's setup (tests/test_contrib_django.py, at collection) sets TZ from its
    # TIME_ZONE, and between 00:00 and 06:00 UTC Chicago's today is UTC's yesterday.
    today = datetime.now(timezone.utc).date()
    report = client.get_metrics(starting_date=today - timedelta(days=1), ending_date=today)
    assert report.metrics and (report.metrics[-1].token_metrics or {}).get("total_tokens", 0) > 0
    assert client.get_metrics(starting_date=today + timedelta(days=30)).metrics == []
    accepted = client.refresh_metrics(background=True)
    assert isinstance(accepted, MetricsRefresh) and accepted.status == "started"
    status = wait_until(lambda: (s := client.get_metrics_refresh_status()).status == "completed" and s, timeout=30)
    assert status.started_at is not None and status.finished_at is not None


def test_session_run_previews(client: AgentOSClient) -> None:
    out = client.run_agent("assistant", "What is 2 + 2?")
    (preview,) = client.get_session_run_previews(out.session_id or "")
    assert (preview.run_id, preview.status, preview.run_input, preview.content_preview) == (
        out.run_id,
        "COMPLETED",
        "What is 2 + 2?",
        "2 + 2 = 4.",
    )
    assert client.sessions.run_previews(out.session_id or "", status=["ERROR"]) == []
    with pytest.raises(errors.NotFoundError, match="Session with ID nope not found"):
        client.get_session_run_previews("nope")


def test_migrate_database(client: AgentOSClient) -> None:
    (db_id,) = client.get_config().databases
    assert "migrated" in (client.migrate_database(db_id).message or "")
    with pytest.raises(errors.NotFoundError, match="No database found with id 'nope'"):
        client.migrate_database("nope")
