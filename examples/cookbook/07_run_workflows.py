"""Run a workflow: a non-streaming run, then a streaming one (its steps' agent events included).

agno's cookbook ``07_run_workflows.py``, synchronous.
"""

from _common import BASE_URL

from agentos_sync import AgentOSClient, errors


def run_workflow_non_streaming(client: AgentOSClient) -> None:
    print("=" * 60)
    print("Non-Streaming Workflow Run")
    print("=" * 60)
    config = client.get_config()
    if not config.workflows:
        print("No workflows available")
        return
    workflow_id = config.workflows[0].id or ""
    print(f"Running workflow: {workflow_id}")
    try:
        result = client.run_workflow(workflow_id, "What are the benefits of using Python for data science?")
        print(f"\nRun ID: {result.run_id}")
        print(f"Content: {result.content}")
    except errors.APIStatusError as e:
        print(f"Error: {e}")


def run_workflow_streaming(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Streaming Workflow Run")
    print("=" * 60)
    config = client.get_config()
    if not config.workflows:
        print("No workflows available")
        return
    workflow_id = config.workflows[0].id or ""
    print(f"Streaming from workflow: {workflow_id}")
    print("\nResponse: ", end="", flush=True)
    try:
        for event in client.run_workflow_stream(workflow_id, "Explain machine learning in simple terms."):
            content = getattr(event, "content", None)
            # content of the steps' agents (RunContent), or of a workflow's agent step completing
            if content and event.event in ("RunContent", "WorkflowAgentCompleted"):
                print(content, end="", flush=True)
        print("\n")
    except errors.AgentOSError as e:
        print(f"\nError: {type(e).__name__}: {e}")


def main() -> None:
    with AgentOSClient(base_url=BASE_URL) as client:
        run_workflow_non_streaming(client)
        run_workflow_streaming(client)


if __name__ == "__main__":
    main()
