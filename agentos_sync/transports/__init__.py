"""Transports: the boundary between the client and the network (see `.base`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import BytesResponse, IteratorResponse, Request, Response, Transport

if TYPE_CHECKING:
    from .requests import RequestsTransport

__all__ = ["BytesResponse", "IteratorResponse", "Request", "RequestsTransport", "Response", "Transport"]


def __getattr__(name: str) -> Any:
    # requests is imported when the default transport is first used, not at package import.
    if name == "RequestsTransport":
        from .requests import RequestsTransport

        return RequestsTransport
    raise AttributeError(name)
