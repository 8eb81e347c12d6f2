"""The whole AgentOS API beyond runs: memories, knowledge, evals, traces, metrics, database
migration and session run previews, over the fake, under both spellings; and the parity test:
every public method of agno 3.1.10's ``AgentOSClient``, listed by introspection, has a working
equivalent here (the sync spelling of the ``aget_*`` ones)."""

from __future__ import annotations

import inspect
import io
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import agno.client as agno_client  # agno 3.1.10 is in the test extra: the reference, never skipped
import pytest
from test_resources import CALLS as RUN_AND_SESSION_CALLS
from test_resources import over_fake, world  # noqa: F401 - fixtures the run/session calls need

from agentos_sync import AgentOSClient, errors
from agentos_sync.api_models import (
    DayMetrics,
    EvalRun,
    KnowledgeContent,
    Memory,
    MetricsRefresh,
    SessionRunPreview,
    TraceDetail,
    TraceNode,
    TraceSessionStats,
)
from agentos_sync.pagination import SyncPage
from agentos_sync.resources import Runs
from agentos_sync.testing import FakeAgentOS, FakeTransport, MockTransport, json_response
from agentos_sync.transports import Request, Response


def agno_names() -> List[str]:
    """agno 3.1.10's public AgentOSClient methods, by introspection (68)."""
    cls = agno_client.AgentOSClient
    return sorted(n for n, _ in inspect.getmembers(cls) if not n.startswith("_") and callable(getattr(cls, n)))


def sync_name(name: str) -> str:
    """``aget_config`` -> ``get_config``: agno's async twins of sync methods."""
    return name[1:] if name.startswith("aget_") else name


# -- how each new name is called over the fake: True when the call did its job ------------------


def _memory(c: AgentOSClient, text: str = "Likes tea", user: str = "u1", topics: Any = ("drinks",)) -> Memory:
    return c.create_memory(text, user_id=user, topics=list(topics))


def _content(c: AgentOSClient, text: str = "Agno is a framework for agents.", name: str = "Guide") -> str:
    content = c.upload_knowledge_content(text_content=text, name=name)
    assert content.id and c.knowledge.wait(content.id, timeout=5).status == "completed"
    return content.id


def _eval(c: AgentOSClient) -> EvalRun:
    run = c.run_eval("accuracy", "What is 2 + 2?", agent_id="assistant", expected_output="4")
    assert run is not None
    return run


def _trace_id(c: AgentOSClient) -> str:
    out = c.run_agent("assistant", "What is 2 + 2?")
    (trace,) = c.get_traces(run_id=out.run_id).data
    assert trace.trace_id
    return trace.trace_id


def _previews(c: AgentOSClient) -> bool:
    out = c.run_agent("assistant", "What is 2 + 2?")
    (preview,) = c.get_session_run_previews(out.session_id or "")
    return isinstance(preview, SessionRunPreview) and preview.content_preview == "2 + 2 = 4."


def _delete_memory(c: AgentOSClient) -> bool:
    m = _memory(c)
    c.delete_memory(m.memory_id or "", user_id="u1")
    return c.list_memories(user_id="u1").total == 0


def _delete_memories(c: AgentOSClient) -> bool:
    ids = [_memory(c, "a").memory_id or "", _memory(c, "b").memory_id or ""]
    c.delete_memories(ids, user_id="u1")
    return c.list_memories(user_id="u1").data == []


def _optimize(c: AgentOSClient) -> bool:
    _memory(c, "Likes tea")
    _memory(c, "Likes green tea")
    result = c.optimize_memories("u1")
    return result.memories_before == 2 and result.memories_after == 1 and c.list_memories(user_id="u1").total == 1


def _delete_content(c: AgentOSClient) -> bool:
    cid = _content(c)
    return c.delete_knowledge_content(cid).id == cid and c.list_knowledge_content().data == []


def _delete_all_content(c: AgentOSClient) -> bool:
    _content(c, "one", "a")
    _content(c, "two", "b")
    return c.delete_all_knowledge_content() == "success" and c.list_knowledge_content().total == 0


