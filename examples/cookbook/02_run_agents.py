"""Run an agent: a non-streaming run, then a streaming one.

agno's cookbook ``02_run_agents.py``, synchronous.
"""

from _common import BASE_URL

from agentos_sync import AgentOSClient, events


def run_agent_non_streaming(client: AgentOSClient) -> None:
    print("=" * 60)
    print("Non-Streaming Agent Run")
    print("=" * 60)
    config = client.get_config()
    if not config.agents:
        print("No agents available")
        return
    agent_id = config.agents[0].id or ""
    print(f"Running agent: {agent_id}")
    result = client.run_agent(agent_id, "What is 2 + 2? Explain your answer briefly.")
    print(f"\nRun ID: {result.run_id}")
    print(f"Content: {result.content}")
    print(f"Tokens: {result.metrics.total_tokens if result.metrics else 'N/A'}")


def run_agent_streaming(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Streaming Agent Run")
    print("=" * 60)
    config = client.get_config()
    if not config.agents:
        print("No agents available")
        return
    agent_id = config.agents[0].id or ""
    print(f"Streaming from agent: {agent_id}")
    print("\nResponse: ", end="", flush=True)
    full_content = ""
    for event in client.run_agent_stream(agent_id, "Tell me a short joke."):
        if isinstance(event, events.RunContentEvent):
            print(event.content, end="", flush=True)
            full_content += str(event.content or "")
        elif isinstance(event, events.RunCompletedEvent):
            pass  # the run is over; event.run_id is here if needed
    print("\n")


def main() -> None:
    with AgentOSClient(base_url=BASE_URL) as client:
        run_agent_non_streaming(client)
        run_agent_streaming(client)


if __name__ == "__main__":
    main()
