"""``GET /info``: what an AgentOS says about itself without credentials (its id, versions, counts,
auth mode, user isolation, MCP path): a free probe before anything else is asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http import validate
from ..models import ServerInfo
from ._base import APIResource, CallOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Server"]


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
        return validate(ServerInfo, self._http.json("GET", ["info"], **self._options(options)), "AgentOS")
