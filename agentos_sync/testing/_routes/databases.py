"""Database migration (``/databases``): the fake has one database, ``fake-db``."""

from __future__ import annotations

from .._state import _State
from .._wire import DB_ID, _Call, _detail, _json, _Reply
from ._common import Route


def migrate(state: _State, call: _Call, db_id: str) -> _Reply:
    if db_id != DB_ID:
        return _detail(404, f"No database found with id '{db_id}'")
    return _json(200, {"message": "Database migrated successfully to latest version"})


def migrate_all(state: _State, call: _Call) -> _Reply:
    target = call.q("target_version")
    version = f"version {target}" if target else "latest version"
    return _json(200, {"message": f"All databases migrated successfully to {version}"})


ROUTES = (
    Route("POST", "/databases/{db_id}/migrate", migrate),
    Route("POST", "/databases/all/migrate", migrate_all),
)
