"""Components: the models of its answers."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._base import Model

__all__ = ["Component", "ComponentConfig", "RegistryEntry"]


class Component(Model):
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


class ComponentConfig(Model):
    """One config version of a component: ``stage`` draft or published; ``config`` its body."""

    component_id: str
    version: int
    label: Optional[str] = None
    stage: Optional[str] = None
    config: Optional[Dict[str, Any]] = None
    notes: Optional[str] = None
    created_at: Optional[int] = None
    updated_at: Optional[int] = None


class RegistryEntry(Model):
    """Something the registry offers stored components (``type``: tool, model, db, agent, ...)."""

    name: str
    type: Optional[str] = None
    id: Optional[str] = None
    description: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None
