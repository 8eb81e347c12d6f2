"""Stored components and their config versions (``/components``, ``fake.components`` and
``fake.component_configs``), and the registry (``/registry``, ``fake.registry``)."""

from __future__ import annotations

import re
from typing import Any, Dict

from .._state import _State
from .._wire import _Call, _detail, _Invalid, _invalid, _json, _missing, _no_content, _parse_bool, _Reply
from ._common import Route, body_json, found, limit_page, paged, require

_COMPONENT_TYPES = ("agent", "team", "workflow")
_SLUG = re.compile(r"[^a-z0-9]+")


def _include_deleted(call: _Call) -> bool:
    return _parse_bool(call.q("include_deleted"), False, ["query", "include_deleted"])


def _row(state: _State, component_id: str, include_deleted: bool = False) -> Dict[str, Any]:
    row = state.components.get(component_id)
    if row is not None and row.get("deleted_at") and not include_deleted:
        row = None
    return found(row, f"Component {component_id} not found")


def _conflict(detail: str) -> _Invalid:
    return _Invalid(_detail(409, detail))


def _guard(state: _State, row: Dict[str, Any], guard: Any) -> None:
    """Optimistic concurrency: 409 when the versions differ from what the guard expects."""
    if not isinstance(guard, dict):
        return
    cid = row["component_id"]
    latest = max((c["version"] for c in state.component_configs.get(cid, [])), default=None)
    if guard.get("latest_version") is not None and guard["latest_version"] != latest:
        raise _conflict(f"Component {cid} latest version is {latest}, expected {guard['latest_version']}")
    current = row.get("current_version")
    if guard.get("current_version") is not None and guard["current_version"] != (current or 0):
        raise _conflict(f"Component {cid} current version is {current}, expected {guard['current_version']}")


