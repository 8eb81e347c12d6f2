"""Lists that page lazily (as openai-python's ``SyncPage``): one page with its totals, and an
iterator over every item that fetches the next page only when the loop gets there.

A `SyncPage` keeps agno's ``PaginatedResponse`` shape (``.data``, ``.meta``), so code
written for agno's client reads it unchanged; iterating it goes past the first page.

Example:
    ```python
    page = client.memories.list(user_id="u1", limit=50)
    print(page.total, len(page.data))          # one page and its totals
    for memory in page:                         # every memory, page after page, lazily
        print(memory.memory)
    ```
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Generic, Iterator, List, Optional, Type, TypeVar

from pydantic import BaseModel

from . import errors
from ._http import M, validate
from .models._base import PaginationInfo

__all__ = ["PaginationInfo", "SyncPage"]

T = TypeVar("T")


class SyncPage(Generic[T]):
    """One page of a list (``data``, ``meta``) that can fetch the pages after it.

    ``for item in page`` yields every item from this page on, fetching each next page when the
    loop reaches it (nothing is fetched before). ``iter_pages()`` yields the pages themselves;
    ``has_next_page()`` / ``get_next_page()`` step by hand.

    Example:
        ```python
        page = client.memories.list(user_id="u1", limit=20)
        print(page.meta.total_count, page.total_pages)
        everything = list(page)          # all memories, across pages
        ```
    """

    def __init__(
        self,
        data: List[T],
        meta: Optional[PaginationInfo],
        fetch: Optional[Callable[[int], SyncPage[T]]] = None,
    ) -> None:
        self.data = data
        self.meta = meta if meta is not None else PaginationInfo()
        self._fetch = fetch

    @property
    def total(self) -> Optional[int]:
        """How many items the whole list has (``meta.total_count``), when the server says."""
        return self.meta.total_count

    @property
    def page(self) -> Optional[int]:
        """This page's number (``meta.page``)."""
        return self.meta.page

    @property
    def total_pages(self) -> Optional[int]:
        """How many pages the list has (``meta.total_pages``)."""
        return self.meta.total_pages

    def has_next_page(self) -> bool:
        """True when the server says a page follows this one (and this one was not empty: an
        empty page never leads anywhere, whatever the totals claim).

        Example:
            ```python
            while page.has_next_page():
                page = page.get_next_page()
            ```
        """
        if self._fetch is None or not self.data:
            return False
        page, pages = self.meta.page, self.meta.total_pages
        if page is None or pages is None:
            return False
        return max(page, 1) < pages

    def get_next_page(self) -> SyncPage[T]:
        """Fetch the page after this one; ``RuntimeError`` when
        there is none (check `has_next_page` first).

        Example:
            ```python
            second = client.memories.list(user_id="u1", limit=10).get_next_page()
            ```
        """
        if not self.has_next_page() or self._fetch is None:
            raise RuntimeError("no next page; check has_next_page() first")
        return self._fetch(max(self.meta.page or 1, 1) + 1)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        """This page, then each next page as it is fetched.

        Example:
            ```python
            for page in client.memories.list(user_id="u1").iter_pages():
                print(page.page, len(page.data))
            ```
        """
        page: SyncPage[T] = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data

    def model_dump(self, **kwargs: Any) -> Dict[str, Any]:
        """This page as agno's ``PaginatedResponse`` dumps it: ``{"data": [...], "meta": {...}}``.

        Example:
            ```python
            print(client.memories.list(user_id="u1").model_dump(mode="json"))
            ```
        """
        data = [item.model_dump(**kwargs) if isinstance(item, BaseModel) else item for item in self.data]
        return {"data": data, "meta": self.meta.model_dump(**kwargs)}

    def __repr__(self) -> str:
        return f"SyncPage(items={len(self.data)}, page={self.page}, total_pages={self.total_pages}, total={self.total})"


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
