"""Info: the models of its answers."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from pydantic import Field

from ._base import Model

__all__ = ["MCPInfo", "ServerInfo", "TraceFilterSchema"]


class MCPInfo(Model):
    """Whether the server's MCP endpoint is on, and its ``path``."""

    enabled: bool = False
    path: Optional[str] = None
    oauth: Optional[Dict[str, Any]] = None
    tool_run_endpoint: Optional[bool] = None


class ServerInfo(Model):
    """``GET /info`` (agno's ``InfoResponse``). ``auth_mode``: ``none``, ``security_key`` or ``jwt``;
    with ``user_isolation`` and no ``jwt``, send each user's ``user_id`` on every call."""

    os_id: str
    name: Optional[str] = None
    os_version: Optional[str] = None
    agno_version: Optional[str] = None
    agent_count: int = 0
    team_count: int = 0
    workflow_count: int = 0
    mcp: MCPInfo = Field(default_factory=MCPInfo)
    auth_mode: str = "none"
    user_isolation: bool = False


class TraceFilterSchema(Model):
    """``GET /traces/filter-schema``: the fields ``traces.search`` filters on (``key``, ``type``,
    ``operators``, enum ``values``) and the logical operators."""

    fields: List[Dict[str, Any]] = Field(default_factory=list)
    logical_operators: Optional[List[str]] = None