def _add_config(state: _State, component_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
    configs = state.component_configs.setdefault(component_id, [])
    version = body.get("version") or (max((c["version"] for c in configs), default=0) + 1)
    if any(c["version"] == version for c in configs):
        raise _conflict(f"Config version {version} already exists")
    now = state._now()
    config = {
        "component_id": component_id,
        "version": version,
        "label": body.get("label"),
        "stage": body.get("stage") or "draft",
        "config": body.get("config") or {},
        "notes": body.get("notes"),
        "created_at": now,
        "updated_at": now,
    }
    configs.append(config)
    # only a published config can be the current one (a draft stays a draft)
    if body.get("set_current", True) and config["stage"] == "published":
        state.components[component_id].update(current_version=version, updated_at=now)
    return config


def _config(state: _State, component_id: str, version: str) -> Dict[str, Any]:
    _row(state, component_id)
    configs = state.component_configs.get(component_id, [])
    config = next((c for c in configs if str(c["version"]) == version), None)
    return found(config, f"Config version {version} not found for component {component_id}")


def list_components(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    kind = call.q("component_type")
    deleted = _include_deleted(call)
    rows = [
        r
        for r in state.components.values()
        if (kind is None or r["component_type"] == kind) and (deleted or not r.get("deleted_at"))
    ]
    return paged(rows, paging)


def create_component(state: _State, call: _Call) -> _Reply:
    body = body_json(call, required=True)
    require(body, "name")
    if body.get("component_type") not in _COMPONENT_TYPES:
        raise _invalid(
            ["body", "component_type"],
            "enum",
            "Input should be 'agent', 'team' or 'workflow'",
            body.get("component_type"),
        )
    component_id = body.get("component_id") or _SLUG.sub("-", body["name"].lower()).strip("-")
    if component_id in state.components:
        return _detail(409, f"Component {component_id} already exists")
    now = state._now()
    state.components[component_id] = {
        "component_id": component_id,
        "component_type": body["component_type"],
        "name": body["name"],
        "description": body.get("description"),
        "metadata": body.get("metadata"),
        "current_version": None,
        "created_at": now,
        "updated_at": now,
    }
    if body.get("config") is not None:
        _add_config(state, component_id, body)
    return _json(201, state.components[component_id])


def get_component(state: _State, call: _Call, component_id: str) -> _Reply:
    return _json(200, _row(state, component_id, _include_deleted(call)))


def update_component(state: _State, call: _Call, component_id: str) -> _Reply:
    row = _row(state, component_id)
    body = body_json(call, required=True)
    _guard(state, row, body.pop("guard", None))
    row.update({k: v for k, v in body.items() if v is not None}, updated_at=state._now())
    return _json(200, row)


def delete_component(state: _State, call: _Call, component_id: str) -> _Reply:
    row = _row(state, component_id)
    expected = call.q("expected_current_version")
    if expected is not None:
        _guard(state, row, {"current_version": int(expected)})
    row["deleted_at"] = state._now()
    return _no_content()


def restore_component(state: _State, call: _Call, component_id: str) -> _Reply:
    row = _row(state, component_id, include_deleted=True)
    row.pop("deleted_at", None)
    return _json(200, row)


def list_configs(state: _State, call: _Call, component_id: str) -> _Reply:
    _row(state, component_id)
    full = _parse_bool(call.q("include_config"), True, ["query", "include_config"])
    configs = sorted(state.component_configs.get(component_id, []), key=lambda c: -c["version"])
    return _json(200, [c if full else dict(c, config={}) for c in configs])


def create_config(state: _State, call: _Call, component_id: str) -> _Reply:
    row = _row(state, component_id)
    body = body_json(call, required=True)
    if not isinstance(body.get("config"), dict):
        raise _missing(["body", "config"])
    _guard(state, row, body.get("guard"))
    return _json(201, _add_config(state, component_id, body))


def current_config(state: _State, call: _Call, component_id: str) -> _Reply:
    row = _row(state, component_id)
    configs = state.component_configs.get(component_id, [])
    if not configs:
        return _detail(404, f"No current config for {component_id}")
    # the current version, or (none published yet) the latest draft, as agno's db answers
    if row.get("current_version"):
        return _json(200, _config(state, component_id, str(row["current_version"])))
    return _json(200, max(configs, key=lambda c: c["version"]))


def get_config(state: _State, call: _Call, component_id: str, version: str) -> _Reply:
    return _json(200, _config(state, component_id, version))


def update_config(state: _State, call: _Call, component_id: str, version: str) -> _Reply:
    config = _config(state, component_id, version)
    body = body_json(call, required=True)
    _guard(state, _row(state, component_id), body.pop("guard", None))
    if config["stage"] == "published":
        return _detail(400, f"Config version {version} is published and cannot be changed")
    config.update({k: v for k, v in body.items() if v is not None and k != "links"}, updated_at=state._now())
    return _json(200, config)


def delete_config(state: _State, call: _Call, component_id: str, version: str) -> _Reply:
    config = _config(state, component_id, version)
    if state.components[component_id].get("current_version") == config["version"]:
        return _detail(400, "Cannot delete the current config version")
    state.component_configs[component_id].remove(config)
    return _no_content()


def set_current_config(state: _State, call: _Call, component_id: str, version: str) -> _Reply:
    config = _config(state, component_id, version)
    row = state.components[component_id]
    body = call.request.json if isinstance(call.request.json, dict) else {}
    _guard(state, row, body.get("guard"))
    if config["stage"] != "published":
        return _detail(
            400,
            f"Cannot set draft config {component_id} v{version} as current. Only published configs can be current.",
        )
    row.update(current_version=config["version"], updated_at=state._now())
    return _json(200, row)


def registry(state: _State, call: _Call) -> _Reply:
    paging = limit_page(call)
    kind, name = call.q("resource_type"), (call.q("name") or "").lower()
    rows = [r for r in state.registry if (kind is None or r.get("type") == kind) and name in str(r["name"]).lower()]
    return paged(rows, paging)


_ID = "/components/{component_id}"
_VERSION = f"{_ID}/configs/{{version}}"
ROUTES = (
    Route("GET", "/components", list_components),
    Route("POST", "/components", create_component),
    Route("GET", _ID, get_component),
    Route("PATCH", _ID, update_component),
    Route("DELETE", _ID, delete_component),
    Route("POST", f"{_ID}/restore", restore_component),
    Route("GET", f"{_ID}/configs", list_configs),
    Route("POST", f"{_ID}/configs", create_config),
    Route("GET", f"{_ID}/configs/current", current_config),
    Route("GET", _VERSION, get_config),
    Route("PATCH", _VERSION, update_config),
    Route("DELETE", _VERSION, delete_config),
    Route("POST", f"{_VERSION}/set-current", set_current_config),
    Route("GET", "/registry", registry),
)
