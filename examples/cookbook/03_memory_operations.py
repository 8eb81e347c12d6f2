"""Manage a user's memories: create, list, get, update, topics, stats, delete.

agno's cookbook ``03_memory_operations.py``, synchronous (the server needs a db; memories are
also what an agent with ``update_memory_on_run=True`` stores).
"""

import os

from _common import BASE_URL

from agentos_sync import AgentOSClient


def main() -> None:
    client = AgentOSClient(base_url=BASE_URL)
    user_id = os.environ.get("EXAMPLE_USER_ID", "example-user")

    print("=" * 60)
    print("Memory Operations")
    print("=" * 60)

    print("\n1. Creating a memory...")
    memory = client.create_memory(
        memory="User prefers dark mode for all applications",
        user_id=user_id,
        topics=["preferences", "ui"],
    )
    print(f"   Created memory: {memory.memory_id}")
    print(f"   Content: {memory.memory}")
    print(f"   Topics: {memory.topics}")

    print("\n2. Listing memories...")
    memories = client.list_memories(user_id=user_id)
    print(f"   Found {len(memories.data)} memories for user {user_id}")
    for mem in memories.data:
        print(f"   - {mem.memory_id}: {(mem.memory or '')[:50]}...")

    print(f"\n3. Getting memory {memory.memory_id}...")
    retrieved = client.get_memory(memory.memory_id or "", user_id=user_id)
    print(f"   Memory: {retrieved.memory}")

    print("\n4. Updating memory...")
    updated = client.update_memory(
        memory_id=memory.memory_id or "",
        memory="User strongly prefers dark mode for all applications and websites",
        user_id=user_id,
        topics=["preferences", "ui", "accessibility"],
    )
    print(f"   Updated memory: {updated.memory}")
    print(f"   Updated topics: {updated.topics}")

    print("\n5. Getting all memory topics...")
    topics = client.get_memory_topics()
    print(f"   Topics: {topics}")

    print("\n6. Getting user memory stats...")
    stats = client.get_user_memory_stats()
    print(f"   Stats: {len(stats.data)} entries")

    print(f"\n7. Deleting memory {memory.memory_id}...")
    client.delete_memory(memory.memory_id or "", user_id=user_id)
    print("   Memory deleted")

    print("\n8. Verifying deletion...")
    memories_after = client.list_memories(user_id=user_id)
    print(f"   Remaining memories: {len(memories_after.data)}")
    client.close()


if __name__ == "__main__":
    main()
