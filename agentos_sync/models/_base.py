"""The one base of every model the client returns: response models, run events and A2A's."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict

__all__ = ["Model", "PaginationInfo"]


class Model(BaseModel):
    """Plain pydantic data, no I/O. Every model keeps the fields it does not declare
    (``model_extra``), so nothing the server sends is lost when agno adds a field.

    ``defer_build``: validators are built on first use, keeping ``import agentos_sync`` cheap
    (the ~110 event models alone would cost ~200 ms at import).
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class PaginationInfo(Model):
    """agno's pagination ``meta``: ``page`` (1-based), ``limit``, ``total_pages``, ``total_count``."""

    page: Optional[int] = None
    limit: Optional[int] = None
    total_pages: Optional[int] = None
    total_count: Optional[int] = None
    search_time_ms: Optional[float] = None

    def __getitem__(self, key: str) -> Any:
        # sessions.list answered a dict ``meta`` before it paged: ``page.meta["total_count"]`` keeps working
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None
