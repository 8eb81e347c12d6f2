"""The AgentOS "Running Agents" guide, synchronously, with agentos_sync (no asyncio).

Four flows:
1. a non-streaming run: run id, content, total tokens;
2. a streaming run, printing content as it arrives;
3. a background streaming run that disconnects after 5 events and resumes via /resume;
4. a background streaming run whose connection is cut twice: the client resumes by itself and
   the loop sees every event exactly once.

Usage:
    python examples/run_agents.py                      # against an embedded fake AgentOS
    python examples/run_agents.py --base-url http://localhost:7777 [--api-key KEY]
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Iterator, List, Optional

from agentos_sync import AgentOSClient, events


def run_agent_non_streaming(client: AgentOSClient, agent_id: str) -> None:
    print("=" * 60)
    print("Non-Streaming Agent Run")
    print("=" * 60)
    result = client.run_agent(agent_id, "What is 2 + 2? Explain your answer briefly.")
    print(f"\nRun ID: {result.run_id}")
    print(f"Content: {result.content}")
    print(f"Tokens: {result.metrics.total_tokens if result.metrics else 'N/A'}")


def run_agent_streaming(client: AgentOSClient, agent_id: str) -> None:
    print("\n" + "=" * 60)
    print("Streaming Agent Run")
    print("=" * 60)
    print("\nResponse: ", end="", flush=True)
    for event in client.run_agent_stream(agent_id, "Tell me a short joke."):
        if isinstance(event, events.RunContentEvent) and event.content:
            print(event.content, end="", flush=True)
        elif isinstance(event, events.RunCompletedEvent):
            print("\n\n[run completed]")


def run_agent_background_resume(client: AgentOSClient, agent_id: str) -> None:
    print("\n" + "=" * 60)
    print("Background Streaming Run: disconnect after 5 events, then resume")
    print("=" * 60)
    received: List[str] = []
    with client.run_agent_stream(agent_id, "Count from one to ten.", background=True) as stream:
        for event in stream:
            print(f"  [{event.event_index}] {event.event}")
            if isinstance(event, events.RunContentEvent) and event.content:
                received.append(str(event.content))
            if stream.last_event_index is not None and stream.last_event_index >= 4:
                break
        run_id, session_id, last = stream.run_id, stream.session_id, stream.last_event_index
    print(f"\nDisconnected after event_index {last} (run {run_id}); the run goes on on the server.")
    assert run_id is not None
    print("Resuming...")
    resumed = client.resume_run_stream(agent_id, run_id, last_event_index=last, session_id=session_id)
    for event in resumed:
        if isinstance(event, events.StreamMetaEvent):
            print(f"  <{event.event}> {event.message or ''}")
            continue
        print(f"  [{event.event_index}] {event.event}")
        if isinstance(event, events.RunContentEvent) and event.content:
            received.append(str(event.content))
        elif isinstance(event, events.RunCompletedEvent):
            print(f"\nContent: {event.content}")
            print(f"Joined from stream: {''.join(received)}")


def run_agent_auto_resume(client: AgentOSClient, agent_id: str, cuts: Optional[object]) -> None:
    print("\n" + "=" * 60)
    print("Background Streaming Run: transparent auto-resume")
    print("=" * 60)
    indices: List[int] = []
    text: List[str] = []
    stream = client.run_agent_stream(
        agent_id,
        "Write two sentences about resumable streams.",
        background=True,
        on_reconnect=lambda meta: print(f"  (reconnected: <{meta.event}> {meta.message or ''})"),
    )
    for event in stream:
        if event.event_index is not None:
            indices.append(event.event_index)
        if isinstance(event, events.RunContentEvent) and event.content:
            text.append(str(event.content))
    final = stream.terminal_event
    print(f"Events: {len(indices)}, in order and unique: {indices == sorted(set(indices))}")
    print(f"Reconnects: {stream.reconnects}")
    print(f"Joined content equals RunCompleted content: {final is not None and ''.join(text) == final.content}")


@contextlib.contextmanager
def _embedded_server() -> Iterator[tuple[str, object]]:
    """A fake AgentOS on loopback, so the example runs without a real server."""
    from agentos_sync.testing import FakeAgentOS

    fake = FakeAgentOS()
    with fake.serve() as server:
        yield server.url, fake


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="a real AgentOS (default: an embedded fake server)")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--agent-id", default=None, help="default: the first agent in /config")
    args = parser.parse_args(argv)

    with contextlib.ExitStack() as stack:
        fake: Optional[object] = None
        if args.base_url:
            base_url = args.base_url
        else:
            base_url, fake = stack.enter_context(_embedded_server())
            print(f"(embedded fake AgentOS at {base_url})")
        client = stack.enter_context(AgentOSClient(base_url, api_key=args.api_key))
        config = client.get_config()
        if not config.agents:
            raise SystemExit("No agents available")
        agent_id = args.agent_id or config.agents[0].id or "assistant"
        print(f"Running agent: {agent_id}")
        run_agent_non_streaming(client, agent_id)
        run_agent_streaming(client, agent_id)
        run_agent_background_resume(client, agent_id)
        if fake is not None:
            # Cut the next two stream connections mid-body, as a flaky proxy would.
            fake.faults.cut(after_events=4, times=2, path="/runs")  # type: ignore[attr-defined]
        run_agent_auto_resume(client, agent_id, fake)


if __name__ == "__main__":
    main()
