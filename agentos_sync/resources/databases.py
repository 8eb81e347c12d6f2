"""``client.databases``: ``/databases/{db_id}/migrate``. Parameters are those of agno's
``AgentOSClient`` methods, which are their one-line aliases on the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional

from .._http import segment, validate
from ..models import MigrationResult
from ._base import APIResource, CallOptions, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Databases"]


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
        return self._migrate(["databases", segment(db_id, "db_id"), "migrate"], target_version, options)

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
        return self._migrate(["databases", "all", "migrate"], target_version, options)

    def _migrate(self, path: List[str], target_version: Optional[str], options: Any) -> MigrationResult:
        # The server answers a bare string on some versions: it is the result's message.
        data = self._post(path, params=query(target_version=target_version), idempotent=True, options=options)
        return validate(MigrationResult, data if isinstance(data, dict) else {"message": data}, "AgentOS")
