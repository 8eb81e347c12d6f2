"""A real ``agno.os.AgentOS`` (agno 3.1.10) for the integration suite, served by uvicorn.

    python tests/integration/servers/agentos_app.py --port 7777 --db /tmp/it.db \\
        --llm-url http://127.0.0.1:8100/v1 [--security-key KEY] [--redis-url redis://127.0.0.1:6379/0]

Every option also reads an environment variable: AGENTOS_PORT, AGENTOS_DB, AGENTOS_LLM_URL,
OS_SECURITY_KEY, AGENTOS_REDIS_URL, AGENTOS_WORKERS, AGENTOS_DURABLE. Binds 127.0.0.1 only.

``--workers N`` serves with ``uvicorn --workers N`` (the app factory ``create_app`` reads its
configuration from the environment in each worker); ``--durable`` sets
``QueueConfig(durable=True)`` with a RedisDb queue store (needs ``--redis-url``);
``--worker-header`` adds ``x-worker-pid`` to every response, to see which process answered.

What it serves (all models are ``OpenAIChat(id="gpt-fake")`` pointed at the fake LLM, all
components share one SqliteDb file and store their events):

- agent ``assistant`` ("Assistant"): no tools.
- agent ``confirmer`` ("Confirmer"): tool ``dangerous_action`` declared with
  ``@tool(requires_confirmation=True)``; prompt it with ``[call_tool=dangerous_action]`` and the run
  pauses (RunPaused) until ``/continue`` confirms or rejects the call.
- team ``duo`` ("Duo"): members ``researcher`` and ``editor``; the leader answers directly unless
  the prompt asks the fake LLM for a tool call.
- workflow ``pipeline`` ("Pipeline"): step ``draft`` (agent ``writer``), then step ``review``
  (agent ``assistant``).

``--redis-url`` sets ``QueueConfig(redis=URL)``: agno 3.1.10 then wires BOTH the Redis event stream
(``RedisEventStream``, so ``/resume`` works on any replica) and the Redis cancellation manager
(so ``/cancel`` works on any replica) from shared clients (agno/os/job_queue.py
``_apply_coordination``). Replicas must share the same ``--db`` file and ``--redis-url``.

``--areas`` adds what the non-run areas need (the default server has none of it, so its
``/knowledge`` routes are absent, as on any AgentOS without a knowledge base):

- agent ``memo`` ("Memo"): ``update_memory_on_run=True``; a prompt with ``[call_tool=add_memory]``
  makes the memory manager store the prompt's text (the fake LLM fills the tool's arguments).
- agent ``calc`` ("Calc"): tool ``multiply(a, b)``, for reliability evals.
- a knowledge base ``it-knowledge`` on Qdrant in local mode (``qdrant-client``, no server), its
  embeddings from the fake LLM's ``/v1/embeddings``, its contents in the shared SqliteDb.
- tracing (OpenTelemetry spans stored in the db) and so ``/traces``; evals (accuracy judged by
  the fake LLM's structured answer, performance) and metrics work on every server.
- agent ``approver`` ("Approver"): tool ``wire_money`` under agno's ``@approval``; prompt it with
  ``[call_tool=wire_money]`` and the run pauses with a pending approval in ``/approvals`` that an
  admin resolves, after which a ``/continue`` without tools finishes the run.
- agent ``gallery`` ("Gallery"): local media storage beside the db file, so the images a run
  receives are offloaded and served by ``/sessions/{id}/media/{storage_key}``.
- the scheduler (``/schedules``; it fires endpoints on ``http://127.0.0.1:$AGENTOS_PORT``), a
  registry (tool ``multiply``: ``/registry``, ``/components``), learnings (``/learnings``) and
  the A2A interface (``/a2a/agents/assistant``, ``/a2a/agents/approver``, ``/a2a/teams/duo``,
  ``/a2a/workflows/pipeline``).

``OS_SECURITY_KEY`` is read by ``agno.os.settings.AgnoAPISettings`` (pydantic-settings, no
prefix) when AgentOS is constructed; with it set every route but ``/health`` wants
``Authorization: Bearer KEY``.
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

# Never phone home from a test server (there is no network anyway: a telemetry attempt would
# only add a connect timeout to the startup)
os.environ.setdefault("AGNO_TELEMETRY", "false")

OS_ID = "agentos-sync-it"
CONFIRM_TOOL = "dangerous_action"


def build_agent_os(
    db_path: str, llm_url: str, redis_url: Optional[str] = None, durable: bool = False, areas: bool = False
) -> Any:
    """Build the AgentOS. Reads OS_SECURITY_KEY from the environment (agno does)."""
    from agno.agent import Agent
    from agno.db.sqlite import SqliteDb
    from agno.models.openai import OpenAIChat
    from agno.os import AgentOS
    from agno.team import Team
    from agno.tools import tool
    from agno.workflow import Step, Workflow

    db = SqliteDb(db_file=db_path, id="agentos-sync-it-db")

    def model() -> OpenAIChat:
        # max_retries=0: a fault-injected LLM error should surface at once as a RunError
        return OpenAIChat(id="gpt-fake", base_url=llm_url, api_key="fake", max_retries=0, timeout=60)

    @tool(requires_confirmation=True)
    def dangerous_action() -> str:
        """Do something irreversible (needs the user's confirmation)."""
        return "dangerous action done"

    assistant = Agent(id="assistant", name="Assistant", model=model(), db=db, store_events=True, telemetry=False)
    confirmer = Agent(
        id="confirmer",
        name="Confirmer",
        model=model(),
        db=db,
        tools=[dangerous_action],
        store_events=True,
        telemetry=False,
    )
    writer = Agent(id="writer", name="Writer", model=model(), db=db, store_events=True, telemetry=False)
    researcher = Agent(id="researcher", name="Researcher", model=model(), db=db, telemetry=False)
    editor = Agent(id="editor", name="Editor", model=model(), db=db, telemetry=False)
    duo = Team(
        id="duo",
        name="Duo",
        members=[researcher, editor],
        model=model(),
        db=db,
        store_events=True,
        telemetry=False,
    )
    pipeline = Workflow(
        id="pipeline",
        name="Pipeline",
        db=db,
        steps=[Step(name="draft", agent=writer), Step(name="review", agent=assistant)],
        store_events=True,
        telemetry=False,
    )

    agents = [assistant, confirmer]
    knowledge: List[Any] = []
    extras: Dict[str, Any] = {}
    if areas:
        # Models agno builds itself (an accuracy eval's judge is a default OpenAIChat) read the
        # openai client's environment: point them at the fake LLM too.
        os.environ["OPENAI_BASE_URL"] = llm_url
        os.environ.setdefault("OPENAI_API_KEY", "fake")
        agents += _area_agents(model, db)
        knowledge.append(_knowledge(db, db_path, llm_url))
        extras = _ops(agents, duo, pipeline)

    queue = None
    if redis_url or durable:
        from agno.job_queue.config import QueueConfig

        if durable:
            # The durable queue needs a store with the job-queue contract (Postgres or Redis; agno
            # refuses SqliteDb). poll_interval: agno's 1 s default would add up to a second to
            # every run of the suite.
            from agno.db.redis import RedisDb

            if not redis_url:
                raise SystemExit("--durable needs --redis-url (the queue store)")
            store = RedisDb(id="agentos-sync-it-queue", db_url=redis_url, db_prefix="itqueue")
            queue = QueueConfig(redis=redis_url, durable=True, db=store, poll_interval=0.05)
        else:
            queue = QueueConfig(redis=redis_url)

    return AgentOS(
        id=OS_ID,
        name="agentos_sync integration",
        db=db,
        agents=agents,
        teams=[duo],
        workflows=[pipeline],
        knowledge=knowledge or None,
        tracing=areas,
        queue=queue,
        telemetry=False,
        **extras,
    )


def multiply(a: float, b: float) -> str:
    """Multiply two numbers."""
    return str(a * b)


def _area_agents(model: Any, db: Any) -> List[Any]:
    from agno.agent import Agent
    from agno.approval import approval
    from agno.tools import tool

    @approval
    @tool()
    def wire_money(amount: float = 100.0) -> str:
        """Wire money (an admin must approve it first)."""
        return f"wired {amount}"

    memo = Agent(id="memo", name="Memo", model=model(), db=db, update_memory_on_run=True, telemetry=False)
    calc = Agent(id="calc", name="Calc", model=model(), db=db, tools=[multiply], telemetry=False)
    approver = Agent(
        id="approver", name="Approver", model=model(), db=db, tools=[wire_money], store_events=True, telemetry=False
    )
    gallery = Agent(
        id="gallery", name="Gallery", model=model(), db=db, media_storage=_media_storage(db), telemetry=False
    )
    return [memo, calc, approver, gallery]


def _media_storage(db: Any) -> Any:
    """Local media storage beside the db file: the media a run receives is offloaded there, and
    ``GET /sessions/{id}/media/{key}`` serves it back."""
    from agno.media.storage.local import LocalMediaStorage

    return LocalMediaStorage(base_path=str(db.db_file) + ".media")


def _ops(agents: List[Any], team: Any, workflow: Any) -> Dict[str, Any]:
    """What the operator areas need: the scheduler (calling back into this server's own port), a
    registry, and the A2A interface over an agent, the approval agent, the team and the workflow."""
    from agno.os.interfaces.a2a import A2A
    from agno.registry import Registry

    by_id = {a.id: a for a in agents}
    port = os.environ.get("AGENTOS_PORT", "7777")
    return dict(
        scheduler=True,
        scheduler_base_url=f"http://127.0.0.1:{port}",
        registry=Registry(name="it-registry", tools=[multiply]),
        interfaces=[A2A(agents=[by_id["assistant"], by_id["approver"]], teams=[team], workflows=[workflow])],
    )


def _knowledge(db: Any, db_path: str, llm_url: str) -> Any:
    from agno.knowledge.embedder.openai import OpenAIEmbedder

    # The example server's local Qdrant knowledge base (one process holds the files' lock, so no
    # replicas here), its embeddings from the fake LLM's /v1/embeddings.
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
    from agentos_server import local_knowledge

    embedder = OpenAIEmbedder(id="text-embedding-3-small", dimensions=64, api_key="fake", base_url=llm_url)
    return local_knowledge("it-knowledge", db, db_path + ".qdrant", embedder)


def _with_worker_header(app: Any) -> Any:
    """Every response names the process that answered it (``x-worker-pid``): under ``--workers N``
    the tests tell which worker served each resume (plain ASGI, so streams are not buffered)."""
    pid = str(os.getpid()).encode()

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_pid(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []), (b"x-worker-pid", pid)])
            await send(message)

        await app(scope, receive, send_with_pid)

    return wrapped


