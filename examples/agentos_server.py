"""A real AgentOS in five minutes: one agent, ``assistant``, served by agno's own ``AgentOS`` on
http://127.0.0.1:7777, for agentos_sync (or anything else) to talk to.

    python -m pip install ".[cli,agentos]"
    python examples/agentos_server.py                       # a deterministic fake model, no key
    AGENTOS_MODEL=openai:gpt-4o-mini OPENAI_API_KEY=sk-... python examples/agentos_server.py

``AGENTOS_MODEL`` (or ``--model``) is any model string agno knows, ``provider:model_id``
(``openai:gpt-4o-mini``, ``anthropic:claude-sonnet-4-5``, ...; the provider's own SDK and key are
yours to install and set). Without it the agent talks to ``agentos_sync.testing.FakeLLM``, an
OpenAI-compatible server started here on a loopback port: it answers "2 + 2 = 4." to a question
about 2 + 2 and "Hello from the fake model." otherwise, with no network and no key.

Runs and their events are stored in a SQLite file (``AGENTOS_DB``, default ``agentos.db`` in the
current folder), which is what lets ``/resume`` replay a background run after a dropped
connection. ``--port`` / ``AGENTOS_PORT`` (7777), ``OS_SECURITY_KEY`` (then clients need
``api_key=``) are read too. Listens on 127.0.0.1 only. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, List, Optional

# No telemetry call from an example server (and on a machine without network it would only add a
# connect timeout to the start-up).
os.environ.setdefault("AGNO_TELEMETRY", "false")


def build_agent_os(model: Any, db_file: str) -> Any:
    """The AgentOS: one agent that stores its runs and events, so background runs can resume."""
    from agno.agent import Agent
    from agno.db.sqlite import SqliteDb
    from agno.os import AgentOS

    db = SqliteDb(db_file=db_file)
    assistant = Agent(
        id="assistant",
        name="Assistant",
        model=model,
        db=db,
        store_events=True,
        markdown=False,
        telemetry=False,
    )
    return AgentOS(id="agentos-sync-example", name="agentos_sync example", agents=[assistant], telemetry=False)


def choose_model(name: Optional[str]) -> Any:
    """The model string as given, or an OpenAI-compatible model on a fake server started here."""
    if name:
        print(f"model: {name}", file=sys.stderr, flush=True)
        return name
    from agno.models.openai import OpenAIChat

    from agentos_sync.testing import FakeLLM

    llm = FakeLLM().start()
    print(f"model: the deterministic fake model on {llm.base_url} (set AGENTOS_MODEL for a real one)", file=sys.stderr)
    return OpenAIChat(id="fake-model", base_url=llm.base_url, api_key="not-needed", max_retries=0)


def main(argv: Optional[List[str]] = None) -> None:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Serve a real AgentOS with one agent on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=int(env("AGENTOS_PORT", "7777")))
    parser.add_argument("--model", default=env("AGENTOS_MODEL"), help="provider:model_id; default: the fake model")
    parser.add_argument("--db", default=env("AGENTOS_DB", "agentos.db"), help="SQLite file for runs and events")
    args = parser.parse_args(argv)

    import uvicorn

    app = build_agent_os(choose_model(args.model), args.db).get_app()
    print(f"AgentOS serving agent 'assistant' on http://127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", timeout_graceful_shutdown=3)


if __name__ == "__main__":
    main()