def _search(c: AgentOSClient) -> bool:
    _content(c, "Tea is a drink.", "tea")
    _content(c, "Agno is a framework for agents.", "agno")
    hits = c.search_knowledge("What is Agno?", limit=5)
    return [h.name for h in hits.data] == ["agno", "tea"] and hits.total == 2


def _delete_evals(c: AgentOSClient) -> bool:
    run = _eval(c)
    c.delete_eval_runs([run.id or ""])
    with pytest.raises(errors.NotFoundError):
        c.get_eval_run(run.id or "")
    return True


def _get_trace(c: AgentOSClient) -> bool:
    detail = c.get_trace(_trace_id(c))
    assert isinstance(detail, TraceDetail)
    span = c.get_trace(detail.trace_id or "", span_id=detail.tree[0].spans[0].id)  # type: ignore[index]
    return isinstance(span, TraceNode) and span.type == "LLM"


def _session_stats(c: AgentOSClient) -> bool:
    out = c.run_agent("assistant", "What is 2 + 2?")
    c.run_agent("assistant", "Hi", session_id=out.session_id)
    stats = c.get_trace_session_stats().data
    return [(s.session_id, s.total_traces) for s in stats] == [(out.session_id, 2)]


def _search_traces(c: AgentOSClient) -> bool:
    out = c.run_agent("assistant", "What is 2 + 2?")
    c.run_agent("assistant", "Hi")
    by_run = c.search_traces({"op": "EQ", "key": "run_id", "value": out.run_id})
    by_session = c.search_traces(group_by="session")
    return [t.run_id for t in by_run.data] == [out.run_id] and all(
        isinstance(s, TraceSessionStats) for s in by_session.data
    )


def _user_stats(c: AgentOSClient) -> bool:
    _memory(c, "a", "u1")
    _memory(c, "b", "u1")
    _memory(c, "c", "u2")
    return [(s.user_id, s.total_memories) for s in c.get_user_memory_stats(user_id="u1").data] == [("u1", 2)]


def _refresh(c: AgentOSClient) -> bool:
    c.run_agent("assistant", "What is 2 + 2?", user_id="u1")
    days = c.refresh_metrics()
    accepted = c.refresh_metrics(background=True)
    assert isinstance(days, list) and isinstance(accepted, MetricsRefresh)
    return isinstance(days[0], DayMetrics) and days[0].agent_runs_count == 1 and accepted.status == "started"


