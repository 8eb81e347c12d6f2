"""``client.with_raw_response``: any client method, returning the HTTP facts of its call with the
parsed result (openai-python's shape: ``raw.status_code``, ``raw.headers``, ``raw.elapsed``,
``raw.retries_taken``, ``raw.parse()``).

The methods are the client's own, run with a capture in a context variable that the request core
fills per exchange (`agentos_sync._observe`): nothing is copied per method, and a call that
makes several exchanges (a retried call, a wait that polls) reports its last one and lists all.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Generic, List, Mapping, Optional, TypeVar

from ._observe import _CAPTURE, Exchange, _Capture

__all__ = ["RawClient", "RawResponse"]

T = TypeVar("T")


class RawResponse(Generic[T]):
    """The HTTP side of one call, and its result.

    ``status_code``, ``headers``, ``elapsed`` (seconds to the response headers), ``request_id``
    and ``retries_taken`` describe the call's last exchange; ``exchanges`` lists every one (a
    retried call, a ``wait`` that polled). `parse` returns what the method returns.

    Example:
        ```python
        raw = client.with_raw_response.get_config()
        assert raw.status_code == 200 and raw.retries_taken == 0
        config = raw.parse()
        ```
    """

    def __init__(self, result: T, exchanges: List[Exchange]) -> None:
        self._result = result
        #: Every HTTP exchange of the call, in order.
        self.exchanges = exchanges
        last: Optional[Exchange] = exchanges[-1] if exchanges else None
        self.status_code: Optional[int] = last.status_code if last else None
        self.headers: Mapping[str, str] = last.headers if last else {}
        self.elapsed: float = last.elapsed if last else 0.0
        self.retries_taken: int = last.attempt - 1 if last else 0
        self.request_id: Optional[str] = last.request_id if last else None
        self.method: Optional[str] = last.method if last else None
        self.path: Optional[str] = last.path if last else None

    def parse(self) -> T:
        """The method's own result (a model, a list, a stream)."""
        return self._result

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self.method} {self.path} retries_taken={self.retries_taken}>"


class RawClient:
    """A view of a client (or of one of its resources) whose methods return `RawResponse`."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        from .resources._base import APIResource

        attr = getattr(self._target, name)
        if isinstance(attr, APIResource):
            return RawClient(attr)
        if name.startswith("_") or not callable(attr):
            raise AttributeError(f"with_raw_response has no {name!r}: it wraps the client's public methods")
        return _raw(attr)

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._target!r}>"


def _raw(method: Callable[..., T]) -> Callable[..., RawResponse[T]]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> RawResponse[T]:
        capture = _Capture()
        token = _CAPTURE.set(capture)
        try:
            result = method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        return RawResponse(result, capture.exchanges)

    return call
