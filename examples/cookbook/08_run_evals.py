"""Evaluations: accuracy, performance and reliability evals on an agent; list them; get one.

agno's cookbook ``08_run_evals.py``, synchronous. ``eval_type`` is a str here (agno's
``EvalType`` works too).
"""

from _common import BASE_URL

from agentos_sync import AgentOSClient, errors


def first_agent(client: AgentOSClient) -> str:
    config = client.get_config()
    return config.agents[0].id or "" if config.agents else ""


def run_accuracy_eval(client: AgentOSClient) -> None:
    print("=" * 60)
    print("Running Accuracy Evaluation")
    print("=" * 60)
    agent_id = first_agent(client)
    if not agent_id:
        print("No agents available")
        return
    print(f"Evaluating agent: {agent_id}")
    try:
        eval_result = client.run_eval(
            agent_id=agent_id, eval_type="accuracy", input_text="What is 2 + 2?", expected_output="4"
        )
        if eval_result:
            print(f"\nEval ID: {eval_result.id}")
            print(f"Eval Type: {eval_result.eval_type}")
            print(f"Eval Data: {eval_result.eval_data}")
        else:
            print("Evaluation returned no result")
    except errors.APIStatusError as e:
        print(f"Error running eval: {e}")


def run_performance_eval(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Running Performance Evaluation")
    print("=" * 60)
    agent_id = first_agent(client)
    if not agent_id:
        print("No agents available")
        return
    print(f"Evaluating agent: {agent_id}")
    try:
        eval_result = client.run_eval(
            agent_id=agent_id, eval_type="performance", input_text="Hello, how are you?", num_iterations=2
        )
        if eval_result:
            print(f"\nEval ID: {eval_result.id}")
            print(f"Eval Type: {eval_result.eval_type}")
            print(f"Performance Data: {eval_result.eval_data}")
        else:
            print("Evaluation returned no result")
    except errors.APIStatusError as e:
        print(f"Error running eval: {e}")


def run_reliability_eval(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Running Reliability Evaluation")
    print("=" * 60)
    agent_id = first_agent(client)
    if not agent_id:
        print("No agents available")
        return
    print(f"Evaluating agent: {agent_id}")
    try:
        eval_result = client.run_eval(
            agent_id=agent_id,
            eval_type="reliability",
            input_text="What is 10 * 5?",
            expected_tool_calls=["multiply"],
            allow_additional_tool_calls=True,
            expected_tool_call_arguments={"multiply": {"a": 10, "b": 5}},
        )
        if eval_result:
            print(f"\nEval ID: {eval_result.id}")
            print(f"Eval Type: {eval_result.eval_type}")
            print(f"Eval Data: {eval_result.eval_data}")
            print(f"Eval Input: {eval_result.eval_input}")
        else:
            print("Evaluation returned no result")
    except errors.APIStatusError as e:
        print(f"Error running eval: {e}")


def list_eval_runs(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Listing Evaluation Runs")
    print("=" * 60)
    evals = client.list_eval_runs()
    print(f"\nFound {len(evals.data)} evaluation runs")
    for eval_run in evals.data[:5]:
        print(f"\n- ID: {eval_run.id}")
        print(f"  Name: {eval_run.name}")
        print(f"  Type: {eval_run.eval_type}")
        print(f"  Agent: {eval_run.agent_id}")


def get_eval_details(client: AgentOSClient) -> None:
    print("\n" + "=" * 60)
    print("Getting Evaluation Details")
    print("=" * 60)
    evals = client.list_eval_runs()
    if not evals.data:
        print("No evaluations found")
        return
    eval_id = evals.data[0].id or ""
    print(f"Getting details for eval: {eval_id}")
    eval_run = client.get_eval_run(eval_id)
    print(f"\nEval ID: {eval_run.id}")
    print(f"Name: {eval_run.name}")
    print(f"Type: {eval_run.eval_type}")
    print(f"Agent ID: {eval_run.agent_id}")
    print(f"Data: {eval_run.eval_data}")


def main() -> None:
    with AgentOSClient(base_url=BASE_URL) as client:
        run_accuracy_eval(client)
        run_performance_eval(client)
        run_reliability_eval(client)
        list_eval_runs(client)
        get_eval_details(client)


if __name__ == "__main__":
    main()