AREA_CALLS: Dict[str, Callable[[AgentOSClient], bool]] = {
    "get_config": lambda c: [a.id for a in c.get_config().agents][:1] == ["assistant"],
    "get_session_run_previews": _previews,
    "create_memory": lambda c: _memory(c).topics == ["drinks"],
    "get_memory": lambda c: c.get_memory(_memory(c).memory_id or "", user_id="u1").memory == "Likes tea",
    "list_memories": lambda c: [m.memory for m in c.list_memories(user_id=_memory(c).user_id).data] == ["Likes tea"],
    "update_memory": lambda c: (
        c.update_memory(_memory(c).memory_id or "", "Likes coffee", "u1").memory == "Likes coffee"
    ),
    "delete_memory": _delete_memory,
    "delete_memories": _delete_memories,
    "get_memory_topics": lambda c: c.get_memory_topics(user_id=_memory(c, topics=["b", "a"]).user_id) == ["a", "b"],
    "get_user_memory_stats": _user_stats,
    "optimize_memories": _optimize,
    "upload_knowledge_content": lambda c: c.get_knowledge_content(_content(c)).status == "completed",
    "update_knowledge_content": lambda c: c.update_knowledge_content(_content(c), name="Renamed").name == "Renamed",
    "list_knowledge_content": lambda c: (lambda cid: [x.id for x in c.list_knowledge_content().data] == [cid])(
        _content(c)
    ),
    "get_knowledge_content": lambda c: c.get_knowledge_content(_content(c)).name == "Guide",
    "delete_knowledge_content": _delete_content,
    "delete_all_knowledge_content": _delete_all_content,
    "get_knowledge_content_status": lambda c: c.get_knowledge_content_status(_content(c)).status == "completed",
    "search_knowledge": _search,
    "get_knowledge_config": lambda c: "text" in (c.get_knowledge_config().readers or {}),
    "run_eval": lambda c: (_eval(c).eval_data or {}).get("avg_score") == 10,
    "list_eval_runs": lambda c: (lambda run: [e.id for e in c.list_eval_runs().data] == [run.id])(_eval(c)),
    "get_eval_run": lambda c: c.get_eval_run(_eval(c).id or "").eval_type == "accuracy",
    "update_eval_run": lambda c: c.update_eval_run(_eval(c).id or "", "baseline").name == "baseline",
    "delete_eval_runs": _delete_evals,
    "get_traces": lambda c: bool(_trace_id(c)),
    "get_trace": _get_trace,
    "get_trace_session_stats": _session_stats,
    "search_traces": _search_traces,
    "get_metrics": lambda c: bool(c.run_agent("assistant", "Hi")) and c.get_metrics().metrics[0].agent_runs_count == 1,
    "refresh_metrics": _refresh,
    "get_metrics_refresh_status": lambda c: c.get_metrics_refresh_status().status == "idle",
    "migrate_database": lambda c: "migrated" in (c.migrate_database("fake-db").message or ""),
}

#: Every name, and how it is called: the run and session names of the resource issue, and these.
ALL_CALLS: Dict[str, Callable[[AgentOSClient], bool]] = {**RUN_AND_SESSION_CALLS, **AREA_CALLS}


def test_every_agno_method_has_a_named_equivalent_here() -> None:
    names = agno_names()
    assert len(names) == 68  # agno 3.1.10's AgentOSClient
    missing = [n for n in names if not hasattr(AgentOSClient, sync_name(n)) or sync_name(n) not in ALL_CALLS]
    assert missing == []
    # the async twins keep agno's spelling too, so a script runs with only `await` removed
    assert [n for n in names if not hasattr(AgentOSClient, n)] == []


@pytest.mark.parametrize("name", agno_names())
def test_every_agno_method_works(name: str, over_fake: Tuple[AgentOSClient, MockTransport]) -> None:  # noqa: F811
    client, _ = over_fake
    assert ALL_CALLS[sync_name(name)](client) is True


def test_the_docs_parity_table_has_a_row_per_agno_method() -> None:
    readme = (Path(__file__).parent.parent / "docs" / "index.md").read_text()
    table = readme[readme.index("## Parity with agno's `AgentOSClient`") :]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == agno_names()


def _accepted(method: Any) -> List[str]:
    """The keywords a method takes: its parameters, and the keys of an ``**fields: Unpack[TD]``."""
    import typing

    import typing_extensions

    names = list(inspect.signature(method).parameters)
    for param in inspect.signature(method).parameters.values():
        annotation = param.annotation
        if param.kind is inspect.Parameter.VAR_KEYWORD and isinstance(annotation, str):
            module = inspect.getmodule(method)
            # postponed annotations are text: evaluate it in the module that wrote it
            annotation = eval(annotation, dict(vars(module), Unpack=typing_extensions.Unpack))
        for td in typing.get_args(annotation) if param.kind is inspect.Parameter.VAR_KEYWORD else ():
            names += sorted(td.__required_keys__ | td.__optional_keys__)
    return names


#: What agno's spelling of a call cannot say here, by method (docs/index.md "Known differences"):
#: ``get_workflow`` has no ``version``. (The run methods' first parameter is ``entity_id``, and
#: agno's ``agent_id=``/``team_id=``/``workflow_id=`` are taken for it: see the test below.)
KNOWN_DIFFERENCES = {n: ["version"] for n in ("aget_workflow", "get_workflow")}


