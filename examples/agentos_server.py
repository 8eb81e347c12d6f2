"""A real AgentOS in five minutes: agno's own ``AgentOS`` on http://127.0.0.1:7777, serving what
every example of this repository needs, for agentos_sync (or anything else) to talk to.

    python -m pip install ".[cli,agentos]"
    python examples/agentos_server.py                       # a deterministic fake model, no key
    AGENTOS_MODEL=openai:gpt-4o-mini OPENAI_API_KEY=sk-... python examples/agentos_server.py

What it serves (the cookbook scripts of ``examples/cookbook`` each find what they need):

- agent ``assistant``: no tools; stores its runs and events (what ``/resume`` replays).
- agent ``confirmer``: tool ``dangerous_action`` needs the user's confirmation, so a run that calls
  it pauses (RunPaused) until ``/continue`` confirms or rejects it (cookbook 12). The fake model
  calls it when the message holds ``[call_tool=dangerous_action]``; a real one when asked to.
- team ``duo`` (members ``researcher`` and ``editor``) and workflow ``pipeline`` (steps ``draft``
  by agent ``writer``, then ``review`` by ``assistant``): cookbooks 06 and 07.
- a knowledge base, ``example-knowledge`` (Qdrant in local mode: files beside the database, no
  server), for uploads and search (cookbooks 05 and 09). Its embeddings come from the fake model's
  server, or, with ``AGENTOS_MODEL``, from OpenAI (``OPENAI_API_KEY``).

``AGENTOS_MODEL`` (or ``--model``) is any model string agno knows, ``provider:model_id``
(``openai:gpt-4o-mini``, ``anthropic:claude-sonnet-4-5``, ...; the provider's own SDK and key are
yours to install and set). Without it the agents talk to ``agentos_sync.testing.FakeLLM``, an
OpenAI-compatible server started here on a loopback port: it answers "2 + 2 = 4." to a question
about 2 + 2 and "Hello from the fake model." otherwise, with no network and no key.

Runs and their events are stored in a SQLite file (``AGENTOS_DB``, default ``agentos.db`` in the
current folder). ``--port`` / ``AGENTOS_PORT`` (7777), ``OS_SECURITY_KEY`` (then clients need
``api_key=``) are read too. Listens on 127.0.0.1 only; the "AgentOS serving ..." line is printed
once it accepts connections. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, List, Optional, Tuple

# No telemetry call from an example server (and on a machine without network it would only add a
# connect timeout to the start-up).
os.environ.setdefault("AGNO_TELEMETRY", "false")


def build_agent_os(model: Any, db_file: str, embedder: Any) -> Any:
    """The AgentOS: the agents, team, workflow and knowledge base the examples use, all storing
    their runs and events in one SQLite file, so background runs can resume."""
    from agno.agent import Agent
    from agno.db.sqlite import SqliteDb
    from agno.os import AgentOS
    from agno.team import Team
    from agno.tools import tool
    from agno.workflow import Step, Workflow

    db = SqliteDb(db_file=db_file)

    @tool(requires_confirmation=True)
    def dangerous_action() -> str:
        """Do something irreversible (needs the user's confirmation)."""
        return "dangerous action done"

    def agent(agent_id: str, **kwargs: Any) -> Any:
        return Agent(id=agent_id, name=agent_id.title(), model=model, db=db, markdown=False, telemetry=False, **kwargs)

    assistant = agent("assistant", store_events=True)
    writer = agent("writer", store_events=True)
    duo = Team(
        id="duo",
        name="Duo",
        members=[agent("researcher"), agent("editor")],
        model=model,
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
    try:
        knowledge = [local_knowledge("example-knowledge", db, db_file + ".qdrant", embedder)]
    except RuntimeError as exc:  # Qdrant's local files are locked by another server on this db
        print(f"no knowledge base: {exc} (give this server its own AGENTOS_DB)", file=sys.stderr)
        knowledge = []
    return AgentOS(
        id="agentos-sync-example",
        name="agentos_sync example",
        db=db,
        agents=[assistant, agent("confirmer", tools=[dangerous_action], store_events=True)],
        teams=[duo],
        workflows=[pipeline],
        knowledge=knowledge or None,
        telemetry=False,
    )


class _AsyncOverSync:
    """An awaitable face over a sync client: every method becomes a coroutine that calls it."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            return attr(*args, **kwargs)

        return call


def local_knowledge(name: str, contents_db: Any, path: str, embedder: Any) -> Any:
    """A knowledge base on Qdrant in local mode (files at ``path``, no server; one process holds
    their lock), its contents listed in ``contents_db``."""
    from agno.knowledge.knowledge import Knowledge
    from agno.vectordb.qdrant import Qdrant

    class LocalQdrant(Qdrant):  # type: ignore[misc]
        """agno opens a sync and an async client; in local mode each would hold its own store (or
        fight over the path's lock), so the async one runs the sync one's methods."""

        @property
        def async_client(self) -> Any:
            return _AsyncOverSync(self.client)

    collection = name.replace("-", "_")
    vectors = LocalQdrant(collection=collection, path=path, embedder=embedder)
    return Knowledge(name=name, description=f"{name}: uploads and search", vector_db=vectors, contents_db=contents_db)


def choose_model(name: Optional[str]) -> Tuple[Any, Any]:
    """The model string as given (and OpenAI's embedder), or an OpenAI-compatible model and
    embedder on a fake server started here."""
    from agno.knowledge.embedder.openai import OpenAIEmbedder

    if name:
        print(f"model: {name}", file=sys.stderr, flush=True)
        return name, OpenAIEmbedder()
    from agno.models.openai import OpenAIChat

    from agentos_sync.testing import FakeLLM

    llm = FakeLLM().start()
    print(f"model: the deterministic fake model on {llm.base_url} (set AGENTOS_MODEL for a real one)", file=sys.stderr)
    model = OpenAIChat(id="fake-model", base_url=llm.base_url, api_key="not-needed", max_retries=0)
    return model, OpenAIEmbedder(id="fake-embedder", dimensions=64, api_key="not-needed", base_url=llm.base_url)


def main(argv: Optional[List[str]] = None) -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Serve a real AgentOS with one agent on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=int(env("AGENTOS_PORT", "7777")))
    parser.add_argument("--model", default=env("AGENTOS_MODEL"), help="provider:model_id; default: the fake model")
    parser.add_argument("--db", default=env("AGENTOS_DB", "agentos.db"), help="SQLite file for runs and events")
    args = parser.parse_args(argv)

    import uvicorn

    model, embedder = choose_model(args.model)
    app = build_agent_os(model, args.db, embedder).get_app()
    banner = (
        f"AgentOS serving on http://127.0.0.1:{args.port}: agents 'assistant' and 'confirmer', "
        "team 'duo', workflow 'pipeline', knowledge base 'example-knowledge'"
    )

    class Server(uvicorn.Server):  # type: ignore[misc]
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:  # listening: a request sent after the line is served, not refused
                print(banner, file=sys.stderr, flush=True)

    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning", timeout_graceful_shutdown=3)
    Server(config).run()


if __name__ == "__main__":
    main()
