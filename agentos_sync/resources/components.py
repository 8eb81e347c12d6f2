"""``client.components``: agents, teams and workflows stored as versioned configs in the server's
database (``/components``, AgentOS Studio's store), their config versions, and the registry of
what a stored component may use (``/registry``: tools, models, dbs, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from .._http import segment, validate_list
from ..models import Component, ComponentConfig, RegistryEntry
from ..pagination import SyncPage
from ._base import APIResource, CallOptions, query

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Components"]

_TYPES = ("agent", "team", "workflow")


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
        if component_type is not None and component_type not in _TYPES:
            raise ValueError(f"component_type must be one of {', '.join(_TYPES)}, got {component_type!r}")

        return self._page(
            "GET",
            ["components"],
            cast_to=Component,
            page=page,
            limit=limit,
            params=query(component_type=component_type, include_deleted=include_deleted or None, limit=limit),
            options=options,
        )

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
        return self._post(["components"], cast_to=Component, json_body=body, options=options)

    def get(self, component_id: str, include_deleted: bool = False, **options: Unpack[CallOptions]) -> Component:
        """One component; ``NotFoundError`` when unknown (or archived, without ``include_deleted``).

        Example:
            ```python
            print(client.components.get("helper").current_version)
            ```
        """
        return self._get(
            self._path(component_id),
            cast_to=Component,
            params=query(include_deleted=include_deleted or None),
            options=options,
        )

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
        return self._patch(self._path(component_id), cast_to=Component, json_body=body, options=options)

    def delete(self, component_id: str, expect_current: Optional[int] = None, **options: Unpack[CallOptions]) -> None:
        """Archive a component (`restore` brings it back).

        Example:
            ```python
            client.components.delete("helper")
            ```
        """
        self._delete(self._path(component_id), params=query(expected_current_version=expect_current), options=options)

    def restore(self, component_id: str, **options: Unpack[CallOptions]) -> Component:
        """Bring an archived component back.

        Example:
            ```python
            client.components.restore("helper")
            ```
        """
        return self._post(self._path(component_id, "restore"), cast_to=Component, idempotent=True, options=options)

    def configs(
        self, component_id: str, include_config: bool = True, **options: Unpack[CallOptions]
    ) -> List[ComponentConfig]:
        """Every config version of a component.

        Example:
            ```python
            print([(v.version, v.stage) for v in client.components.configs("helper")])
            ```
        """
        data = self._get(
            self._path(component_id, "configs"), params=query(include_config=include_config), options=options
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
        return self._post(self._path(component_id, "configs"), cast_to=ComponentConfig, json_body=body, options=options)

    def current_config(self, component_id: str, **options: Unpack[CallOptions]) -> ComponentConfig:
        """The config version the component runs.

        Example:
            ```python
            print(client.components.current_config("helper").config)
            ```
        """
        return self._get(self._path(component_id, "configs", "current"), cast_to=ComponentConfig, options=options)

    def get_config(self, component_id: str, version: int, **options: Unpack[CallOptions]) -> ComponentConfig:
        """One config version.

        Example:
            ```python
            print(client.components.get_config("helper", 1).stage)
            ```
        """
        return self._get(
            self._path(component_id, "configs", _version(version)), cast_to=ComponentConfig, options=options
        )

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
        return self._patch(
            self._path(component_id, "configs", _version(version)),
            cast_to=ComponentConfig,
            json_body=body,
            options=options,
        )

    def delete_config(self, component_id: str, version: int, **options: Unpack[CallOptions]) -> None:
        """Delete a config version.

        Example:
            ```python
            client.components.delete_config("helper", 2)
            ```
        """
        self._delete(self._path(component_id, "configs", _version(version)), options=options)

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
        return self._post(
            self._path(component_id, "configs", _version(version), "set-current"),
            cast_to=Component,
            json_body={"guard": guard} if guard else None,
            idempotent=True,
            options=options,
        )

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

        return self._page(
            "GET",
            ["registry"],
            cast_to=RegistryEntry,
            page=page,
            limit=limit,
            params=query(resource_type=resource_type, name=name, limit=limit),
            options=options,
        )
