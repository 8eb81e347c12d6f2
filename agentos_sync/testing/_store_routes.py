"""The fake AgentOS's stores: components and their config versions (``/components``), the
registry (``/registry``) and learnings (``/learnings``), with agno 3.1.10's paths, status codes,
messages and shapes."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from ._area_routes import _page
from ._extra_routes import _ExtraRoutes
from ._routes import _ID, _ROUTES
from ._wire import _Call, _detail, _Invalid, _invalid, _json, _missing, _no_content, _parse_bool, _Reply

_COMPONENT_TYPES = ("agent", "team", "workflow")
_SLUG = re.compile(r"[^a-z0-9]+")


class _StoreRoutes(_ExtraRoutes):
    """Components, their configs, the registry, learnings."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Stored components, by component_id; their config versions, by component_id.
        self.components: Dict[str, Dict[str, Any]] = {}
        self.component_configs: Dict[str, List[Dict[str, Any]]] = {}
        #: What ``/registry`` lists (``{"name", "type", ...}`` entries); empty by default.
        self.registry: List[Dict[str, Any]] = []
        #: Stored learnings, by learning_id.
        self.learnings: Dict[str, Dict[str, Any]] = {}

    # -- components ------------------------------------------------------------------------------
    def _component_row(self, component_id: str, include_deleted: bool = False) -> Dict[str, Any]:
        row = self.components.get(component_id)
        if row is None or (row.get("deleted_at") and not include_deleted):
            raise _Invalid(_detail(404, f"Component {component_id} not found"))
        return row

    def _guard(self, row: Dict[str, Any], guard: Any) -> None:
        if not isinstance(guard, dict):
            return
        cid = row["component_id"]
        latest = max((c["version"] for c in self.component_configs.get(cid, [])), default=None)
        if guard.get("latest_version") is not None and guard["latest_version"] != latest:
            raise _Invalid(
                _detail(409, f"Component {cid} latest version is {latest}, expected {guard['latest_version']}")
            )
        current = row.get("current_version")
        if guard.get("current_version") is not None and guard["current_version"] != (current or 0):
            raise _Invalid(
                _detail(409, f"Component {cid} current version is {current}, expected {guard['current_version']}")
            )

    def _add_config(self, component_id: str, body: Dict[str, Any]) -> Dict[str, Any]:
        configs = self.component_configs.setdefault(component_id, [])
        version = body.get("version") or (max((c["version"] for c in configs), default=0) + 1)
        if any(c["version"] == version for c in configs):
            raise _Invalid(_detail(409, f"Config version {version} already exists"))
        now = self._now()
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
            self.components[component_id].update(current_version=version, updated_at=now)
        return config

    def _config_or_404(self, component_id: str, version: str) -> Dict[str, Any]:
        self._component_row(component_id)
        for config in self.component_configs.get(component_id, []):
            if str(config["version"]) == version:
                return config
        raise _Invalid(_detail(404, f"Config version {version} not found for component {component_id}"))

    def _h_list_components_store(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        kind = call.q("component_type")
        deleted = _parse_bool(call.q("include_deleted"), False, ["query", "include_deleted"])
        rows = [
            r
            for r in self.components.values()
            if (kind is None or r["component_type"] == kind) and (deleted or not r.get("deleted_at"))
        ]
        return _json(200, _page(rows, limit, page))

    def _h_create_component(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
        if not isinstance(body.get("name"), str):
            raise _missing(["body", "name"])
        if body.get("component_type") not in _COMPONENT_TYPES:
            raise _invalid(
                ["body", "component_type"],
                "enum",
                "Input should be 'agent', 'team' or 'workflow'",
                body.get("component_type"),
            )
        component_id = body.get("component_id") or _SLUG.sub("-", body["name"].lower()).strip("-")
        if component_id in self.components:
            return _detail(409, f"Component {component_id} already exists")
        now = self._now()
        self.components[component_id] = {
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
            self._add_config(component_id, body)
        return _json(201, self.components[component_id])

    def _h_get_component_store(self, call: _Call, component_id: str) -> _Reply:
        deleted = _parse_bool(call.q("include_deleted"), False, ["query", "include_deleted"])
        return _json(200, self._component_row(component_id, deleted))

    def _h_update_component(self, call: _Call, component_id: str) -> _Reply:
        row = self._component_row(component_id)
        body = self._body_json(call, required=True)
        self._guard(row, body.pop("guard", None))
        row.update({k: v for k, v in body.items() if v is not None}, updated_at=self._now())
        return _json(200, row)

    def _h_delete_component(self, call: _Call, component_id: str) -> _Reply:
        row = self._component_row(component_id)
        expected = call.q("expected_current_version")
        if expected is not None:
            self._guard(row, {"current_version": int(expected)})
        row["deleted_at"] = self._now()
        return _no_content()

    def _h_restore_component(self, call: _Call, component_id: str) -> _Reply:
        row = self._component_row(component_id, include_deleted=True)
        row.pop("deleted_at", None)
        return _json(200, row)

    def _h_list_configs(self, call: _Call, component_id: str) -> _Reply:
        self._component_row(component_id)
        full = _parse_bool(call.q("include_config"), True, ["query", "include_config"])
        configs = sorted(self.component_configs.get(component_id, []), key=lambda c: -c["version"])
        return _json(200, [c if full else dict(c, config={}) for c in configs])

    def _h_create_config(self, call: _Call, component_id: str) -> _Reply:
        row = self._component_row(component_id)
        body = self._body_json(call, required=True)
        if not isinstance(body.get("config"), dict):
            raise _missing(["body", "config"])
        self._guard(row, body.get("guard"))
        return _json(201, self._add_config(component_id, body))

    def _h_current_config(self, call: _Call, component_id: str) -> _Reply:
        row = self._component_row(component_id)
        configs = self.component_configs.get(component_id, [])
        if not configs:
            return _detail(404, f"No current config for {component_id}")
        # the current version, or (none published yet) the latest draft, as agno's db answers
        if row.get("current_version"):
            return _json(200, self._config_or_404(component_id, str(row["current_version"])))
        return _json(200, max(configs, key=lambda c: c["version"]))

    def _h_get_config(self, call: _Call, component_id: str, version: str) -> _Reply:
        return _json(200, self._config_or_404(component_id, version))

    def _h_update_config(self, call: _Call, component_id: str, version: str) -> _Reply:
        config = self._config_or_404(component_id, version)
        body = self._body_json(call, required=True)
        self._guard(self._component_row(component_id), body.pop("guard", None))
        if config["stage"] == "published":
            return _detail(400, f"Config version {version} is published and cannot be changed")
        config.update({k: v for k, v in body.items() if v is not None and k != "links"}, updated_at=self._now())
        return _json(200, config)

    def _h_delete_config(self, call: _Call, component_id: str, version: str) -> _Reply:
        config = self._config_or_404(component_id, version)
        if self.components[component_id].get("current_version") == config["version"]:
            return _detail(400, "Cannot delete the current config version")
        self.component_configs[component_id].remove(config)
        return _no_content()

    def _h_set_current_config(self, call: _Call, component_id: str, version: str) -> _Reply:
        config = self._config_or_404(component_id, version)
        row = self.components[component_id]
        body = call.request.json if isinstance(call.request.json, dict) else {}
        self._guard(row, body.get("guard"))
        if config["stage"] != "published":
            return _detail(
                400,
                f"Cannot set draft config {component_id} v{version} as current. Only published configs can be current.",
            )
        row.update(current_version=config["version"], updated_at=self._now())
        return _json(200, row)

    def _h_registry(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        kind, name = call.q("resource_type"), (call.q("name") or "").lower()
        rows = [r for r in self.registry if (kind is None or r.get("type") == kind) and name in str(r["name"]).lower()]
        return _json(200, _page(rows, limit, page))

    # -- learnings -------------------------------------------------------------------------------
    def _learning_or_404(self, learning_id: str) -> Dict[str, Any]:
        learning = self.learnings.get(learning_id)
        if learning is None:
            raise _Invalid(_detail(404, "Learning not found"))
        return learning

    def _h_list_learnings(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call, default_limit=100)
        keys = (
            "learning_type",
            "user_id",
            "agent_id",
            "team_id",
            "session_id",
            "namespace",
            "entity_id",
            "entity_type",
        )
        wanted = {k: call.q(k) for k in keys if call.q(k) is not None}
        rows = sorted(
            (r for r in self.learnings.values() if all(r.get(k) == v for k, v in wanted.items())),
            key=lambda r: (r["updated_at"], r["seq"]),
            reverse=(call.q("sort_order") or "desc") != "asc",
        )
        return _json(200, _page([_public(r) for r in rows], limit, page))

    def _h_create_learning(self, call: _Call) -> _Reply:
        body = self._body_json(call, required=True)
        if not isinstance(body.get("learning_type"), str):
            raise _missing(["body", "learning_type"])
        if not isinstance(body.get("content"), dict):
            raise _missing(["body", "content"])
        now = self._now()
        # agno keys a user-scoped learning by type and user (one profile per user): a second
        # create of the same pair replaces the first
        user = body.get("user_id")
        learning_id = f"{body['learning_type']}_{user}" if user else self._new_id()
        self.learnings[learning_id] = {
            "learning_id": learning_id,
            **{k: body.get(k) for k in ("learning_type", "content", "user_id", "agent_id", "team_id", "session_id")},
            **{k: body.get(k) for k in ("entity_id", "entity_type", "metadata")},
            "namespace": body.get("namespace"),
            "created_at": now,
            "updated_at": now,
            "seq": self._next_seq(),
        }
        return _json(201, _public(self.learnings[learning_id]))

    def _h_get_learning(self, call: _Call, learning_id: str) -> _Reply:
        return _json(200, _public(self._learning_or_404(learning_id)))

    def _h_update_learning(self, call: _Call, learning_id: str) -> _Reply:
        learning = self._learning_or_404(learning_id)
        body = self._body_json(call, required=True)
        if body.get("content") is None and body.get("metadata") is None:
            return _detail(422, "Provide content or metadata to update")
        learning.update({k: body[k] for k in ("content", "metadata") if body.get(k) is not None})
        learning.update(updated_at=self._now(), seq=self._next_seq())
        return _json(200, _public(learning))

    def _h_delete_learning(self, call: _Call, learning_id: str) -> _Reply:
        self._learning_or_404(learning_id)
        del self.learnings[learning_id]
        return _no_content()

    def _h_learning_users(self, call: _Call) -> _Reply:
        limit, page = self._limit_page(call)
        kind, only = call.q("learning_type"), call.q("user_id")
        latest: Dict[str, int] = {}
        for r in self.learnings.values():
            user: Optional[str] = r.get("user_id")
            if user and (kind is None or r["learning_type"] == kind) and (only is None or user == only):
                latest[user] = max(latest.get(user, 0), r["updated_at"])
        rows = [{"user_id": u, "last_learning_updated_at": t} for u, t in sorted(latest.items(), key=lambda x: -x[1])]
        return _json(200, _page(rows, limit, page))

    def _h_delete_learning_user(self, call: _Call, user_id: str) -> _Reply:
        kind = call.q("learning_type")
        for learning_id, r in list(self.learnings.items()):
            if r.get("user_id") == user_id and (kind is None or r["learning_type"] == kind):
                del self.learnings[learning_id]
        return _no_content()


def _public(learning: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in learning.items() if k != "seq"}


_ROUTES.extend(
    [
        (re.compile(r"/components"), {"GET": "_h_list_components_store", "POST": "_h_create_component"}),
        (
            re.compile(rf"/components/{_ID}"),
            {"GET": "_h_get_component_store", "PATCH": "_h_update_component", "DELETE": "_h_delete_component"},
        ),
        (re.compile(rf"/components/{_ID}/restore"), {"POST": "_h_restore_component"}),
        (re.compile(rf"/components/{_ID}/configs"), {"GET": "_h_list_configs", "POST": "_h_create_config"}),
        (re.compile(rf"/components/{_ID}/configs/current"), {"GET": "_h_current_config"}),
        (
            re.compile(rf"/components/{_ID}/configs/{_ID}"),
            {"GET": "_h_get_config", "PATCH": "_h_update_config", "DELETE": "_h_delete_config"},
        ),
        (re.compile(rf"/components/{_ID}/configs/{_ID}/set-current"), {"POST": "_h_set_current_config"}),
        (re.compile(r"/registry"), {"GET": "_h_registry"}),
        (re.compile(r"/learnings"), {"GET": "_h_list_learnings", "POST": "_h_create_learning"}),
        (re.compile(r"/learnings/users"), {"GET": "_h_learning_users"}),
        (re.compile(rf"/learnings/users/{_ID}"), {"DELETE": "_h_delete_learning_user"}),
        (
            re.compile(rf"/learnings/{_ID}"),
            {"GET": "_h_get_learning", "PATCH": "_h_update_learning", "DELETE": "_h_delete_learning"},
        ),
    ]
)