def test_every_agno_keyword_is_taken_here_but_the_known_differences() -> None:
    """Each of the 68 methods takes every keyword agno's takes (``headers`` is ``extra_headers``),
    except the documented ones; a fix there makes this fail until the README says so too."""
    client = AgentOSClient("http://t.local", transport=MockTransport(lambda r: json_response(200, {})))
    found = {}
    for name in agno_names():
        theirs = inspect.signature(getattr(agno_client.AgentOSClient, name)).parameters
        method = getattr(client, sync_name(name))
        ours = _accepted(method)
        owner = getattr(method, "__self__", None)
        if isinstance(owner, Runs):
            ours.append(owner.kind.id_name)  # taken for entity_id (test_agnos_id_keyword_is_taken)
        missing = [
            p
            for p, v in theirs.items()
            if p not in ("self", "headers") and v.kind is not inspect.Parameter.VAR_KEYWORD and p not in ours
        ]
        if missing:
            found[name] = missing
    assert found == KNOWN_DIFFERENCES


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n in agno_names()
        if sync_name(n).split("_")[0] in ("get", "delete", "rename", "update", "create") and "session" in n
    ),
)
def test_session_names_take_agnos_parameters_in_agnos_order(name: str, client: AgentOSClient) -> None:
    theirs = inspect.signature(getattr(agno_client.AgentOSClient, name)).parameters
    ours = inspect.signature(getattr(client, sync_name(name))).parameters
    positional = [
        p
        for p, v in theirs.items()
        if p != "self" and v.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p != "headers"
    ]
    assert [p for p, v in ours.items() if v.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD][
        : len(positional)
    ] == positional


