"""``client.metrics`` (``/metrics``, ``/metrics/refresh``) and ``client.databases``
(``/databases/{db_id}/migrate``). Parameters are those of agno's ``AgentOSClient`` methods, which
are their one-line aliases on the client."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, List, Optional, Union

from . import errors
from ._http import segment, validate
from ._paging import query
from ._resource import APIResource, CallOptions
from .api_models import DayMetrics, MetricsRefresh, MetricsRefreshStatus, MetricsReport, MigrationResult

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Databases", "Metrics"]


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
        data = self._http.json(
            "GET",
            ["metrics"],
            params=query(starting_date=starting_date, ending_date=ending_date, db_id=db_id, table=table),
            **self._options(options, self.get),
        )
        return validate(MetricsReport, data, "AgentOS")

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
        data = self._http.json(
            "POST", ["metrics", "refresh"], params=params, idempotent=True, **self._options(options, self.refresh)
        )
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
        data = self._http.json(
            "GET",
            ["metrics", "refresh", "status"],
            params=query(db_id=db_id, table=table),
            **self._options(options, self.refresh_status),
        )
        return validate(MetricsRefreshStatus, data, "AgentOS")


class Databases(APIResource):
    """The server's databases: ``client.databases``.

    Example:
        ```python
        client.databases.migrate(client.get_config().databases[0])
        ```
    """

    name = "databases"

    def migrate(
        self,
        db_id: str,
        target_version: Optional[str] = None,
        **options: Unpack[CallOptions],
    ) -> MigrationResult:
        """Migrate a database's schema to ``target_version`` (the latest without one);
        ``NotFoundError`` for an unknown db_id.

        Example:
            ```python
            print(client.databases.migrate("my-db").message)
            ```
        """
        data = self._http.json(
            "POST",
            ["databases", segment(db_id, "db_id"), "migrate"],
            # the route reads target_version from the query (agno's client sends a body it ignores)
            params=query(target_version=target_version),
            idempotent=True,
            **self._options(options, self.migrate),
        )
        return validate(MigrationResult, data if isinstance(data, dict) else {"message": data}, "AgentOS")

    def migrate_all(self, target_version: Optional[str] = None, **options: Unpack[CallOptions]) -> MigrationResult:
        """Migrate every local database of the server; ``failed`` (db_id -> error) and ``skipped``
        (remote databases) are in the result's extra fields when there are any (the server answers
        207 then).

        Example:
            ```python
            result = client.databases.migrate_all()
            print(result.message, getattr(result, "failed", None))
            ```
        """
        data = self._http.json(
            "POST",
            ["databases", "all", "migrate"],
            params=query(target_version=target_version),
            idempotent=True,
            **self._options(options, self.migrate_all),
        )
        return validate(MigrationResult, data if isinstance(data, dict) else {"message": data}, "AgentOS")
