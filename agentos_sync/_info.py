"""``GET /info``: what an AgentOS says about itself without credentials (its id, versions, counts,
auth mode, user isolation, MCP path): a free probe before anything else is asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from pydantic import Field

from ._http import validate
from ._resource import APIResource, CallOptions
from .api_models import _Model

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["MCPInfo", "Server", "ServerInfo", "TraceFilterSchema"]


class MCPInfo(_Model):
    """Whether the server's MCP endpoint is on, and its ``path``."""

    enabled: bool = False
    path: Optional[str] = None
    oauth: Optional[Dict[str, Any]] = None
    tool_run_endpoint: Optional[bool] = None


class ServerInfo(_Model):
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


class TraceFilterSchema(_Model):
    """``GET /traces/filter-schema``: the fields ``traces.search`` filters on (``key``, ``type``,
    ``operators``, enum ``values``) and the logical operators."""

    fields: List[Dict[str, Any]] = Field(default_factory=list)
    logical_operators: Optional[List[str]] = None


class Server(APIResource):
    """The server itself: ``client.info()``.

    Example:
        ```python
        if client.info().auth_mode != "none":
            print("this AgentOS wants an api_key")
        ```
    """

    name = "server"

    def info(self, **options: Unpack[CallOptions]) -> ServerInfo:
        """``GET /info``: the server's id, versions, counts, ``auth_mode`` and MCP path, answered
        without credentials (a free probe: what to send before sending it).

        Example:
            ```python
            info = client.info()
            print(info.agno_version, info.auth_mode, info.mcp.path)
            ```
        """
        return validate(ServerInfo, self._http.json("GET", ["info"], **self._options(options, self.info)), "AgentOS")