@pytest.mark.parametrize("name", sorted(AREA_CALLS))
def test_new_names_take_agnos_parameters_in_agnos_order(name: str, client: AgentOSClient) -> None:
    """A call written for agno's client (positional or keyword) means the same here; ``headers``
    is ``extra_headers`` here, as on every method."""
    theirs = inspect.signature(getattr(agno_client.AgentOSClient, name)).parameters
    ours = inspect.signature(getattr(client, name)).parameters
    names = [p for p in theirs if p not in ("self", "headers")]
    assert [p for p in names if p not in ours] == []
    positional = [p for p in names if theirs[p].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert [p for p, v in ours.items() if v.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD][: len(positional)] == (
        positional
    )


@pytest.mark.parametrize(
    ("name", "resource", "method"),
    [
        ("get_session_run_previews", "sessions", "run_previews"),
        ("list_memories", "memories", "list"),
        ("get_user_memory_stats", "memories", "user_stats"),
        ("search_knowledge", "knowledge", "search"),
        ("get_knowledge_content_status", "knowledge", "status"),
        ("run_eval", "evals", "run"),
        ("get_traces", "traces", "list"),
        ("refresh_metrics", "metrics", "refresh"),
        ("migrate_database", "databases", "migrate"),
    ],
)
def test_agno_name_is_the_resource_method(name: str, resource: str, method: str, client: AgentOSClient) -> None:
    assert getattr(client, name) == getattr(getattr(client, resource), method)


def test_every_new_public_method_has_a_docstring_with_an_example(client: AgentOSClient) -> None:
    missing = []
    for owner in (client.memories, client.knowledge, client.evals, client.traces, client.metrics, client.databases):
        for name in dir(owner):
            public = not name.startswith("_") and callable(getattr(owner, name))
            if public and "Example" not in (getattr(owner, name).__doc__ or ""):
                missing.append(f"{owner.name}.{name}")
    assert missing == []


# -- paging ------------------------------------------------------------------------------------


def test_a_list_is_one_page_with_its_totals_and_iterates_every_page_lazily(
    client: AgentOSClient, fake: FakeAgentOS
) -> None:
    for i in range(7):
        client.memories.create(f"memory {i}", user_id="u1")
    page = client.memories.list(user_id="u1", limit=3, sort_order="asc")
    assert isinstance(page, SyncPage)
    assert (len(page.data), page.total, page.total_pages, page.page) == (3, 7, 3, 1)
    assert page.meta.total_count == 7  # agno's spelling
    sent = len(fake.requests)
    items = iter(page)
    assert [next(items).memory for _ in range(3)] == ["memory 0", "memory 1", "memory 2"]
    assert len(fake.requests) == sent  # nothing fetched while the first page lasts
    assert next(items).memory == "memory 3"
    assert len(fake.requests) == sent + 1  # the second page, only when the loop got there
    assert [m.memory for m in items] == [f"memory {i}" for i in range(4, 7)]
    assert [p.page for p in page.iter_pages()] == [1, 2, 3]
    # every page is asked with the caller's filters
    assert all(r.params and r.params.get("user_id") == "u1" for r in fake.requests[sent:])


def test_sessions_page_lazily_and_keep_the_dict_style_meta(client: AgentOSClient) -> None:
    sids = {client.agents.run("assistant", f"run {i}").session_id for i in range(5)}
    page = client.sessions.list(limit=2)
    assert isinstance(page, SyncPage) and len(page.data) == 2
    assert page.meta.total_count == page.meta["total_count"] == 5  # agno's attribute, and the old dict key
    assert {s.session_id for s in page} == sids
    with pytest.raises(KeyError):
        page.meta["nope"]


def test_paging_stops_at_an_empty_page_whatever_the_totals_say() -> None:
    calls: List[Request] = []

    def handler(request: Request) -> Response:
        calls.append(request)
        page = int((request.params or {})["page"])
        data = [{"memory_id": "m1", "memory": "x"}] if page == 1 else []
        return json_response(
            200, {"data": data, "meta": {"page": page, "limit": 1, "total_pages": 99, "total_count": 99}}
        )

    client = AgentOSClient("http://t.local", transport=MockTransport(handler))
    assert [m.memory_id for m in client.memories.list()] == ["m1"]
    assert len(calls) == 2


def test_get_next_page_without_one_says_so(client: AgentOSClient) -> None:
    page = client.memories.list(user_id="nobody")
    assert not page.has_next_page()
    with pytest.raises(RuntimeError, match="has_next_page"):
        page.get_next_page()
    assert page.model_dump() == {"data": [], "meta": page.meta.model_dump()}


def test_a_page_of_the_wrong_shape_is_a_protocol_error() -> None:
    client = AgentOSClient("http://t.local", transport=MockTransport(lambda r: json_response(200, [1, 2])))
    with pytest.raises(errors.ProtocolError, match="did not answer with a page"):
        client.memories.list()


@pytest.mark.parametrize(("limit", "page"), [(0, 1), (True, 1), (20, -1), (20, "2")])
def test_bad_page_arguments_fail_before_anything_is_sent(
    limit: Any, page: Any, client: AgentOSClient, fake: FakeAgentOS
) -> None:
    with pytest.raises(ValueError):
        client.memories.list(limit=limit, page=page)
    assert fake.requests == []


# -- memories ----------------------------------------------------------------------------------


def test_memories_filter_by_topic_and_content(client: AgentOSClient, fake: FakeAgentOS) -> None:
    client.memories.create("Prefers dark mode", user_id="u1", topics=["ui", "prefs"])
    client.memories.create("Drinks tea", user_id="u1", topics=["drinks"])
    client.memories.create("Prefers light mode", user_id="u2", topics=["ui"])
    assert [m.memory for m in client.memories.list(topics=["ui"], user_id="u1")] == ["Prefers dark mode"]
    assert fake.requests[-1].params and fake.requests[-1].params["topics"] == "ui"  # one comma-separated value
    assert {m.memory for m in client.memories.list(search_content="MODE")} == {
        "Prefers dark mode",
        "Prefers light mode",
    }
    assert [(s.user_id, s.total_memories) for s in client.memories.user_stats()] in (
        [("u1", 2), ("u2", 1)],
        [("u2", 1), ("u1", 2)],
    )


def test_memory_errors_are_typed(client: AgentOSClient) -> None:
    with pytest.raises(errors.NotFoundError, match="Memory with ID nope not found"):
        client.memories.get("nope")
    m = client.memories.create("Likes tea", user_id="u1")
    with pytest.raises(errors.NotFoundError):
        client.memories.get(m.memory_id or "", user_id="someone-else")
    with pytest.raises(errors.NotFoundError, match="No memories found for user nobody"):
        client.memories.optimize("nobody")
    with pytest.raises(TypeError, match="topics must be a list"):
        client.memories.create("x", user_id="u1", topics="ui")
    with pytest.raises(ValueError, match="memory must be"):
        client.memories.create("", user_id="u1")
    with pytest.raises(ValueError, match="memory_id"):
        client.memories.get("..")
    with pytest.raises(TypeError, match="did you mean 'user_id'"):
        client.memories.list(usr_id="u1")  # type: ignore[call-arg]


def test_optimize_without_apply_changes_nothing(client: AgentOSClient) -> None:
    client.memories.create("a", user_id="u1")
    client.memories.create("b", user_id="u1")
    preview = client.memories.optimize("u1", apply=False)
    assert preview.memories_before == 2 and client.memories.list(user_id="u1").total == 2


# -- knowledge ---------------------------------------------------------------------------------


def test_upload_takes_a_path_bytes_a_file_object_an_agno_file_and_a_url(
    tmp_path: Any, client: AgentOSClient, fake: FakeAgentOS
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Tea is a drink from leaves.")

    class AgnoFile:  # agno.media.File's shape
        content = b"Chess is a game."
        filename = "chess.txt"
        mime_type = "text/plain"

    made = [
        client.knowledge.upload(file=str(path)),
        client.knowledge.upload(file=b"Raw bytes about agents.", name="raw"),
        client.knowledge.upload(file=io.BytesIO(b"A file object about llamas.")),
        client.knowledge.upload(file=AgnoFile()),
        client.knowledge.upload(url="https://docs.agno.com/introduction.md"),
        client.knowledge.upload(file=("tuple.md", b"# Title", "text/markdown"), metadata={"k": "v"}),
    ]
    assert all(isinstance(c, KnowledgeContent) and c.status == "processing" for c in made)
    names = {c.name for c in fake.knowledge_contents.values()}
    assert {"notes.txt", "raw", "chess.txt", "tuple.md", "https://docs.agno.com/introduction.md"} <= names
    (upload,) = [r for r in fake.requests if r.files and r.files[0][1][0] == "notes.txt"]
    # a path is handed to the transport as an open file (read as the body is built), not as bytes
    assert hasattr(upload.files[0][1][1], "read") and upload.files[0][1][1].closed  # type: ignore[index]
    assert fake.knowledge_contents[made[-1].id or ""].metadata == {"k": "v"}


def test_upload_needs_something_and_refuses_what_it_cannot_send(client: AgentOSClient, fake: FakeAgentOS) -> None:
    with pytest.raises(ValueError, match="needs a file, a url or text_content"):
        client.knowledge.upload(name="empty")
    with pytest.raises(TypeError, match="file must be"):
        client.knowledge.upload(file=12345)
    with pytest.raises(ValueError, match="chunk_size"):
        client.knowledge.upload(text_content="x", chunk_size=-1)
    assert fake.requests == []


def test_an_upload_is_sent_once_even_when_the_connection_is_refused() -> None:
    calls: List[Request] = []

    def handler(request: Request) -> Response:
        calls.append(request)
        raise errors.APIConnectionError("refused", reached_server=False)

    client = AgentOSClient("http://t.local", transport=MockTransport(handler), max_retries=3)
    with pytest.raises(errors.APIConnectionError):
        client.knowledge.upload(file=io.BytesIO(b"once"))
    assert len(calls) == 1  # a file object cannot be re-read for a second attempt


def test_wait_polls_until_processed_and_is_bounded(client: AgentOSClient, fake: FakeAgentOS) -> None:
    content = client.knowledge.upload(text_content="Agno", name="a")
    assert client.knowledge.wait(content.id or "", sleep=lambda s: None).status == "completed"

    def handler(request: Request) -> Response:
        return json_response(200, {"id": "c1", "status": "processing", "status_message": ""})

    slow = AgentOSClient("http://t.local", transport=MockTransport(handler))
    clock = iter(range(1000))
    monkey = pytest.MonkeyPatch()
    monkey.setattr("agentos_sync.resources.knowledge.time.monotonic", lambda: float(next(clock)))
    try:
        with pytest.raises(errors.APITimeoutError, match="still processing after 3"):
            slow.knowledge.wait("c1", timeout=3, sleep=lambda s: None)
    finally:
        monkey.undo()
    with pytest.raises(ValueError, match="poll_interval"):
        slow.knowledge.wait("c1", poll_interval=0)


def test_knowledge_not_configured_is_a_clear_not_found_error() -> None:
    fake = FakeAgentOS(knowledge=False)
    client = AgentOSClient("http://fake.local", transport=FakeTransport(fake))
    for call in (
        lambda: client.get_knowledge_config(),
        lambda: client.list_knowledge_content(),
        lambda: client.search_knowledge("x"),
        lambda: client.upload_knowledge_content(text_content="x"),
    ):
        with pytest.raises(errors.InternalServerError, match="has no knowledge base") as info:
            call()
        assert info.value.status_code == 503 and "retry later" not in str(info.value)
    with pytest.raises(errors.NotFoundError, match="Content not found: nope"):
        AgentOSClient("http://f.local", transport=FakeTransport(FakeAgentOS())).get_knowledge_content("nope")


def test_a_route_that_is_not_there_also_says_knowledge_is_missing() -> None:
    # an older AgentOS, or a proxy in front, answers an unmounted route with FastAPI's bare 404
    client = AgentOSClient(
        "http://t.local", transport=MockTransport(lambda r: json_response(404, {"detail": "Not Found"}))
    )
    with pytest.raises(errors.NotFoundError, match=r"has no knowledge base \(its /knowledge routes are not mounted"):
        client.knowledge.config()


# -- evals, traces, metrics, databases, previews -----------------------------------------------


def test_eval_types_and_targets_are_checked_before_sending(client: AgentOSClient, fake: FakeAgentOS) -> None:
    with pytest.raises(ValueError, match="eval_type must be one of"):
        client.evals.run("vibes", "x", agent_id="assistant")
    with pytest.raises(ValueError, match="exactly one of agent_id or team_id"):
        client.evals.run("accuracy", "x")
    with pytest.raises(ValueError, match="num_iterations"):
        client.evals.run("performance", "x", agent_id="assistant", num_iterations=0)
    assert fake.requests == []
    with pytest.raises(errors.NotFoundError, match="Agent with id 'nope' not found"):
        client.evals.run("accuracy", "x", agent_id="nope", expected_output="y")
    with pytest.raises(errors.BadRequestError, match="expected_output is required"):
        client.evals.run("accuracy", "x", agent_id="assistant")


def test_eval_kinds_and_filters(client: AgentOSClient) -> None:
    from agno.db.schemas.evals import EvalType

    perf = client.evals.run(EvalType.PERFORMANCE, "Hello", agent_id="assistant", num_iterations=2)
    rel = client.evals.run("reliability", "call multiply", agent_id="assistant", expected_tool_calls=["multiply"])
    assert perf is not None and rel is not None
    assert len((perf.eval_data or {})["run_times"]) == 2 and (rel.eval_data or {})["eval_status"] == "PASSED"
    assert [e.eval_type for e in client.evals.list(eval_types=["performance"])] == ["performance"]
    with pytest.raises(errors.NotFoundError, match="Eval run with id 'nope' not found"):
        client.evals.update("nope", "x")


def test_traces_and_errors(client: AgentOSClient) -> None:
    out = client.agents.run("assistant", "What is 2 + 2?", user_id="u1")
    (summary,) = client.traces.list(user_id="u1")
    assert (summary.run_id, summary.agent_id, summary.status) == (out.run_id, "assistant", "OK")
    with pytest.raises(errors.NotFoundError, match="Trace not found"):
        client.traces.get("nope")
    with pytest.raises(errors.NotFoundError, match="Span not found"):
        client.traces.get(summary.trace_id or "", span_id="nope")
    with pytest.raises(ValueError, match="group_by"):
        client.traces.search(group_by="day")
    page = client.traces.search({"op": "AND", "conditions": [{"op": "EQ", "key": "user_id", "value": "u1"}]})
    assert [t.run_id for t in page] == [out.run_id]
    assert client.traces.search({"op": "NOT", "condition": {"op": "EQ", "key": "user_id", "value": "u1"}}).total == 0


def test_metrics_dates_and_status(client: AgentOSClient, fake: FakeAgentOS) -> None:
    client.agents.run("assistant", "Hi")
    today = client.metrics.get().metrics[0].date
    assert today is not None
    assert client.metrics.get(starting_date=date(today.year + 1, 1, 1)).metrics == []
    assert fake.requests[-1].params == {"starting_date": f"{today.year + 1}-01-01"}
    with pytest.raises(TypeError, match=r"datetime\.date"):
        client.metrics.get(starting_date="2026-01-01")  # type: ignore[arg-type]
    client.metrics.refresh()
    assert client.metrics.refresh_status().status == "completed"


def test_migrate_an_unknown_database_is_a_404(client: AgentOSClient, fake: FakeAgentOS) -> None:
    with pytest.raises(errors.NotFoundError, match="No database found with id 'nope'"):
        client.databases.migrate("nope")
    client.databases.migrate("fake-db", target_version="2.0.0")
    assert fake.requests[-1].params == {"target_version": "2.0.0"}


def test_run_previews_filter_by_status_and_unknown_session_is_404(client: AgentOSClient, fake: FakeAgentOS) -> None:
    out = client.agents.run("assistant", "What is 2 + 2?")
    assert client.sessions.run_previews(out.session_id or "", status=["ERROR"]) == []
    assert fake.requests[-1].params == {"status": ["ERROR"]}
    with pytest.raises(errors.NotFoundError, match="Session with ID nope not found"):
        client.sessions.run_previews("nope")


def test_every_answer_keeps_the_fields_it_does_not_declare() -> None:
    def handler(request: Request) -> Response:
        return json_response(200, {"memory_id": "m1", "memory": "x", "new_field": 1})

    client = AgentOSClient("http://t.local", transport=MockTransport(handler))
    assert client.memories.get("m1").model_extra == {"new_field": 1}


def test_agnos_id_keyword_is_taken_for_the_entity_id(fake: FakeAgentOS, client: AgentOSClient) -> None:
    """agno's scripts name the runnable by keyword (``run_agent(agent_id=..., message=...)``)."""
    fake.add_agent("writer")
    fake.add_team("duo", members=["assistant", "writer"])
    fake.add_workflow("pipeline", steps=[("draft", "writer"), ("review", "assistant")])
    out = client.run_agent(agent_id="assistant", message="What is 2 + 2?")
    assert out.content == "2 + 2 = 4."
    assert client.get_agent(agent_id="assistant").id == "assistant"
    assert client.get_agent_run(agent_id="assistant", run_id=out.run_id, session_id=out.session_id).run_id == out.run_id
    assert client.run_team(team_id="duo", message="Plan a trip").run_id
    stream = client.run_workflow_stream(workflow_id="pipeline", message="Draft", background=True)
    assert stream.get_final_output().status == "COMPLETED"
    client.cancel_agent_run(agent_id="assistant", run_id=out.run_id)
    with pytest.raises(TypeError, match="twice"):
        client.run_agent("assistant", agent_id="assistant", message="Hi")
