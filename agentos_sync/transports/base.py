"""The transport boundary: one request in, one response out.

Everything above this line (the client, run streams, SSE decoding) speaks only in
`Request` and `Response`; everything below it (sockets, pools, TLS, proxies) is the
transport's business. That strict cut makes every layer above testable with an in-memory transport
(`agentos_sync.testing.FakeTransport`) and lets users plug in their own.

A transport's obligations:

- ``send(request)`` returns a `Response` for any HTTP status (status codes are the client's
  business, not the transport's). It raises `APIConnectionError` with
  ``reached_server=False`` when the request provably never reached the server (connection refused,
  DNS failure), ``reached_server=True`` when it may have (reset after sending, cut inside the
  response headers, a TLS failure after the request was written), and
  `APITimeoutError` when a timeout expires. A failure inside the TLS
  handshake (an untrusted certificate) happens before a byte of the request is sent: it is
  ``reached_server=False``.
- ``Response.iter_bytes()`` yields body chunks as they arrive and ends at a clean end of body. A
  connection that breaks mid-body raises ``APIConnectionError``; a silence longer than the read
  timeout raises ``APITimeoutError``; a body that breaks HTTP's framing (a malformed chunk) raises
  `ProtocolError`. Chunk sizes carry no meaning. Any other exception
  is a bug and surfaces as itself, never as a broken connection.
- ``Response.close()`` is idempotent and releases the connection (to the pool when possible).

Example, a transport that answers everything with 503:

```python
class Down(Transport):
    def send(self, request: Request) -> Response:
        return BytesResponse(503, {"content-type": "application/json"}, b'{"detail":"down"}')
```
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field, replace
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

__all__ = [
    "DEFAULT_MAX_CHUNK_BYTES",
    "BytesResponse",
    "FileField",
    "IteratorResponse",
    "Request",
    "Response",
    "TimeoutPair",
    "Transport",
]

#: ``(connect, read)`` seconds; ``read`` is the longest silence allowed between body bytes. (The
#: client's own `agentos_sync.Timeout` is the richer value a user passes; a transport gets this.)
TimeoutPair = Tuple[float, float]

#: The largest chunk a chunked body may declare unless the request says otherwise: the default
#: ``max_event_bytes`` (one SSE frame per chunk is what uvicorn sends), so that a declared size can
#: never make the transport allocate more than one frame may hold.
DEFAULT_MAX_CHUNK_BYTES = 16 * 1024 * 1024

#: A multipart upload: ``(form field name, (filename, content, content type))``; the content is
#: bytes, or an open binary file that the transport reads while it sends the body.
FileField = Tuple[str, Tuple[str, Union[bytes, IO[bytes]], str]]

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def redact_headers(headers: Mapping[str, str], secret: FrozenSet[str] = frozenset()) -> Dict[str, str]:
    """A copy of ``headers`` with credentials (and the headers named in ``secret``, lower case)
    replaced, safe to log or show."""
    return {k: ("<redacted>" if k.lower() in _SECRET_HEADERS or k.lower() in secret else v) for k, v in headers.items()}


@dataclass(frozen=True)
class Request:
    """One HTTP request, as the client hands it to a transport.

    ``form`` is sent form-encoded (what AgentOS's run endpoints expect), ``json`` as a JSON body,
    ``files`` turns the body multipart (form fields included). ``stream`` asks the transport not to
    read the body eagerly. ``max_chunk_bytes`` bounds one chunk of a chunked answer (a larger
    declared size is a `ProtocolError`, never an allocation). The repr
    never shows credentials, and neither does `redacted`, the copy errors carry.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Query parameters; a list value repeats the key (``status=A&status=B``).
    params: Optional[Mapping[str, Union[str, List[str]]]] = None
    form: Optional[Mapping[str, str]] = None
    json: Any = None
    files: Optional[Sequence[FileField]] = None
    stream: bool = False
    timeout: Optional[TimeoutPair] = None
    max_chunk_bytes: int = DEFAULT_MAX_CHUNK_BYTES
    #: Send on a new connection, not a pooled one, and do not pool it afterwards: behind a
    #: balancer (or ``uvicorn --workers N``) a new connection may reach another process, which
    #: a stream resuming after a stale answer needs. Transports without a pool ignore it.
    fresh_connection: bool = False
    #: Header names (lower case) the client was told are secret (``secret_headers=``): redacted
    #: like the credentials wherever the request is shown.
    secret_headers: FrozenSet[str] = frozenset()

    def redacted(self) -> Request:
        """A copy with credentials in the headers replaced: what an exception may carry (the
        request itself when it carries none)."""
        secret = self.secret_headers
        if not any(name.lower() in _SECRET_HEADERS or name.lower() in secret for name in self.headers):
            return self  # frozen: nothing to copy
        return replace(self, headers=redact_headers(self.headers, secret))

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, url={self.url!r}, "
            f"headers={redact_headers(self.headers, self.secret_headers)!r}, stream={self.stream})"
        )

    __str__ = __repr__


class Response(abc.ABC):
    """One HTTP response whose body can be read whole or iterated, then closed."""

    status_code: int
    #: Header names are matched case-insensitively.
    headers: Mapping[str, str]

    @abc.abstractmethod
    def iter_bytes(self) -> Iterator[bytes]:
        """Yield the body as it arrives. May be called once."""

    def read(self) -> bytes:
        """The whole body (then the response is closed)."""
        try:
            return b"".join(self.iter_bytes())
        finally:
            self.close()

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection. Idempotent."""

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}]>"


class _CaseInsensitiveHeaders(Dict[str, str]):
    def __init__(self, headers: Optional[Mapping[str, str]] = None) -> None:
        super().__init__((k.lower(), v) for k, v in (headers or {}).items())

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


class IteratorResponse(Response):
    """A response whose body comes from an iterable of chunks (which may raise transport errors
    mid-way, as a broken connection would). ``on_close`` runs once at ``close()``."""

    def __init__(
        self,
        status_code: int,
        headers: Optional[Mapping[str, str]],
        chunks: Iterable[bytes],
        on_close: Optional[Callable[[], None]] = None,
    ) -> None:
        self.status_code = status_code
        self.headers = _CaseInsensitiveHeaders(headers)
        self._chunks = chunks
        self._on_close = on_close
        self.closed = False

    def iter_bytes(self) -> Iterator[bytes]:
        if self.closed:
            return
        for chunk in self._chunks:
            if self.closed:
                return
            yield chunk

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        close = getattr(self._chunks, "close", None)
        try:
            if close is not None:
                close()
        finally:
            if self._on_close is not None:
                self._on_close()


class BytesResponse(IteratorResponse):
    """A response with a body known in full."""

    def __init__(
        self, status_code: int, headers: Optional[Mapping[str, str]] = None, body: Union[bytes, str] = b""
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        chunks: List[bytes] = [data] if data else []
        super().__init__(status_code, headers, chunks)


class Transport(abc.ABC):
    """Sends one request and returns one response. Implementations must be safe to share between
    threads (one client, many threads)."""

    @abc.abstractmethod
    def send(self, request: Request) -> Response:
        """Send ``request``; see the module docstring for the error contract."""

    def close(self) -> None:  # noqa: B027 - a transport without resources needs no close
        """Release pooled connections. Idempotent."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def __getattr__(name: str) -> Any:
    if name == "Timeout":  # its old name; `agentos_sync.Timeout` is the client's timeout value
        import warnings

        warnings.warn("agentos_sync.transports.base.Timeout is TimeoutPair now", DeprecationWarning, stacklevel=2)
        return TimeoutPair
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
