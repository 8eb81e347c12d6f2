"""``client.queue``: the durable job queue's operator surface (``/queue/jobs``, ``/queue/stats``),
on a server with ``QueueConfig(durable=True)``: list jobs (a failed one is the dead-letter queue),
inspect one, requeue it, read the queue's health. Without the durable queue the server answers 503
on every ``/queue`` route (an ``InternalServerError`` whose message, agno's, says what to configure)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

from .. import errors
from .._http import segment
from ..models import QueueJob
from ..pagination import SyncPage, check_page, load_page
from ._base import APIResource, CallOptions, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Queue"]


def _values(value: Union[str, Sequence[str], None], name: str) -> Optional[List[str]]:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    out = [str(v) for v in value]
    if not out:
        raise ValueError(f"{name} must not be empty")
    return out


class Queue(APIResource):
    """Durable-queue jobs: ``client.queue``. Every method also takes ``timeout=`` and ``extra_headers=``.

    Example:
        ```python
        for job in client.queue.list(status="failed"):        # the dead letters
            client.queue.requeue(job.id)
        print(client.queue.stats())
        ```
    """

    name = "queue"

    def list(
        self,
        status: Union[str, Sequence[str], None] = None,
        session_id: Union[str, Sequence[str], None] = None,
        user_id: Optional[str] = None,
        page: int = 1,
        limit: int = 20,
        sort_by: Optional[str] = None,
        sort_order: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> SyncPage[QueueJob]:
        """Jobs, newest first, filtered by one or several ``status`` and ``session_id``: a page that
        iterates every page.

        Example:
            ```python
            page = client.queue.list(status=["queued", "running"])
            print(page.total, [j.component_id for j in page.data])
            ```
        """
        check_page(limit, page)
        statuses, sessions = _values(status, "status"), _values(session_id, "session_id")
        opts = self._options(options)

        def fetch(number: int) -> Any:
            params: Dict[str, Any] = query(
                user_id=user_id, page=number, limit=limit, sort_by=sort_by, sort_order=sort_order
            )
            if statuses:
                params["status"] = statuses
            if sessions:
                params["session_id"] = sessions
            return self._http.json("GET", ["queue", "jobs"], params=params, **opts)

        return load_page(QueueJob, "GET /queue/jobs", fetch, page)

    def get(self, job_id: str, **options: Unpack[CallOptions]) -> QueueJob:
        """One job (its id is its run's run_id); ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.queue.get(run_id).status)
            ```
        """
        return self._get(["queue", "jobs", segment(job_id, "job_id")], cast_to=QueueJob, options=options)

    def requeue(
        self, job_id: str, clear_cancellation: bool = False, force: bool = False, **options: Unpack[CallOptions]
    ) -> QueueJob:
        """Put a failed (or, with ``force=True``, a stuck) job back in the queue; a job that is not
        requeueable is a ``BadRequestError`` that says so.

        Example:
            ```python
            job = client.queue.requeue(job_id)
            print(job.status)          # queued
            ```
        """
        params = query(clear_cancellation=clear_cancellation or None, force=force or None)
        return self._post(
            ["queue", "jobs", segment(job_id, "job_id"), "requeue"], cast_to=QueueJob, params=params, options=options
        )

    def stats(self, **options: Unpack[CallOptions]) -> Dict[str, Any]:
        """Job counts by status and the oldest queued job's age: what to alert on.

        Example:
            ```python
            stats = client.queue.stats()
            print(stats)
            ```
        """
        data = self._get(["queue", "stats"], options=options)
        if not isinstance(data, dict):
            raise errors.ProtocolError(f"GET /queue/stats did not answer an object: {str(data)[:200]!r}")
        return data