def create_app() -> Any:
    """The app factory each ``uvicorn --workers N`` process calls: configured from the environment
    (AGENTOS_DB, AGENTOS_LLM_URL, AGENTOS_REDIS_URL, AGENTOS_DURABLE, AGENTOS_WORKER_HEADER)."""
    env = os.environ.get
    redis_url = env("AGENTOS_REDIS_URL") or None
    durable = env("AGENTOS_DURABLE") == "1"
    areas = env("AGENTOS_AREAS") == "1"
    app = build_agent_os(env("AGENTOS_DB", ""), env("AGENTOS_LLM_URL", ""), redis_url, durable, areas).get_app()
    return _with_worker_header(app) if env("AGENTOS_WORKER_HEADER") == "1" else app


def _exit_with_parent() -> None:
    """A killed pytest must not leave servers behind: poll the parent, exit when orphaned."""
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: Optional[List[str]] = None) -> None:
    env = os.environ.get
    ap = argparse.ArgumentParser(description="Serve the integration-test AgentOS on 127.0.0.1.")
    ap.add_argument("--port", type=int, default=int(env("AGENTOS_PORT", "7777")))
    ap.add_argument("--db", default=env("AGENTOS_DB"), help="SQLite file (shared by replicas)")
    ap.add_argument("--llm-url", default=env("AGENTOS_LLM_URL"), help="fake LLM base URL, ending in /v1")
    ap.add_argument("--security-key", default=None, help="sets OS_SECURITY_KEY")
    ap.add_argument("--redis-url", default=env("AGENTOS_REDIS_URL") or None)
    ap.add_argument("--workers", type=int, default=int(env("AGENTOS_WORKERS", "1")), help="uvicorn worker processes")
    ap.add_argument(
        "--durable", action="store_true", default=env("AGENTOS_DURABLE") == "1", help="QueueConfig(durable=True)"
    )
    ap.add_argument("--worker-header", action="store_true", help="add x-worker-pid to every response")
    ap.add_argument(
        "--areas", action="store_true", default=bool(env("AGENTOS_AREAS")), help="memory, knowledge, tracing"
    )
    ap.add_argument("--log-level", default=env("AGENTOS_LOG_LEVEL", "warning"))
    ap.add_argument("--exit-with-parent", action="store_true", help="exit when the parent process dies (test fixtures)")
    args = ap.parse_args(argv)
    if args.exit_with_parent:
        _exit_with_parent()
    if not args.db or not args.llm_url:
        ap.error("--db and --llm-url are required (or AGENTOS_DB / AGENTOS_LLM_URL)")
    if args.security_key:
        os.environ["OS_SECURITY_KEY"] = args.security_key

    import uvicorn

    # The worker processes build the app themselves (uvicorn spawns them and imports the factory
    # by name), so the configuration travels in the environment, like a real deployment's.
    os.environ.update(
        AGENTOS_PORT=str(args.port),
        AGENTOS_DB=args.db,
        AGENTOS_LLM_URL=args.llm_url,
        AGENTOS_REDIS_URL=args.redis_url or "",
        AGENTOS_DURABLE="1" if args.durable else "",
        AGENTOS_WORKER_HEADER="1" if args.worker_header else "",
        AGENTOS_AREAS="1" if args.areas else "",
    )
    print(f"AgentOS pid={os.getpid()} on http://127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    common: Any = dict(
        host="127.0.0.1", port=args.port, log_level=args.log_level, access_log=False, timeout_graceful_shutdown=3
    )
    if args.workers > 1:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        uvicorn.run("agentos_app:create_app", factory=True, workers=args.workers, **common)
    else:
        uvicorn.run(create_app(), **common)


if __name__ == "__main__":
    main()
