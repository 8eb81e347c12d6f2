"""``RequestsTransport``: the default transport, one pooled ``requests.Session``.

It maps every requests/urllib3 failure onto the transport contract of :mod:`.base`, so nothing
above it ever sees a requests exception. Redirects are followed for GET only (requests drops the
``Authorization`` header when a redirect leaves the host); a POST that is redirected comes back as
the 3xx response for the client to report, because re-sending a run's form to another address is
never what the caller meant.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any, Iterator, List, Mapping, Optional, Tuple, Union

import requests
import urllib3.exceptions as u3
from requests.adapters import HTTPAdapter

from ..errors import APIConnectionError, APITimeoutError, ProtocolError
from .base import Request, Response, Transport

__all__ = ["RequestsTransport"]

#: How much one read from a non-chunked body asks for. A read returns what has arrived, up to this.
_READ_SIZE = 64 * 1024


def _never_reached(exc: BaseException) -> bool:
    """True when the request provably never left the client: the connection was never made."""
    seen = set()
    cur: Optional[BaseException] = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, (u3.NewConnectionError, u3.ConnectTimeoutError, ConnectionRefusedError)):
            return True
        if isinstance(cur, u3.MaxRetryError) and cur.reason is not None:
            cur = cur.reason
            continue
        if cur.args and isinstance(cur.args[0], BaseException):
            cur = cur.args[0]
            continue
        cur = cur.__cause__ or cur.__context__
    return False


def _translate(exc: BaseException, request: Request) -> Exception:
    """One table from requests/urllib3 exceptions to ours."""
    target = f"{request.method} {request.url.split('?', 1)[0]}"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return APITimeoutError(
            f"Timed out connecting for {target}; check that the server is up, or raise the connect timeout.",
            request=request,
            reached_server=False,
        )
    if isinstance(exc, (requests.exceptions.ReadTimeout, u3.ReadTimeoutError, socket.timeout)):
        return APITimeoutError(
            f"No data from the server for longer than the read timeout on {target}; "
            "raise the read timeout if the run is slow to answer.",
            request=request,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return APIConnectionError(
            f"TLS failed for {target}: {exc}. Check the certificate, or pass verify=<CA bundle path>.",
            request=request,
            reached_server=False,
        )
    if isinstance(exc, (requests.exceptions.ContentDecodingError, u3.DecodeError)):
        return ProtocolError(f"The body of {target} could not be decoded: {exc}", request=request)
    if isinstance(exc, requests.exceptions.ConnectionError) and _never_reached(exc):
        inner = str(exc)
        hint = "check base_url and that the AgentOS server is running"
        if "Name or service not known" in inner or "NameResolution" in inner or "nodename" in inner:
            hint = "the host name could not be resolved; check base_url"
        return APIConnectionError(f"Could not connect for {target} ({hint}).", request=request, reached_server=False)
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return ProtocolError(f"Too many redirects for {target}; check base_url.", request=request)
    return APIConnectionError(
        f"The connection broke during {target}: {type(exc).__name__}: {exc}. "
        "The server may have restarted or a proxy cut the connection.",
        request=request,
    )


class _Truncated(Exception):
    """The connection ended, or sent garbage, inside a chunked body."""


def _socket_file(raw: Any) -> Any:
    """The buffered socket file under urllib3's response, when reading it directly is safe: a
    chunked body not yet started and not content-encoded. None otherwise."""
    original = getattr(raw, "_fp", None)
    fp = getattr(original, "fp", None)
    encoding = str(raw.headers.get("content-encoding", "identity")).lower()
    if fp is None or not hasattr(fp, "read1") or encoding not in ("", "identity"):
        return None
    if getattr(raw, "chunk_left", None) is not None or getattr(raw, "_decoder", None) is not None:
        return None
    return fp


def _dechunk(fp: Any) -> Iterator[bytes]:
    """Decode a chunked body from the socket file in large reads.

    Written by hand because urllib3's ``read_chunked`` costs several microseconds per HTTP chunk
    and uvicorn sends one chunk per SSE frame: measured on loopback, 100k RunContent events went
    from ~93k to ~150k events/s. This reads the same ``fp`` urllib3 itself reads in
    ``read_chunked``, and yields everything that has arrived as one piece.
    """
    buf = b""
    while True:
        data = fp.read1(_READ_SIZE)
        if not data:
            raise _Truncated("the connection closed inside the chunked body")
        buf = buf + data if buf else data
        out: List[bytes] = []
        pos = 0
        while True:
            nl = buf.find(b"\r\n", pos)
            if nl == -1:
                break
            try:
                size = int(buf[pos:nl], 16)
            except ValueError:
                size = _chunk_size_with_extension(buf[pos:nl])
            start = nl + 2
            if size == 0:
                # The last chunk: optional trailers, then a blank line.
                while buf.find(b"\r\n", start) != start:
                    end = buf.find(b"\r\n\r\n", start)
                    if end != -1:
                        break
                    more = fp.read1(_READ_SIZE)
                    if not more:
                        break  # some servers stop after "0\r\n": the body is complete anyway
                    buf += more
                if out:
                    yield b"".join(out)
                return
            end = start + size
            if end + 2 > len(buf):
                missing = end + 2 - len(buf)
                if missing <= _READ_SIZE:
                    break  # wait for the next read
                # A large chunk (a 4 MiB RunCompleted): read the rest in one call, one copy.
                more = fp.read(missing)
                if len(more) < missing:
                    raise _Truncated("the connection closed inside a chunk")
                buf += more
            if not buf.startswith(b"\r\n", end):
                raise _Truncated("a chunk did not end with CRLF")
            out.append(buf[start:end])
            pos = end + 2
        if out:
            yield out[0] if len(out) == 1 else b"".join(out)
        buf = buf[pos:]


def _chunk_size_with_extension(line: bytes) -> int:
    try:
        return int(line.split(b";", 1)[0], 16)  # "1a;name=value": extensions are ignored
    except ValueError:
        raise _Truncated(f"invalid chunk size {line[:20]!r}") from None


class _RequestsResponse(Response):
    def __init__(self, response: requests.Response, request: Request) -> None:
        self._response = response
        self._request = request
        self.status_code = response.status_code
        self.headers = response.headers
        self._closed = False
        self._complete = False
        self._lock = threading.Lock()
        #: The one-request session of a ``fresh_connection`` request, closed with the response.
        self._own_session: Optional[requests.Session] = None

    def iter_bytes(self) -> Iterator[bytes]:
        raw = self._response.raw
        try:
            if not raw or getattr(self._response, "_content_consumed", False):  # body already read
                content = self._response.content
                if content:
                    yield content
                self._complete = True
                return
            if raw.chunked and raw.supports_chunked_reads():
                fp = _socket_file(raw)
                if fp is not None:
                    yield from _dechunk(fp)
                else:
                    yield from raw.read_chunked(None, decode_content=True)
                self._complete = True
                return
            read1 = getattr(raw, "read1", None)
            while True:
                # read1 returns what has arrived (a live SSE body must not wait for a full block).
                data = read1(_READ_SIZE, decode_content=True) if read1 else raw.read(_READ_SIZE)
                if not data:
                    self._complete = True
                    return
                yield data
        except _Truncated as exc:
            if self._closed:
                return
            raise APIConnectionError(
                f"The connection broke during {self._request.method} {self._request.url.split('?', 1)[0]}: "
                f"{exc}. The server may have restarted or a proxy cut the connection.",
                request=self._request,
            ) from exc
        except (APIConnectionError, ProtocolError):
            raise
        except (
            u3.HTTPError,
            requests.exceptions.RequestException,
            OSError,
            ValueError,
            AttributeError,
        ) as exc:
            if self._closed:
                return  # closed by another thread (or by close()): not an error
            raise _translate(exc, self._request) from exc

    def read(self) -> bytes:
        try:
            return self._response.content
        except (requests.exceptions.RequestException, u3.HTTPError, OSError) as exc:
            raise _translate(exc, self._request) from exc
        finally:
            self.close()

    def close(self) -> None:
        if not self._complete and not self._closed:
            # Wake a reader blocked in recv on another thread (a cancelled stream): without this,
            # close() waits for the server's next byte, up to the read timeout on a silent run.
            sock = getattr(getattr(self._response.raw, "_connection", None), "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            if self._closed:
                return
            self._closed = True
        raw = self._response.raw
        if self._complete and raw is not None:
            # The body was read to its end outside requests' own iterator, so requests would
            # close the socket; hand the connection back to the pool instead (what requests does
            # after a consumed body).
            original = getattr(raw, "_original_response", None)
            if original is not None:
                original.close()
            raw.release_conn()
            self._response._content_consumed = True  # type: ignore[attr-defined]
        self._response.close()
        if self._own_session is not None:
            self._own_session.close()


class RequestsTransport(Transport):
    """The default transport: a ``requests.Session`` with a connection pool.

    ``pool_maxsize`` bounds the connections kept per host: size it to the number of threads that
    stream at once (a 33rd concurrent stream opens a connection that is discarded afterwards
    rather than blocking). ``verify``/``cert``/``proxies`` pass through to requests; proxies and
    CA bundles from the environment are honoured as requests does (``trust_env``).

    Example::

        transport = RequestsTransport(pool_maxsize=32)
        client = AgentOSClient("http://localhost:7777", transport=transport)
    """

    def __init__(
        self,
        *,
        pool_connections: int = 10,
        pool_maxsize: int = 10,
        verify: Union[bool, str] = True,
        cert: Optional[Union[str, Tuple[str, str]]] = None,
        proxies: Optional[Mapping[str, str]] = None,
        trust_env: bool = True,
        session: Optional[requests.Session] = None,
    ) -> None:
        for name, value in (("pool_connections", pool_connections), ("pool_maxsize", pool_maxsize)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        self._session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.verify = verify
        if cert is not None:
            self._session.cert = cert
        if proxies:
            self._session.proxies.update(proxies)
        self._session.trust_env = trust_env
        self._closed = False

    def send(self, request: Request) -> Response:
        if self._closed:
            raise RuntimeError("This RequestsTransport is closed; create a new client.")
        kwargs: dict[str, Any] = {
            "headers": dict(request.headers),
            "params": request.params,
            "stream": True,
            "timeout": request.timeout,
            "allow_redirects": request.method == "GET",
        }
        if request.files:
            kwargs["data"] = dict(request.form or {})
            kwargs["files"] = list(request.files)
        elif request.form is not None:
            kwargs["data"] = dict(request.form)
        elif request.json is not None:
            kwargs["json"] = request.json
        session = self._session
        if request.fresh_connection:
            # A one-request pool: the session's settings, a connection of its own, closed with
            # the response ("Connection: close" keeps the server from holding it either).
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0))
            session.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0))
            session.verify, session.cert = self._session.verify, self._session.cert
            session.trust_env = self._session.trust_env
            session.proxies.update(self._session.proxies)
            kwargs["headers"]["Connection"] = "close"
        try:
            response = session.request(request.method, request.url, **kwargs)
        except (requests.exceptions.RequestException, u3.HTTPError, OSError) as exc:
            if session is not self._session:
                session.close()
            raise _translate(exc, request) from exc
        wrapped = _RequestsResponse(response, request)
        if session is not self._session:
            wrapped._own_session = session
        return wrapped

    def close(self) -> None:
        self._closed = True
        # urllib3 2.x's PoolManager.clear() drops its pools without closing their sockets (they
        # close when garbage-collected); close them now so close() means closed.
        for adapter in self._session.adapters.values():
            pools = getattr(getattr(adapter, "poolmanager", None), "pools", None)
            if pools is not None:
                for key in list(pools.keys()):
                    pool = pools.get(key)
                    if pool is not None:
                        pool.close()
        self._session.close()

    def __repr__(self) -> str:
        return f"<RequestsTransport closed={self._closed}>"
