"""Upload content to the knowledge base, check its processing, list it, search it.

agno's cookbook ``09_upload_content.py``, synchronous. agno's script calls ``get_content_status``,
``list_content`` and ``delete_content``, which its client does not have; the names are
``get_knowledge_content_status``, ``list_knowledge_content`` and ``delete_knowledge_content``.
``file=`` also takes a path, bytes or an open binary file.
"""

from _common import BASE_URL

from agentos_sync import AgentOSClient, errors

CONTENT = """
# Agno Framework Guide

Agno is a powerful framework for building AI agents and teams.

## Key Features
- Agent creation with custom tools
- Team coordination for complex tasks
- Workflow automation
- Knowledge base integration
- Memory management

## Getting Started
1. Install agno: uv pip install agno
2. Create an agent with a model
3. Add tools for specific capabilities
4. Deploy with AgentOS
"""


def upload_text_content(client: AgentOSClient) -> None:
    print("=" * 60)
    print("Uploading Text Content")
    print("=" * 60)
    try:
        print("Uploading text content...")
        result = client.upload_knowledge_content(
            text_content=CONTENT, name="Agno Guide", description="A guide to the Agno framework"
        )
        print("\nUpload successful!")
        print(f"Content ID: {result.id}")
        print(f"Status: {result.status}")
        if result.id:
            print("\nChecking processing status...")
            # beyond agno: wait (bounded) until the server has processed it
            status = client.knowledge.wait(result.id, timeout=60)
            print(f"Status: {status.status}")
            print(f"Message: {status.status_message}")
    except errors.APIStatusError as e:
        print(f"Error uploading: {e}")


def list_uploaded_content(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Listing Uploaded Content")
    print("=" * 60)
    content = client.list_knowledge_content()
    print(f"\nFound {len(content.data)} content items")
    for item in content.data:
        print(f"\n- ID: {item.id}")
        print(f"  Name: {item.name}")
        print(f"  Status: {item.status}")
        print(f"  Type: {item.type}")


def search_uploaded_content(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Searching Knowledge Base")
    print("=" * 60)
    results = client.search_knowledge(query="What is Agno?", limit=5)
    print(f"\nFound {len(results.data)} results")
    for result in results.data:
        print(f"\n- Content: {str(result.content)[:150]}...")


def delete_content(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Deleting Content")
    print("=" * 60)
    content = client.list_knowledge_content()
    if not content.data:
        print("No content to delete")
        return
    content_id = content.data[0].id or ""
    print(f"Deleting content: {content_id}")
    client.delete_knowledge_content(content_id)
    print("Content deleted successfully")
    content_after = client.list_knowledge_content()
    print(f"Remaining content items: {len(content_after.data)}")


def main() -> None:
    with AgentOSClient(base_url=BASE_URL) as client:
        upload_text_content(client)
        list_uploaded_content(client)
        search_uploaded_content(client)
        # Uncomment to test deletion:
        # delete_content(client)


if __name__ == "__main__":
    main()
