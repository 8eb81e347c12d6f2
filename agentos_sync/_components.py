"""``client.components``: agents, teams and workflows stored as versioned configs in the server's
database (``/components``, AgentOS Studio's store), their config versions, and the registry of
what a stored component may use (``/registry``: tools, models, dbs, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ._http import segment, validate, validate_list
from ._paging import check_page, load_page, query
from ._resource import APIResource, CallOptions
from .api_models import _Model
from .pagination import SyncPage

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Component", "ComponentConfig", "Components", "RegistryEntry"]

_TYPES = ("agent", "team", "workflow")


class Component(_Model):
    """A stored component: ``component_type`` agent, team or workflow; ``current_version`` the
    config version it runs; ``deleted_at`` set once archived."""

    component_id: str
    component_type: Optional[str] = None
    name: Optional[str] = None
    user_id: Optional[str] = None
    description: Optional[str] = None
    current_version: Optional[int] = None
    metadata: Optional[Dict[str, Any]] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None
    deleted_at: Optional[int] = None


class ComponentConfig(_Model):
    """One config version of a component: ``stage`` draft or published; ``config`` its body."""

    component_id: str
    version: int
    label: Optional[str] = None
    stage: Optional[str] = None
    config: Optional[Dict[str, Any]] = None
    notes: Optional[str] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None


class RegistryEntry(_Model):
    """Something the registry offers stored components (``type``: tool, model, db, agent, ...)."""

    name: str
    type: Optional[str] = None
    id: Optional[str] = None
    description: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None


def _version(version: int) -> str:
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError(f"version must be an int >= 0, got {version!r}")
    return str(version)


def _guard(latest_version: Optional[int], current_version: Optional[int]) -> Optional[Dict[str, int]]:
    """agno's compare-and-set guard: the write is refused (409) unless the versions still match."""
    guard = {
        k: v for k, v in (("latest_version", latest_version), ("current_version", current_version)) if v is not None
    }
    return guard or None


