"""``client.metrics``: ``/metrics`` and ``/metrics/refresh``. Parameters are those of agno's
``AgentOSClient`` methods, which are their one-line aliases on the client."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, List, Optional, Union

from .. import errors
from .._http import validate
from ..models import DayMetrics, MetricsRefresh, MetricsRefreshStatus, MetricsReport
from ._base import APIResource, CallOptions, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Metrics"]


class Metrics(APIResource):
    """Usage metrics: ``client.metrics``. Every method also takes ``timeout=`` and ``extra_headers=``.

    Example:
        ```python
        client.metrics.refresh()
        for day in client.metrics.get().metrics:
            print(day.date, day.agent_runs_count, day.token_metrics)
        ```
    """

    name = "metrics"

    def get(
        self,
        starting_date: Optional[date] = None,
        ending_date: Optional[date] = None,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> MetricsReport:
        """The daily metrics in a date range (all of them without one).

        Example:
            ```python
            from datetime import date
            report = client.metrics.get(starting_date=date(2026, 1, 1))
            ```
        """
        for name, value in (("starting_date", starting_date), ("ending_date", ending_date)):
            if value is not None and not isinstance(value, date):
                raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
        return self._get(
            ["metrics"],
            cast_to=MetricsReport,
            params=query(starting_date=starting_date, ending_date=ending_date, db_id=db_id, table=table),
            options=options,
        )

    def refresh(
        self,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        background: bool = False,
        **options: Unpack[CallOptions],
    ) -> Union[List[DayMetrics], MetricsRefresh]:
        """Recompute the metrics from the stored runs: the refreshed days, or with
        ``background=True`` the server's acceptance (poll `refresh_status`).

        Example:
            ```python
            days = client.metrics.refresh()
            accepted = client.metrics.refresh(background=True)
            ```
        """
        params = query(db_id=db_id, table=table)
        if background:
            params["background"] = "true"
        data = self._post(["metrics", "refresh"], params=params, idempotent=True, options=options)
        if isinstance(data, list):
            return [validate(DayMetrics, day, "AgentOS") for day in data]
        if not isinstance(data, dict):
            raise errors.ProtocolError("POST /metrics/refresh answered neither a list of days nor a status")
        return validate(MetricsRefresh, data, "AgentOS")

    def refresh_status(
        self,
        db_id: Optional[str] = None,
        table: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> MetricsRefreshStatus:
        """The last refresh: ``idle`` (none since the server started), ``running``, ``completed``, ``failed``.

        Example:
            ```python
            print(client.metrics.refresh_status().status)
            ```
        """
        return self._get(
            ["metrics", "refresh", "status"],
            cast_to=MetricsRefreshStatus,
            params=query(db_id=db_id, table=table),
            options=options,
        )
