"""What every list resource shares: query parameters as AgentOS reads them, page-argument checks,
and the one place a ``{"data": [...], "meta": {...}}`` answer becomes a `SyncPage`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Dict, List, Optional, Type, Union

from . import errors
from ._http import M, segment, validate
from .pagination import PaginationInfo, SyncPage

__all__ = ["check_page", "id_list", "load_page", "query", "text"]

Query = Dict[str, Union[str, List[str]]]


def text(value: Any) -> str:
    """One query value as AgentOS parses it: enums by value, booleans lower-case, dates ISO."""
    value = getattr(value, "value", value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def query(**values: Any) -> Query:
    """Query parameters without the Nones (the server's defaults apply), each as text."""
    return {k: text(v) for k, v in values.items() if v is not None}


def id_list(ids: Any, name: str) -> List[str]:
    """A non-empty list of ids for a bulk delete, each checked as a path id would be."""
    if isinstance(ids, str):
        raise TypeError(f"{name} must be a list of ids, not one str")
    out = list(ids)
    if not out:
        raise ValueError(f"{name} must not be empty")
    for item in out:
        segment(item, f"{name}[]")
    return out


def check_page(limit: Optional[int], page: Optional[int]) -> None:
    """``limit`` >= 1 and ``page`` >= 0, as AgentOS's routes validate them, before anything is sent."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be an int >= 1, got {limit!r}")
    if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 0):
        raise ValueError(f"page must be an int >= 0, got {page!r}")


def load_page(model: Type[M], what: str, fetch: Callable[[int], Any], page: int) -> SyncPage[M]:
    """Fetch page ``page`` with ``fetch(page) -> JSON`` and type it; the page fetches its successors
    the same way, so every page of a list is read with the caller's filters and options."""

    def load(number: int) -> SyncPage[M]:
        data = fetch(number)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise errors.ProtocolError(f"{what} did not answer with a page ({{'data': [...], 'meta': {{...}}}})")
        items = [validate(model, item, "AgentOS") for item in data["data"]]
        meta = validate(PaginationInfo, data.get("meta") or {}, "AgentOS")
        return SyncPage(items, meta, load)

    return load(page)
