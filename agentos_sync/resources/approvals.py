"""``client.approvals``: human approval of paused tool calls (``/approvals``), the back-office side
of human-in-the-loop. A tool marked with agno's ``@approval`` pauses its run and stores a pending
approval; an admin page lists and resolves it here; the run's owner then continues the run with no
tool results (the server applies the resolution), e.g. ``client.agents.continue_run(agent_id,
run_id, session_id=...)``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional

from .._http import TimeoutArg, segment
from .._polling import poll
from ..models import Approval, ApprovalStatus
from ..pagination import SyncPage
from ._base import APIResource, CallOptions, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Approvals"]

_RESOLUTIONS = ("approved", "rejected")


class Approvals(APIResource):
    """Pending and resolved approvals: ``client.approvals``. Every method also takes ``timeout=``
    and ``extra_headers=``.

    Example:
        ```python
        for approval in client.approvals.list(status="pending"):
            client.approvals.resolve(approval.id, "approved", resolved_by="admin")
        ```
    """

    name = "approvals"

    def list(
        self,
        status: Optional[str] = None,
        agent_id: Optional[str] = None,
        team_id: Optional[str] = None,
        workflow_id: Optional[str] = None,
        user_id: Optional[str] = None,
        run_id: Optional[str] = None,
        schedule_id: Optional[str] = None,
        source_type: Optional[str] = None,
        approval_type: Optional[str] = None,
        pause_type: Optional[str] = None,
        page: int = 1,
        limit: int = 100,
        **options: Unpack[CallOptions],
    ) -> SyncPage[Approval]:
        """Approvals, filtered (``status``: pending, approved, rejected, expired, cancelled): a page
        that iterates every page.

        Example:
            ```python
            page = client.approvals.list(status="pending", agent_id="assistant")
            print(page.total, [a.tool_name for a in page.data])
            ```
        """

        return self._page(
            "GET",
            ["approvals"],
            cast_to=Approval,
            page=page,
            limit=limit,
            params=query(
                status=status,
                agent_id=agent_id,
                team_id=team_id,
                workflow_id=workflow_id,
                user_id=user_id,
                run_id=run_id,
                schedule_id=schedule_id,
                source_type=source_type,
                approval_type=approval_type,
                pause_type=pause_type,
                limit=limit,
            ),
            options=options,
        )

    def count(self, user_id: Optional[str] = None, **options: Unpack[CallOptions]) -> int:
        """How many approvals are pending (a badge on an admin menu).

        Example:
            ```python
            print(client.approvals.count(), "approvals waiting")
            ```
        """
        data = self._get(["approvals", "count"], params=query(user_id=user_id), options=options)
        return int(data["count"]) if isinstance(data, dict) else int(data)

    def get(self, approval_id: str, **options: Unpack[CallOptions]) -> Approval:
        """One approval; ``NotFoundError`` when unknown.

        Example:
            ```python
            approval = client.approvals.get(approval_id)
            print(approval.tool_name, approval.tool_args, approval.status)
            ```
        """
        return self._get(["approvals", segment(approval_id, "approval_id")], cast_to=Approval, options=options)

    def status(self, approval_id: str, **options: Unpack[CallOptions]) -> ApprovalStatus:
        """An approval's status alone (cheaper than `get` for polling).

        Example:
            ```python
            print(client.approvals.status(approval_id).status)
            ```
        """
        return self._get(
            ["approvals", segment(approval_id, "approval_id"), "status"], cast_to=ApprovalStatus, options=options
        )

    def resolve(
        self,
        approval_id: str,
        status: str,
        resolved_by: Optional[str] = None,
        resolution_data: Optional[Dict[str, Any]] = None,
        **options: Unpack[CallOptions],
    ) -> Approval:
        """Approve or reject a pending approval (``status``: ``"approved"`` or ``"rejected"``).
        A second resolution is a ``ConflictError`` (409) that says the approval's current status.

        Example:
            ```python
            client.approvals.resolve(approval_id, "approved", resolved_by="alice@example.com")
            ```
        """
        if status not in _RESOLUTIONS:
            raise ValueError(f"status must be 'approved' or 'rejected', got {status!r}")
        body: Dict[str, Any] = {"status": status}
        if resolved_by is not None:
            body["resolved_by"] = resolved_by
        if resolution_data is not None:
            body["resolution_data"] = dict(resolution_data)
        return self._post(
            ["approvals", segment(approval_id, "approval_id"), "resolve"],
            cast_to=Approval,
            json_body=body,
            options=options,
        )

    def delete(self, approval_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete an approval.

        Example:
            ```python
            client.approvals.delete(approval_id)
            ```
        """
        self._delete(["approvals", segment(approval_id, "approval_id")], options=options)

    def wait(
        self,
        approval_id: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 0.5,
        request_timeout: TimeoutArg = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> ApprovalStatus:
        """Poll until the approval is no longer ``pending``; its status then. ``APITimeoutError``
        when ``timeout`` seconds pass first (the approval stays pending on the server;
        ``request_timeout`` is each poll's own HTTP timeout), as ``agents.wait`` does for runs.

        Example:
            ```python
            if client.approvals.wait(approval_id, timeout=3600).status == "approved":
                client.agents.continue_run("assistant", run_id, session_id=session_id)
            ```
        """
        options: CallOptions = {"timeout": request_timeout, "extra_headers": extra_headers}
        return poll(
            lambda: self.status(approval_id, **options),
            lambda current: current.status != "pending",
            lambda _: (
                f"Approval {approval_id} is still pending after {timeout}s; wait again, or resolve it "
                "(client.approvals.resolve)."
            ),
            timeout=timeout,
            poll_interval=poll_interval,
            sleep=sleep,
        )
