"""Basic AgentOSClient usage: connect, read the configuration, describe an agent.

agno's cookbook ``01_basic_client.py``, synchronous. Run: ``python 01_basic_client.py`` (set
AGENTOS_URL for a server other than http://localhost:7777).
"""

from _common import BASE_URL

from agentos_sync import AgentOSClient


def main() -> None:
    with AgentOSClient(base_url=BASE_URL) as client:
        config = client.get_config()
        print(f"Connected to: {config.name or config.os_id}")
        print(f"Available agents: {[a.id for a in (config.agents or [])]}")
        print(f"Available teams: {[t.id for t in (config.teams or [])]}")
        print(f"Available workflows: {[w.id for w in (config.workflows or [])]}")

        if config.agents:
            agent_id = config.agents[0].id or ""
            agent = client.get_agent(agent_id)
            print("\nAgent Details:")
            print(f"  Name: {agent.name}")
            print(f"  Model: {agent.model}")
            print(f"  Tools: {len(getattr(agent, 'tools', None) or [])}")


if __name__ == "__main__":
    main()