def _body(**fields: Any) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class Components(APIResource):
    """Stored components and their config versions: ``client.components``. Every method also takes
    ``timeout=`` and ``extra_headers=``. ``expect_latest=``/``expect_current=`` on a write make it a
    compare-and-set (``ConflictError`` when someone else wrote first).

    Example:
        ```python
        c = client.components.create("Helper", "agent", config={"instructions": "Be brief"})
        client.components.create_config(c.component_id, {"instructions": "Be briefer"}, stage="published")
        print([v.version for v in client.components.configs(c.component_id)])
        ```
    """

    name = "components"

    def _path(self, component_id: str, *rest: str) -> List[str]:
        return ["components", segment(component_id, "component_id"), *rest]

    def list(
        self,
        component_type: Optional[str] = None,
        include_deleted: bool = False,
        page: int = 1,
        limit: int = 20,
        **options: Unpack[CallOptions],
    ) -> SyncPage[Component]:
        """Stored components (of one ``component_type``: agent, team, workflow): a page that
        iterates every page.

        Example:
            ```python
            for c in client.components.list(component_type="agent"):
                print(c.component_id, c.current_version)
            ```
        """
        check_page(limit, page)
        if component_type is not None and component_type not in _TYPES:
            raise ValueError(f"component_type must be one of {', '.join(_TYPES)}, got {component_type!r}")
        opts = self._options(options, self.list)

        def fetch(number: int) -> Any:
            params = query(
                component_type=component_type, include_deleted=include_deleted or None, page=number, limit=limit
            )
            return self._http.json("GET", ["components"], params=params, **opts)

        return load_page(Component, "GET /components", fetch, page)

    def create(
        self,
        name: str,
        component_type: str,
        component_id: Optional[str] = None,
        config: Optional[Dict[str, Any]] = None,
        description: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        label: Optional[str] = None,
        stage: Optional[str] = None,
        notes: Optional[str] = None,
        set_current: Optional[bool] = None,
        **options: Unpack[CallOptions],
    ) -> Component:
        """Store a component (its id derived from ``name`` without ``component_id``), with a first
        config version when ``config`` is given.

        Example:
            ```python
            c = client.components.create("Helper", "agent", config={"instructions": "Be brief"})
            ```
        """
        if component_type not in _TYPES:
            raise ValueError(f"component_type must be one of {', '.join(_TYPES)}, got {component_type!r}")
        body = _body(
            name=name,
            component_type=component_type,
            component_id=component_id,
            config=config,
            description=description,
            metadata=metadata,
            label=label,
            stage=stage,
            notes=notes,
            set_current=set_current,
        )
        data = self._http.json("POST", ["components"], json_body=body, **self._options(options, self.create))
        return validate(Component, data, "AgentOS")

    def get(self, component_id: str, include_deleted: bool = False, **options: Unpack[CallOptions]) -> Component:
        """One component; ``NotFoundError`` when unknown (or archived, without ``include_deleted``).

        Example:
            ```python
            print(client.components.get("helper").current_version)
            ```
        """
        data = self._http.json(
            "GET",
            self._path(component_id),
            params=query(include_deleted=include_deleted or None),
            **self._options(options, self.get),
        )
        return validate(Component, data, "AgentOS")

    def update(
        self,
        component_id: str,
        name: Optional[str] = None,
        description: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        current_version: Optional[int] = None,
        expect_latest: Optional[int] = None,
        expect_current: Optional[int] = None,
        **options: Unpack[CallOptions],
    ) -> Component:
        """Change a component's name, description, metadata or current version.

        Example:
            ```python
            client.components.update("helper", description="Answers briefly")
            ```
        """
        body = _body(
            name=name,
            description=description,
            metadata=metadata,
            current_version=current_version,
            guard=_guard(expect_latest, expect_current),
        )
        data = self._http.json("PATCH", self._path(component_id), json_body=body, **self._options(options, self.update))
        return validate(Component, data, "AgentOS")

    def delete(self, component_id: str, expect_current: Optional[int] = None, **options: Unpack[CallOptions]) -> None:
        """Archive a component (`restore` brings it back).

        Example:
            ```python
            client.components.delete("helper")
            ```
        """
        self._http.json(
            "DELETE",
            self._path(component_id),
            params=query(expected_current_version=expect_current),
            **self._options(options, self.delete),
        )

    def restore(self, component_id: str, **options: Unpack[CallOptions]) -> Component:
        """Bring an archived component back.

        Example:
            ```python
            client.components.restore("helper")
            ```
        """
        data = self._http.json(
            "POST", self._path(component_id, "restore"), idempotent=True, **self._options(options, self.restore)
        )
        return validate(Component, data, "AgentOS")

    def configs(
        self, component_id: str, include_config: bool = True, **options: Unpack[CallOptions]
    ) -> List[ComponentConfig]:
        """Every config version of a component.

        Example:
            ```python
            print([(v.version, v.stage) for v in client.components.configs("helper")])
            ```
        """
        data = self._http.json(
            "GET",
            self._path(component_id, "configs"),
            params=query(include_config=include_config),
            **self._options(options, self.configs),
        )
        return validate_list(ComponentConfig, data, "GET /components/{id}/configs")

    def create_config(
        self,
        component_id: str,
        config: Dict[str, Any],
        version: Optional[int] = None,
        label: Optional[str] = None,
        stage: Optional[str] = None,
        notes: Optional[str] = None,
        links: Optional[List[Dict[str, Any]]] = None,
        set_current: Optional[bool] = None,
        expect_latest: Optional[int] = None,
        expect_current: Optional[int] = None,
        **options: Unpack[CallOptions],
    ) -> ComponentConfig:
        """Add a config version (``stage``: draft or published).

        Example:
            ```python
            v = client.components.create_config("helper", {"instructions": "Be briefer"}, stage="published")
            ```
        """
        body = _body(
            config=config,
            version=version,
            label=label,
            stage=stage,
            notes=notes,
            links=links,
            set_current=set_current,
            guard=_guard(expect_latest, expect_current),
        )
        data = self._http.json(
            "POST", self._path(component_id, "configs"), json_body=body, **self._options(options, self.create_config)
        )
        return validate(ComponentConfig, data, "AgentOS")

    def current_config(self, component_id: str, **options: Unpack[CallOptions]) -> ComponentConfig:
        """The config version the component runs.

        Example:
            ```python
            print(client.components.current_config("helper").config)
            ```
        """
        data = self._http.json(
            "GET", self._path(component_id, "configs", "current"), **self._options(options, self.current_config)
        )
        return validate(ComponentConfig, data, "AgentOS")

    def get_config(self, component_id: str, version: int, **options: Unpack[CallOptions]) -> ComponentConfig:
        """One config version.

        Example:
            ```python
            print(client.components.get_config("helper", 1).stage)
            ```
        """
        data = self._http.json(
            "GET", self._path(component_id, "configs", _version(version)), **self._options(options, self.get_config)
        )
        return validate(ComponentConfig, data, "AgentOS")

    def update_config(
        self,
        component_id: str,
        version: int,
        config: Optional[Dict[str, Any]] = None,
        label: Optional[str] = None,
        stage: Optional[str] = None,
        notes: Optional[str] = None,
        links: Optional[List[Dict[str, Any]]] = None,
        expect_latest: Optional[int] = None,
        expect_current: Optional[int] = None,
        **options: Unpack[CallOptions],
    ) -> ComponentConfig:
        """Change a draft config version (a published one is a ``BadRequestError`` or ``ConflictError``).

        Example:
            ```python
            client.components.update_config("helper", 2, notes="tone down")
            ```
        """
        body = _body(
            config=config,
            label=label,
            stage=stage,
            notes=notes,
            links=links,
            guard=_guard(expect_latest, expect_current),
        )
        data = self._http.json(
            "PATCH",
            self._path(component_id, "configs", _version(version)),
            json_body=body,
            **self._options(options, self.update_config),
        )
        return validate(ComponentConfig, data, "AgentOS")

    def delete_config(self, component_id: str, version: int, **options: Unpack[CallOptions]) -> None:
        """Delete a config version.

        Example:
            ```python
            client.components.delete_config("helper", 2)
            ```
        """
        self._http.json(
            "DELETE",
            self._path(component_id, "configs", _version(version)),
            **self._options(options, self.delete_config),
        )

    def set_current_config(
        self,
        component_id: str,
        version: int,
        expect_latest: Optional[int] = None,
        expect_current: Optional[int] = None,
        **options: Unpack[CallOptions],
    ) -> Component:
        """Make a config version the one the component runs.

        Example:
            ```python
            client.components.set_current_config("helper", 1)      # roll back
            ```
        """
        guard = _guard(expect_latest, expect_current)
        data = self._http.json(
            "POST",
            self._path(component_id, "configs", _version(version), "set-current"),
            json_body={"guard": guard} if guard else None,
            idempotent=True,
            **self._options(options, self.set_current_config),
        )
        return validate(Component, data, "AgentOS")

    def registry(
        self,
        resource_type: Optional[str] = None,
        name: Optional[str] = None,
        page: int = 1,
        limit: int = 20,
        **options: Unpack[CallOptions],
    ) -> SyncPage[RegistryEntry]:
        """What the server's registry offers stored components (``resource_type``: tool, model,
        db, vector_db, agent, ...; ``name``: a part of the name): a page that iterates every page.

        Example:
            ```python
            print([e.name for e in client.components.registry(resource_type="tool")])
            ```
        """
        check_page(limit, page)
        opts = self._options(options, self.registry)

        def fetch(number: int) -> Any:
            params = query(resource_type=resource_type, name=name, page=number, limit=limit)
            return self._http.json("GET", ["registry"], params=params, **opts)

        return load_page(RegistryEntry, "GET /registry", fetch, page)
