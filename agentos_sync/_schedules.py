"""``client.schedules``: cron schedules the AgentOS scheduler fires (``/schedules``): create,
list, get, update, delete, enable, disable, trigger now, and their runs. A schedule calls one of the
server's own endpoints (``endpoint``, e.g. ``/agents/assistant/runs``) with ``payload`` on its
``cron_expr``; the server needs ``AgentOS(scheduler=True)`` and a database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from ._http import segment, validate
from ._paging import check_page, load_page, query
from ._resource import APIResource, CallOptions
from .api_models import _Model
from .pagination import SyncPage

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Schedule", "ScheduleRun", "ScheduleState", "Schedules"]


class Schedule(_Model):
    """A stored schedule (agno's ``ScheduleResponse``); times are epoch seconds."""

    id: str
    name: Optional[str] = None
    description: Optional[str] = None
    method: Optional[str] = None
    endpoint: Optional[str] = None
    payload: Optional[Dict[str, Any]] = None
    cron_expr: Optional[str] = None
    timezone: Optional[str] = None
    timeout_seconds: Optional[int] = None
    max_retries: Optional[int] = None
    retry_delay_seconds: Optional[int] = None
    enabled: Optional[bool] = None
    next_run_at: Optional[int] = None
    user_id: Optional[str] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None


class ScheduleState(_Model):
    """What enable/disable answer: the schedule's ``enabled`` and ``next_run_at``."""

    id: str
    name: Optional[str] = None
    enabled: bool
    next_run_at: Optional[int] = None
    updated_at: Optional[int] = None


class ScheduleRun(_Model):
    """One firing of a schedule: ``status`` of the call, and the ``run_id``/``session_id`` it made."""

    id: str
    schedule_id: str
    attempt: Optional[int] = None
    triggered_at: Optional[int] = None
    completed_at: Optional[int] = None
    status: Optional[str] = None
    status_code: Optional[int] = None
    run_id: Optional[str] = None
    session_id: Optional[str] = None
    error: Optional[str] = None


_FIELDS = (
    "name",
    "cron_expr",
    "endpoint",
    "method",
    "description",
    "payload",
    "timezone",
    "timeout_seconds",
    "max_retries",
    "retry_delay_seconds",
)


def _body(arguments: Dict[str, Any]) -> Dict[str, Any]:
    """The JSON of a create or an update: the schedule fields a method was given (its ``locals()``)."""
    return {k: arguments[k] for k in _FIELDS if arguments.get(k) is not None}


class Schedules(APIResource):
    """Cron schedules: ``client.schedules``. Every method also takes ``timeout=`` and ``extra_headers=``.

    Example:
        ```python
        s = client.schedules.create("nightly", "0 3 * * *", "/agents/assistant/runs",
                                    payload={"message": "Summarise the day"})
        run = client.schedules.trigger(s.id)       # fire it now
        print(run.status, run.run_id)
        ```
    """

    name = "schedules"

    def create(
        self,
        name: str,
        cron_expr: str,
        endpoint: str,
        method: str = "POST",
        payload: Optional[Dict[str, Any]] = None,
        description: Optional[str] = None,
        timezone: Optional[str] = None,
        timeout_seconds: Optional[int] = None,
        max_retries: Optional[int] = None,
        retry_delay_seconds: Optional[int] = None,
        **options: Unpack[CallOptions],
    ) -> Schedule:
        """Create a schedule; ``endpoint`` is a path of this server. An invalid cron expression
        or timezone is a ``UnprocessableEntityError`` or ``BadRequestError`` naming it.

        Example:
            ```python
            s = client.schedules.create("hourly", "0 * * * *", "/agents/assistant/runs",
                                        payload={"message": "ping"})
            ```
        """
        body = _body(locals())
        data = self._http.json("POST", ["schedules"], json_body=body, **self._options(options, self.create))
        return validate(Schedule, data, "AgentOS")

    def list(
        self,
        enabled: Optional[bool] = None,
        page: int = 1,
        limit: int = 100,
        **options: Unpack[CallOptions],
    ) -> SyncPage[Schedule]:
        """Schedules (only enabled or disabled ones with ``enabled=``): a page that iterates every page.

        Example:
            ```python
            for s in client.schedules.list(enabled=True):
                print(s.name, s.cron_expr, s.next_run_at)
            ```
        """
        check_page(limit, page)
        opts = self._options(options, self.list)

        def fetch(number: int) -> Any:
            params = query(enabled=enabled, page=number, limit=limit)
            return self._http.json("GET", ["schedules"], params=params, **opts)

        return load_page(Schedule, "GET /schedules", fetch, page)

    def get(self, schedule_id: str, **options: Unpack[CallOptions]) -> Schedule:
        """One schedule; ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.schedules.get(schedule_id).cron_expr)
            ```
        """
        data = self._http.json(
            "GET", ["schedules", segment(schedule_id, "schedule_id")], **self._options(options, self.get)
        )
        return validate(Schedule, data, "AgentOS")

    def update(
        self,
        schedule_id: str,
        name: Optional[str] = None,
        cron_expr: Optional[str] = None,
        endpoint: Optional[str] = None,
        method: Optional[str] = None,
        payload: Optional[Dict[str, Any]] = None,
        description: Optional[str] = None,
        timezone: Optional[str] = None,
        timeout_seconds: Optional[int] = None,
        max_retries: Optional[int] = None,
        retry_delay_seconds: Optional[int] = None,
        **options: Unpack[CallOptions],
    ) -> Schedule:
        """Change the fields given (the others keep their values).

        Example:
            ```python
            client.schedules.update(schedule_id, cron_expr="30 3 * * *")
            ```
        """
        body = _body(locals())
        if not body:
            raise ValueError(f"update needs at least one of {', '.join(_FIELDS)}")
        data = self._http.json(
            "PATCH",
            ["schedules", segment(schedule_id, "schedule_id")],
            json_body=body,
            **self._options(options, self.update),
        )
        return validate(Schedule, data, "AgentOS")

    def delete(self, schedule_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete a schedule.

        Example:
            ```python
            client.schedules.delete(schedule_id)
            ```
        """
        self._http.json(
            "DELETE", ["schedules", segment(schedule_id, "schedule_id")], **self._options(options, self.delete)
        )

    def enable(self, schedule_id: str, **options: Unpack[CallOptions]) -> ScheduleState:
        """Enable a schedule (its ``next_run_at`` is computed again).

        Example:
            ```python
            print(client.schedules.enable(schedule_id).next_run_at)
            ```
        """
        return self._state(schedule_id, "enable", options)

    def disable(self, schedule_id: str, **options: Unpack[CallOptions]) -> ScheduleState:
        """Disable a schedule (a disabled schedule cannot be triggered: ``ConflictError``).

        Example:
            ```python
            client.schedules.disable(schedule_id)
            ```
        """
        return self._state(schedule_id, "disable", options)

    def _state(self, schedule_id: str, verb: str, options: Any) -> ScheduleState:
        data = self._http.json(
            "POST",
            ["schedules", segment(schedule_id, "schedule_id"), verb],
            idempotent=True,
            **self._options(options, getattr(self, verb)),
        )
        return validate(ScheduleState, data, "AgentOS")

    def trigger(self, schedule_id: str, **options: Unpack[CallOptions]) -> ScheduleRun:
        """Fire a schedule now, whatever its cron says: the run it made, once its call answered.

        Example:
            ```python
            run = client.schedules.trigger(schedule_id)
            print(run.status, run.status_code, run.run_id)
            ```
        """
        data = self._http.json(
            "POST",
            ["schedules", segment(schedule_id, "schedule_id"), "trigger"],
            **self._options(options, self.trigger),
        )
        return validate(ScheduleRun, data, "AgentOS")

    def runs(
        self, schedule_id: str, page: int = 1, limit: int = 100, **options: Unpack[CallOptions]
    ) -> SyncPage[ScheduleRun]:
        """A schedule's runs, newest first: a page that iterates every page.

        Example:
            ```python
            for run in client.schedules.runs(schedule_id):
                print(run.triggered_at, run.status)
            ```
        """
        check_page(limit, page)
        opts = self._options(options, self.runs)
        path = ["schedules", segment(schedule_id, "schedule_id"), "runs"]

        def fetch(number: int) -> Any:
            return self._http.json("GET", path, params=query(page=number, limit=limit), **opts)

        return load_page(ScheduleRun, "GET /schedules/{id}/runs", fetch, page)

    def get_run(self, schedule_id: str, run_id: str, **options: Unpack[CallOptions]) -> ScheduleRun:
        """One run of a schedule.

        Example:
            ```python
            print(client.schedules.get_run(schedule_id, run_id).status)
            ```
        """
        data = self._http.json(
            "GET",
            ["schedules", segment(schedule_id, "schedule_id"), "runs", segment(run_id, "run_id")],
            **self._options(options, self.get_run),
        )
        return validate(ScheduleRun, data, "AgentOS")
