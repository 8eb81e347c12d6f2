"""Search the knowledge base: its config, its content, a search.

agno's cookbook ``05_knowledge_search.py``, synchronous. On an AgentOS without a knowledge base
step 1 prints the server's explanation and the script stops.
"""

from _common import BASE_URL

from agentos_sync import AgentOSClient, errors


def main() -> None:
    client = AgentOSClient(base_url=BASE_URL)

    print("=" * 60)
    print("Knowledge Search")
    print("=" * 60)

    print("\n1. Getting knowledge config...")
    try:
        config = client.get_knowledge_config()
        print(f"   Available readers: {list(config.readers or {})}")
        print(f"   Available chunkers: {list(config.chunkers or {})}")
    except errors.APIStatusError as e:
        print(f"   Knowledge not configured: {e}")
        return

    print("\n2. Listing content...")
    content = client.list_knowledge_content()
    print(f"   Found {len(content.data)} content items")
    for item in content.data[:5]:
        print(f"   - {item.id}: {item.name or 'Unnamed'}")

    print("\n3. Searching knowledge base...")
    results = client.search_knowledge(query="What is Agno?", limit=5)
    print(f"   Found {len(results.data)} results")
    for result in results.data:
        # agno's VectorSearchResult has no `score`; reranking_score is set when a reranker ran
        print(f"   - Score: {result.reranking_score if result.reranking_score is not None else 'N/A'}")
        print(f"     Content: {str(result.content)[:100]}...")
    client.close()


if __name__ == "__main__":
    main()
