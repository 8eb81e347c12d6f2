"""``client.schedules``: cron schedules the AgentOS scheduler fires (``/schedules``): create,
list, get, update, delete, enable, disable, trigger now, and their runs. A schedule calls one of the
server's own endpoints (``endpoint``, e.g. ``/agents/assistant/runs``) with ``payload`` on its
``cron_expr``; the server needs ``AgentOS(scheduler=True)`` and a database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from .._http import segment
from ..models import Schedule, ScheduleRun, ScheduleState
from ..pagination import SyncPage
from ._base import APIResource, CallOptions, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Schedules"]


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
        return self._post(["schedules"], cast_to=Schedule, json_body=body, options=options)

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

        return self._page(
            "GET",
            ["schedules"],
            cast_to=Schedule,
            page=page,
            limit=limit,
            params=query(enabled=enabled, limit=limit),
            options=options,
        )

    def get(self, schedule_id: str, **options: Unpack[CallOptions]) -> Schedule:
        """One schedule; ``NotFoundError`` when unknown.

        Example:
            ```python
            print(client.schedules.get(schedule_id).cron_expr)
            ```
        """
        return self._get(["schedules", segment(schedule_id, "schedule_id")], cast_to=Schedule, options=options)

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
        return self._patch(
            ["schedules", segment(schedule_id, "schedule_id")], cast_to=Schedule, json_body=body, options=options
        )

    def delete(self, schedule_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete a schedule.

        Example:
            ```python
            client.schedules.delete(schedule_id)
            ```
        """
        self._delete(["schedules", segment(schedule_id, "schedule_id")], options=options)

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
        return self._post(
            ["schedules", segment(schedule_id, "schedule_id"), verb],
            cast_to=ScheduleState,
            idempotent=True,
            options=options,
        )

    def trigger(self, schedule_id: str, **options: Unpack[CallOptions]) -> ScheduleRun:
        """Fire a schedule now, whatever its cron says: the run it made, once its call answered.

        Example:
            ```python
            run = client.schedules.trigger(schedule_id)
            print(run.status, run.status_code, run.run_id)
            ```
        """
        return self._post(
            ["schedules", segment(schedule_id, "schedule_id"), "trigger"], cast_to=ScheduleRun, options=options
        )

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
        path = ["schedules", segment(schedule_id, "schedule_id"), "runs"]

        return self._page(
            "GET", path, cast_to=ScheduleRun, page=page, limit=limit, params=query(limit=limit), options=options
        )

    def get_run(self, schedule_id: str, run_id: str, **options: Unpack[CallOptions]) -> ScheduleRun:
        """One run of a schedule.

        Example:
            ```python
            print(client.schedules.get_run(schedule_id, run_id).status)
            ```
        """
        return self._get(
            ["schedules", segment(schedule_id, "schedule_id"), "runs", segment(run_id, "run_id")],
            cast_to=ScheduleRun,
            options=options,
        )
