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

from typing import Any, Callable, Dict, Generic, Iterator, List, Optional, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["PaginationInfo", "SyncPage"]

T = TypeVar("T")


class PaginationInfo(BaseModel):
    """agno's pagination ``meta``: ``page`` (1-based), ``limit``, ``total_pages``, ``total_count``."""

    model_config = ConfigDict(extra="allow", defer_build=True)

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
