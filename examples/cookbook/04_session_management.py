"""Sessions: create one, list, inspect, run in it, list its runs, rename, delete.

agno's cookbook ``04_session_management.py``, synchronous.
"""

import os

from _common import BASE_URL

from agentos_sync import AgentOSClient


def main() -> None:
    client = AgentOSClient(base_url=BASE_URL)
    config = client.get_config()
    if not config.agents:
        print("No agents available")
        return
    agent_id = config.agents[0].id or ""
    user_id = os.environ.get("EXAMPLE_USER_ID", "example-user")

    print("=" * 60)
    print("Session Management")
    print("=" * 60)

    print("\n1. Creating a session...")
    session = client.create_session(agent_id=agent_id, user_id=user_id, session_name="My Test Session")
    session_id = session.session_id or ""
    print(f"   Session ID: {session_id}")
    print(f"   Session Name: {session.session_name}")

    print("\n2. Listing sessions...")
    sessions = client.get_sessions(user_id=user_id)
    print(f"   Found {len(sessions.data)} sessions")
    for sess in sessions.data[:5]:
        print(f"   - {sess.session_id}: {sess.session_name or 'Unnamed'}")

    print(f"\n3. Getting session {session_id}...")
    details = client.get_session(session_id)
    runs_so_far = getattr(details, "runs", None)
    print(f"   Agent ID: {details.agent_id}")
    print(f"   User ID: {details.user_id}")
    print(f"   Runs: {len(runs_so_far) if runs_so_far else 0}")

    print("\n4. Running messages in session...")
    # agno 3.1.10 finds a user's session only with that user_id (agno's script omits it and gets a 404)
    client.run_agent(agent_id, "Hello!", session_id=session_id, user_id=user_id)
    client.run_agent(agent_id, "How are you?", session_id=session_id, user_id=user_id)

    print("\n5. Getting session runs...")
    runs = client.get_session_runs(session_id=session_id)
    print(f"   Found {len(runs)} runs in session")
    for run in runs:
        text = str(run.content) if run.content is not None else None
        preview = (text[:50] + "...") if text and len(text) > 50 else text
        print(f"   - {run.run_id}: {preview}")

    print("\n6. Renaming session...")
    renamed = client.rename_session(session_id=session_id, session_name="Renamed Test Session")
    print(f"   New name: {renamed.session_name}")

    print(f"\n7. Deleting session {session_id}...")
    client.delete_session(session_id)
    print("   Session deleted")
    client.close()


if __name__ == "__main__":
    main()
