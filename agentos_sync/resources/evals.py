"""``client.evals``: the ``/eval-runs`` endpoints. Parameters (names and order) are those of agno's
``AgentOSClient`` eval methods, which are their one-line aliases on the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

from .._http import segment, validate
from ..models import EvalRun
from ..pagination import SyncPage
from ._base import APIResource, CallOptions, id_list, non_empty, query, text

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Evals"]

#: The eval types agno 3.1.10 runs (``agno.db.schemas.evals.EvalType`` values).
EVAL_TYPES = ("accuracy", "agent_as_judge", "performance", "reliability")


def _eval_type(value: Any) -> str:
    name = text(value).lower()
    if name not in EVAL_TYPES:
        raise ValueError(f"eval_type must be one of {', '.join(EVAL_TYPES)}, got {value!r}")
    return name


class Evals(APIResource):
    """Evaluations: ``client.evals``. Every method also takes ``timeout=`` and ``extra_headers=``.

    Example:
        ```python
        run = client.evals.run("accuracy", "What is 2 + 2?", agent_id="assistant", expected_output="4")
        print(run.id, run.eval_data)
        for e in client.evals.list(agent_id="assistant"):
            print(e.id, e.eval_type)
        ```
    """

    name = "evals"

    def run(
        self,
        eval_type: Any,
        input_text: str,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        model_id: Optional[str] = None,
        model_provider: Optional[str] = None,
        expected_output: Optional[str] = None,
        expected_tool_calls: Optional[Sequence[str]] = None,
        allow_additional_tool_calls: bool = False,
        expected_tool_call_arguments: Optional[Dict[str, Union[Dict[str, Any], List[Dict[str, Any]]]]] = None,
        num_iterations: int = 1,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> Optional[EvalRun]:
        """Run an eval on an agent or a team (``eval_type``: accuracy, agent_as_judge, performance,
        reliability; a str or agno's ``EvalType``). None when the server stores no result.

        Example:
            ```python
            run = client.evals.run("performance", "Hello", agent_id="assistant", num_iterations=2)
            ```
        """
        if (agent_id is None) == (team_id is None):
            raise ValueError("run_eval needs exactly one of agent_id or team_id")
        if isinstance(num_iterations, bool) or not isinstance(num_iterations, int) or num_iterations < 1:
            raise ValueError(f"num_iterations must be an int >= 1, got {num_iterations!r}")
        body: Dict[str, Any] = {
            "eval_type": _eval_type(eval_type),
            "input": input_text,
            "agent_id": agent_id,
            "team_id": team_id,
            "model_id": model_id,
            "model_provider": model_provider,
            "expected_output": expected_output,
            "expected_tool_calls": list(expected_tool_calls) if expected_tool_calls is not None else None,
            "allow_additional_tool_calls": bool(allow_additional_tool_calls),
            "expected_tool_call_arguments": expected_tool_call_arguments,
            "num_iterations": num_iterations,
        }
        data = self._post(
            ["eval-runs"],
            params=query(db_id=db_id, table=table),
            json_body={k: v for k, v in body.items() if v is not None},
            options=options,
        )
        return None if data is None else validate(EvalRun, data, "AgentOS")

    def list(
        self,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        model_id: Optional[str] = None,
        filter_type: Optional[Any] = None,
        eval_types: Optional[Sequence[Any]] = None,
        limit: int = 20,
        page: int = 1,
        sort_by: str = "created_at",
        sort_order: str = "desc",
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[EvalRun]:
        """Eval runs, filtered: a page that iterates every page lazily. ``filter_type``: agent,
        team or workflow.

        Example:
            ```python
            page = client.evals.list(agent_id="assistant", eval_types=["accuracy"])
            print(page.total, [e.id for e in page.data])
            ```
        """
        types = ",".join(_eval_type(t) for t in eval_types) if eval_types else None

        return self._page(
            "GET",
            ["eval-runs"],
            cast_to=EvalRun,
            page=page,
            limit=limit,
            params=query(
                agent_id=agent_id,
                team_id=team_id,
                workflow_id=workflow_id,
                model_id=model_id,
                type=filter_type,
                eval_types=types,
                limit=limit,
                sort_by=sort_by,
                sort_order=sort_order,
                db_id=db_id,
                table=table,
            ),
            options=options,
        )

    def get(
        self,
        eval_run_id: str,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> EvalRun:
        """One eval run; ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.evals.get(eval_run_id).eval_data)
            ```
        """
        return self._get(
            ["eval-runs", segment(eval_run_id, "eval_run_id")],
            cast_to=EvalRun,
            params=query(db_id=db_id, table=table),
            options=options,
        )

    def update(
        self,
        eval_run_id: str,
        name: str,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> EvalRun:
        """Rename an eval run.

        Example:
            ```python
            client.evals.update(eval_run_id, "baseline accuracy")
            ```
        """
        non_empty(name, "name")
        return self._patch(
            ["eval-runs", segment(eval_run_id, "eval_run_id")],
            cast_to=EvalRun,
            params=query(db_id=db_id, table=table),
            json_body={"name": name},
            idempotent=True,
            options=options,
        )

    def delete_many(
        self,
        eval_run_ids: Sequence[str],
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Delete eval runs.

        Example:
            ```python
            client.evals.delete_many([eval_run_id])
            ```
        """
        self._delete(
            ["eval-runs"],
            params=query(db_id=db_id, table=table),
            json_body={"eval_run_ids": id_list(eval_run_ids, "eval_run_ids")},
            options=options,
        )
