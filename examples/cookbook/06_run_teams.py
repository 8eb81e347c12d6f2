"""Run a team: a non-streaming run, then a streaming one.

agno's cookbook ``06_run_teams.py``, synchronous.
"""

from _common import BASE_URL

from agentos_sync import AgentOSClient, events


def run_team_non_streaming(client: AgentOSClient) -> None:
    print("=" * 60)
    print("Non-Streaming Team Run")
    print("=" * 60)
    config = client.get_config()
    if not config.teams:
        print("No teams available")
        return
    team_id = config.teams[0].id or ""
    print(f"Running team: {team_id}")
    result = client.run_team(team_id, "What is the capital of France and what is 15 * 7?")
    print(f"\nRun ID: {result.run_id}")
    print(f"Content: {result.content}")


def run_team_streaming(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Streaming Team Run")
    print("=" * 60)
    config = client.get_config()
    if not config.teams:
        print("No teams available")
        return
    team_id = config.teams[0].id or ""
    print(f"Streaming from team: {team_id}")
    print("\nResponse: ", end="", flush=True)
    for event in client.run_team_stream(team_id, "Tell me about Python programming in 2 sentences."):
        if isinstance(event, events.TeamRunContentEvent):
            print(event.content, end="", flush=True)
        elif isinstance(event, events.TeamRunCompletedEvent):
            pass
    print("\n")


def main() -> None:
    with AgentOSClient(base_url=BASE_URL) as client:
        run_team_non_streaming(client)
        run_team_streaming(client)


if __name__ == "__main__":
    main()
