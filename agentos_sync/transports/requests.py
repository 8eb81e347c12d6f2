"""``RequestsTransport``: the default transport, one pooled ``requests.Session``.

It maps every requests/urllib3 failure onto the transport contract of `.base`, so nothing
above it ever sees a requests exception. Redirects are followed for GET only (requests drops the
``Authorization`` header when a redirect leaves the host); a POST that is redirected comes back as
the 3xx response for the client to report, because re-sending a run's form to another address is
never what the caller meant.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import socket
import ssl
import threading
from http.client import RemoteDisconnected
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

import requests
import urllib3.exceptions as u3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.poolmanager import pool_classes_by_scheme as _URLLIB3_POOLS
from urllib3.util.ssl_match_hostname import CertificateError as HostnameMismatch

from ..errors import APIConnectionError, APITimeoutError, ProtocolError
from ._chunked import READ_SIZE, MalformedChunk, TruncatedChunk, dechunk
from ._multipart import MultipartBody
from .base import Request, Response, Transport

__all__ = ["RequestsTransport"]

# -- did the request leave the client? ----------------------------------------------------------
#
# A create (POST) may be sent again only when it provably never reached the server. The one place
# that knows is the connection: everything raised inside ``connect()`` (DNS, refusal, connect
# timeout, proxy tunnel, the whole TLS handshake with its certificate checks) happens before a
# byte of the request is written. The connection classes below tag those exceptions; a TLS error
# raised later (an alert, a reset or garbage inside the encrypted stream after the request was
# written) is untagged, so it counts as reached.

_NOT_SENT = "_agentos_sync_not_sent"


class _TagsConnectFailures:
    """Mixed into urllib3's connection classes: whatever ``connect()`` raises is tagged."""

    def connect(self) -> None:
        try:
            super().connect()  # type: ignore[misc]
        except Exception as exc:
            setattr(exc, _NOT_SENT, True)
            raise


class _TaggingHTTPConnection(_TagsConnectFailures, HTTPConnection):
    pass


class _TaggingHTTPSConnection(_TagsConnectFailures, HTTPSConnection):
    pass


class _TaggingHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TaggingHTTPConnection


class _TaggingHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TaggingHTTPSConnection


_TAGGING_POOLS = {"http": _TaggingHTTPPool, "https": _TaggingHTTPSPool}


def _use_tagging_pools(manager: PoolManager) -> None:
    # SOCKS proxy managers bring pools of their own: those keep them (and the type rules below).
    if manager.pool_classes_by_scheme is _URLLIB3_POOLS:
        manager.pool_classes_by_scheme = _TAGGING_POOLS


class _TaggingAdapter(HTTPAdapter):
    """requests' adapter with the connection classes above, direct and through HTTP proxies."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        # types-requests for Python 3.9 leaves these two untyped; later versions type them.
        super().init_poolmanager(*args, **kwargs)  # type: ignore[no-untyped-call, unused-ignore]
        _use_tagging_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)  # type: ignore[no-untyped-call, unused-ignore]
        if isinstance(manager, PoolManager):
            _use_tagging_pools(manager)
        return manager


#: Failures that can only happen before the request is written, whoever made the connection (a
#: caller's own session has no tagging adapter): a certificate is only ever checked in the handshake.
_BEFORE_SENDING = (
    u3.NewConnectionError,
    u3.ConnectTimeoutError,
    ConnectionRefusedError,
    ssl.SSLCertVerificationError,
    HostnameMismatch,
)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: urllib3 and requests nest the original error in
    ``reason``, in ``args`` (``ProtocolError("Connection aborted.", err)``) or in the chain."""
    seen = set()
    todo: List[BaseException] = [exc]
    while todo:
        cur = todo.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        inner = [a for a in cur.args if isinstance(a, BaseException)]
        if isinstance(cur, u3.MaxRetryError) and cur.reason is not None:
            inner.append(cur.reason)
        inner += [e for e in (cur.__cause__, cur.__context__) if e is not None]
        todo.extend(inner)


def _never_reached(exc: BaseException) -> bool:
    """True when the request provably never left the client."""
    return any(getattr(cur, _NOT_SENT, False) or isinstance(cur, _BEFORE_SENDING) for cur in _causes(exc))


def _scrub(exc: BaseException) -> BaseException:
    """``exc`` without requests' copies of the request: a requests exception carries the prepared
    request, whose headers hold the API key, and it becomes the ``__cause__`` of ours."""
    for cur in _causes(exc):
        if isinstance(cur, requests.exceptions.RequestException):
            cur.request = None
            cur.response = None
    return exc


def _target(request: Request) -> str:
    return f"{request.method} {request.url.split('?', 1)[0]}"


def _read_timeout(request: Request) -> str:
    return f"{request.timeout[1]:g} s" if request.timeout else "too long"


def _host_port(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def _reason(exc: BaseException) -> str:
    """What went wrong, in words: the innermost OS or TLS error's own text, never the urllib3 and
    requests wrappers around it (their text is pool class names, object addresses and "Max retries
    exceeded", which say nothing to the caller)."""
    causes = list(_causes(exc))
    for cur in causes:
        if isinstance(cur, ssl.SSLCertVerificationError):
            return str(cur.verify_message or cur.reason or "certificate verify failed")
        if isinstance(cur, HostnameMismatch):
            return str(cur)
    for cur in causes:
        if isinstance(cur, RemoteDisconnected):
            return "the server closed the connection without answering"
        if isinstance(cur, ssl.SSLError):
            return str(cur.reason or cur.strerror or "TLS error").replace("_", " ").lower()
        if isinstance(cur, socket.gaierror):
            return "the host name could not be resolved"
        if isinstance(cur, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cur, ConnectionResetError):
            return "the connection was reset"
        if isinstance(cur, BrokenPipeError):
            return "the connection closed while the request was being sent"
        if isinstance(cur, OSError) and cur.strerror:
            return str(cur.strerror).lower()
        if isinstance(cur, (u3.IncompleteRead, u3.InvalidChunkLength, u3.InvalidHeader)):
            return "the answer ended early or was malformed"
    for cur in reversed(causes):
        if not isinstance(cur, (requests.exceptions.RequestException, u3.HTTPError)) and str(cur):
            return _URLLIB3_NOISE.sub("", str(cur)).strip(" :") or type(cur).__name__
    return "the connection failed"


#: "<urllib3.connection.HTTPConnection object at 0x7f...>:" at the start of urllib3's messages.
_URLLIB3_NOISE = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>:?")

#: OpenSSL's words for a plain-HTTP answer to a TLS client hello.
_NOT_TLS = ("wrong version number", "record layer failure", "http request", "packet length too long")


def _tls_error(exc: BaseException, request: Request) -> APIConnectionError:
    target, where = _target(request), _host_port(request.url)
    reason = _reason(exc)
    if not _never_reached(exc):
        return APIConnectionError(
            f"The TLS connection broke after {target} was sent ({reason}). The server may have received it.",
            request=request,
        )
    if any(words in reason for words in _NOT_TLS):
        message = (
            f"base_url says https:// but {where} does not speak TLS (it answered in plain HTTP): use "
            f"http://{where}, or the port where TLS is served."
        )
    elif any(isinstance(cur, (ssl.SSLCertVerificationError, HostnameMismatch)) for cur in _causes(exc)):
        message = (
            f"The TLS certificate of {where} was not accepted ({reason}) for {target}. Pass the CA that "
            "signed it: RequestsTransport(verify='/path/to/ca.pem') (or REQUESTS_CA_BUNDLE), and check that "
            "base_url's host is a name the certificate carries."
        )
    else:
        message = f"The TLS handshake with {where} failed ({reason}) for {target}; check that the port serves TLS."
    return APIConnectionError(message, request=request, reached_server=False)


def _translate(exc: BaseException, request: Request, proxy: Optional[str] = None) -> Exception:
    """One table from requests/urllib3 exceptions to ours. ``proxy`` names the forward proxy the
    request went through (and which setting chose it), so that its failures are not blamed on
    AgentOS."""
    _scrub(exc)
    target = _target(request)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        through = f" through the proxy {proxy}" if proxy else ""
        return APITimeoutError(
            f"Timed out connecting{through} for {target}; check that the server is up, or raise the connect timeout.",
            request=request,
            reached_server=False,
        )
    if isinstance(exc, (requests.exceptions.ReadTimeout, u3.ReadTimeoutError, socket.timeout)):
        return APITimeoutError(
            f"The server sent nothing for {_read_timeout(request)} (the read timeout) after {target}; "
            "check that it is healthy, or raise the read timeout if it is slow to answer.",
            request=request,
        )
    if isinstance(exc, requests.exceptions.ProxyError) and proxy:
        return APIConnectionError(
            f"Could not reach AgentOS through the forward proxy {proxy} for {target} ({_reason(exc)}). The "
            "proxy is at fault, not AgentOS: check that it runs and may reach the server, or exempt the AgentOS "
            "host with NO_PROXY.",
            request=request,
            reached_server=not _never_reached(exc),
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return _tls_error(exc, request)
    if isinstance(exc, (requests.exceptions.ContentDecodingError, u3.DecodeError)):
        return ProtocolError(f"The body of {target} could not be decoded ({_reason(exc)}).", request=request)
    if isinstance(exc, requests.exceptions.ConnectionError) and _never_reached(exc):
        reason = _reason(exc)
        if reason == "the host name could not be resolved":
            hint = "the host name could not be resolved; check base_url"
        else:
            hint = f"{reason}; check base_url and that the AgentOS server is running"
        if proxy:
            hint = f"{reason}, through the forward proxy {proxy}; check the proxy, or exempt the host with NO_PROXY"
        return APIConnectionError(f"Could not connect for {target} ({hint}).", request=request, reached_server=False)
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return ProtocolError(f"Too many redirects for {target}; check base_url.", request=request)
    reason = _reason(exc)
    hint = "The server may have restarted or a proxy cut the connection."
    if request.url.startswith("http://") and any(isinstance(c, RemoteDisconnected) for c in _causes(exc)):
        hint += " If that port speaks TLS, base_url must say https://."
    return APIConnectionError(f"The connection broke during {target} ({reason}). {hint}", request=request)


def _proxy_env_name(scheme: str, value: str) -> str:
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"):
        if os.environ.get(name) == value:
            return name
    return "the environment"


def _without_credentials(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


class _Inherited(Exception):
    """A forked child tried to read a response its parent opened (and is still reading)."""


class _OwnedFile:
    """The socket file of a response, readable only by the process that opened it.

    A child forked mid-stream inherits the parent's half-read response; one read from it would
    steal the parent's bytes. The check costs one getpid() per read (not per event).

    A read waits for the socket to be readable before it asks the buffered file for up to
    ``READ_SIZE`` bytes, when the file's own buffer is known to be empty: ``read1(n)`` allocates
    its n-byte result before it blocks in recv, so every open stream waiting for its next event
    held 64 KiB, resident once the allocator had recycled memory that a burst of events touched
    (measured with ``benchmarks/run.py --only scale``: 1,000 idle streams after a burst, ~79 KiB
    each from this one line in tracemalloc). One poll() per read of the body, not per event.
    """

    def __init__(self, fp: Any, pid: int, sock: Any = None) -> None:
        self._fp = fp
        self._pid = pid
        self._poll: Any = None
        self._sock = sock
        if sock is not None and type(sock) in (socket.socket, ssl.SSLSocket):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                self._poll = select.poll()
                self._poll.register(sock.fileno(), select.POLLIN | select.POLLPRI)
        #: The buffered file holds nothing: the last read1(n) returned fewer than n bytes, which
        #: it only does once its buffer is drained (after read() it may hold what came after).
        self._drained = False

    def read1(self, size: int = -1, /) -> bytes:
        if os.getpid() != self._pid:
            raise _Inherited()
        if self._drained and self._poll is not None:
            self._wait_readable()
        data = self._fp.read1(size)
        self._drained = 0 < len(data) < size
        return bytes(data)

    def read(self, size: int = -1, /) -> bytes:
        if os.getpid() != self._pid:
            raise _Inherited()
        self._drained = False
        return bytes(self._fp.read(size))

    def _wait_readable(self) -> None:
        sock = self._sock
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return  # decrypted bytes wait inside the TLS layer: the descriptor may stay quiet
        timeout = sock.gettimeout()
        if not self._poll.poll(None if timeout is None else max(0, int(timeout * 1000) + 1)):
            raise socket.timeout("timed out")


def _socket_file(raw: Any) -> Any:
    """The buffered socket file under urllib3's response (http.client's ``fp``, reached through
    urllib3's private ``_fp``: the one private attribute this module reads), when the body is
    chunked and not content-encoded. None otherwise: urllib3 then reads the body itself."""
    encoding = str(raw.headers.get("content-encoding", "identity")).lower()
    if not raw.chunked or encoding not in ("", "identity"):
        return None
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    return fp if fp is not None and hasattr(fp, "read1") else None


class _RequestsResponse(Response):
    def __init__(self, response: requests.Response, request: Request) -> None:
        self._response: Optional[requests.Response] = response
        # What errors and this object carry: no credentials (the original is only sent).
        self._request = request.redacted()
        self._limit = request.max_chunk_bytes
        self.status_code = response.status_code
        self.headers = response.headers
        self._started = False
        self._closed = False
        self._complete = False
        self._lock = threading.Lock()
        # The process whose connection this is: a forked child holds a copy of the same socket.
        self._pid = os.getpid()
        #: The one-request session of a ``fresh_connection`` request, closed with the response.
        self._own_session: Optional[requests.Session] = None

    def iter_bytes(self) -> Iterator[bytes]:
        response = self._response
        if response is None:
            return
        if self._started:
            raise RuntimeError("iter_bytes() was already called on this response; its body is read once")
        self._started = True
        raw = response.raw
        try:
            fp = _socket_file(raw)
            if fp is not None:
                sock = getattr(getattr(raw, "connection", None), "sock", None)
                extra = yield from dechunk(_OwnedFile(fp, self._pid, sock), self._limit)
                # Bytes after the end of the body: the connection is out of step, never reuse it.
                self._complete = extra == 0
                return
            if raw.chunked:
                # Content-encoded: urllib3 decodes it, in bounded reads.
                yield from raw.read_chunked(READ_SIZE, decode_content=True)
                self._complete = True
                return
            while True:
                if os.getpid() != self._pid:
                    raise _Inherited()
                # read1 returns what has arrived (a live SSE body must not wait for a full block).
                data = raw.read1(READ_SIZE, decode_content=True)
                if not data:
                    self._complete = True
                    return
                yield data
        except MalformedChunk as exc:
            raise ProtocolError(
                f"{_target(self._request)} answered with a malformed chunked body: {exc}", request=self._request
            ) from exc
        except TruncatedChunk as exc:
            if self._closed:
                return
            raise APIConnectionError(
                f"The connection broke during {_target(self._request)}: {exc}. "
                "The server may have restarted or a proxy cut the connection.",
                request=self._request,
            ) from exc
        except _Inherited:
            # An APIConnectionError is a cut: a resumable stream resumes on this process's own
            # connection; a foreground one reports StreamInterruptedError. The parent reads on.
            raise APIConnectionError(
                f"This response to {self._request.method} {self._request.url.split('?', 1)[0]} was opened "
                f"by process {self._pid} and is read by its forked child {os.getpid()}; a process reads "
                "only its own connections.",
                request=self._request,
            ) from None
        except (APIConnectionError, ProtocolError):
            raise
        except (u3.HTTPError, requests.exceptions.RequestException, OSError) as exc:
            if self._closed:
                return  # closed by another thread (or by close()): not an error
            raise _translate(exc, self._request) from exc
        except (ValueError, AttributeError):
            # A read racing close() on another thread meets a closed file (ValueError) or a
            # released one (AttributeError). Otherwise it is a bug: it must show as itself.
            if self._closed:
                return
            raise

    def close(self) -> None:
        response = self._response
        if response is None:
            return
        if os.getpid() != self._pid:
            # A forked child closing (or garbage-collecting) its inherited copy of the parent's
            # stream: shutdown() and a drained release would act on the socket the parent still
            # reads. Closing the child's file descriptor is all that is the child's to do.
            _close_fd_only(response)
            self._closed = True
            self._response = None
            return
        raw = response.raw
        if not self._complete and not self._closed:
            # Wake a reader blocked in recv on another thread (a cancelled stream): without this,
            # close() waits for the server's next byte, up to the read timeout on a silent run.
            sock = getattr(getattr(raw, "connection", None), "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._complete and raw is not None:
            # The body was read to its end outside urllib3's reader, so urllib3 does not know it
            # ended: close http.client's side and hand the connection back to the pool (what
            # requests does after a consumed body) instead of letting requests close the socket.
            original = getattr(raw, "_fp", None)
            if original is not None:
                original.close()
            raw.release_conn()
        else:
            response.close()
        if self._own_session is not None:
            self._own_session.close()
        # requests' response holds the prepared request (the API key in its headers): an error
        # that carries this response must not reach it.
        self._response = None


def _close_fd_only(response: requests.Response) -> None:
    """Close this process's descriptor of a response's socket, sending nothing on it."""
    conn = getattr(response.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.close()  # close(), unlike shutdown(), leaves the other process's copy open


def _as_sent(prepared: requests.PreparedRequest) -> requests.PreparedRequest:
    """requests' auth hook that changes nothing: the request's own Authorization header stays."""
    return prepared


class _Session(requests.Session):
    """The sessions the transport makes: on a redirect to the same host, the Authorization header
    that was sent is sent again, rather than ~/.netrc credentials (``Session.rebuild_auth``
    applies those on every redirect). To another host it is dropped, as requests does."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        sent = response.request.headers.get("Authorization")
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call, unused-ignore]
        if sent is None:
            return
        if not self.should_strip_auth(response.request.url, prepared_request.url):  # type: ignore[no-untyped-call, unused-ignore]
            prepared_request.headers["Authorization"] = sent


def _tagged_session(pool_connections: int, pool_maxsize: int) -> _Session:
    """A session with the tagging adapter for both schemes and no retries inside requests."""
    session = _Session()
    adapter = _TaggingAdapter(pool_connections=pool_connections, pool_maxsize=pool_maxsize, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _with_settings_of(base: requests.Session, session: _Session) -> _Session:
    """``session`` with ``base``'s settings: headers, auth, cookies, params, verify, cert, proxies
    and trust_env. Not its adapters: they hold ``base``'s pools."""
    session.headers.clear()
    session.headers.update(base.headers)
    session.auth = base.auth
    session.cookies = base.cookies.copy()
    session.params = base.params
    session.verify, session.cert = base.verify, base.cert
    session.proxies = dict(base.proxies)
    session.trust_env = base.trust_env
    return session


class RequestsTransport(Transport):
    """The default transport: a ``requests.Session`` with a connection pool.

    ``pool_maxsize`` bounds the connections kept per host: size it to the number of threads that
    stream at once (a 33rd concurrent stream opens a connection that is discarded afterwards
    rather than blocking). ``verify``, ``cert`` and ``proxies`` are passed with every request, so
    they win over the environment (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, ``HTTPS_PROXY``);
    left out, requests' rules apply: ``verify=True`` uses an environment CA bundle when one is
    set, and environment proxies are honoured (``trust_env``).

    ``session=`` uses a session of your own and changes nothing on it: its adapters, pool sizes,
    ``trust_env``, ``verify``, ``cert``, proxies, headers and auth stay as you set them (so
    ``pool_connections``, ``pool_maxsize`` and ``trust_env`` cannot be passed with it). Its
    ``verify`` is passed with each request, so it, too, wins over an environment CA bundle. What
    the transport adds per request: the timeout, ``stream=True``, redirects for GET only,
    ``verify``/``cert``/``proxies`` when given here, and, when the client sends a security key, an
    auth of its own that keeps the key's ``Authorization`` header (requests would put ``~/.netrc``
    credentials or the session's auth in its place). ``close()`` closes the session's connections.
    One thing differs from the default session: a TLS failure on a connection your adapters made
    is known to have happened before the request was sent only when it is a certificate failure,
    so other handshake failures do not make a create safe to send again.

    Fork-safe: a process forked after the transport was used (``gunicorn --preload``, Celery's
    prefork pool, ``os.fork()``) gets a new session and pool on its first request, never a
    connection of its parent's, and closing what it inherited never touches the parent's sockets.
    A ``session=`` given here is rebuilt in the child as a plain ``requests.Session`` carrying its
    headers, auth, cookies, params, verify, cert, proxies and trust_env (adapters it mounted of
    its own are not copied: they hold the parent's pools).

    Example:
        ```python
        transport = RequestsTransport(pool_maxsize=32)
        client = AgentOSClient("http://localhost:7777", transport=transport)
        ```
    """

    def __init__(
        self,
        *,
        pool_connections: Optional[int] = None,
        pool_maxsize: Optional[int] = None,
        verify: Optional[Union[bool, str]] = None,
        cert: Optional[Union[str, Tuple[str, str]]] = None,
        proxies: Optional[Mapping[str, str]] = None,
        trust_env: Optional[bool] = None,
        session: Optional[requests.Session] = None,
    ) -> None:
        if verify is not None and not isinstance(verify, (bool, str)):
            raise TypeError(f"verify must be a bool or a CA bundle path, got {verify!r}")
        if session is not None:
            given = [
                name
                for name, value in (
                    ("pool_connections", pool_connections),
                    ("pool_maxsize", pool_maxsize),
                    ("trust_env", trust_env),
                )
                if value is not None
            ]
            if given:
                raise ValueError(
                    f"{', '.join(given)} would change the session you passed; configure it on the session "
                    "(mount an HTTPAdapter, set trust_env) instead"
                )
            self._session = session
            self._owns_session = False
        else:
            for name, value in (("pool_connections", pool_connections), ("pool_maxsize", pool_maxsize)):
                if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                    raise ValueError(f"{name} must be an int >= 1, got {value!r}")
            self._pool_connections = pool_connections or 10
            self._pool_maxsize = pool_maxsize or 10
            self._trust_env = True if trust_env is None else trust_env
            self._session = self._new_session()
            self._owns_session = True
        self._verify = verify
        self._cert = cert
        self._proxies: Optional[Dict[str, str]] = dict(proxies) if proxies else None
        self._closed = False
        self._pid = os.getpid()
        self._fork_lock = threading.Lock()

    def _session_here(self) -> requests.Session:
        """This process's session: the pooled connections of a parent are never sent on by its
        forked child (both would read each other's answers), so a child builds its own."""
        if self._pid == os.getpid():
            return self._session
        with self._fork_lock:
            if self._pid != os.getpid():
                # A caller's session holds the parent's pools in its adapters: the child gets a
                # plain session with the same settings (adapters are not copied). The inherited
                # session is dropped, not closed: its sockets are the parent's too.
                self._session = (
                    self._new_session() if self._owns_session else _with_settings_of(self._session, _Session())
                )
                self._pid = os.getpid()
        return self._session

    def _new_session(self) -> requests.Session:
        """The transport's own session: the tagging adapter, no retries inside requests."""
        session = _tagged_session(self._pool_connections, self._pool_maxsize)
        session.trust_env = self._trust_env
        return session

    def _one_request_session(self, base: requests.Session) -> requests.Session:
        """A session with a pool of one connection of its own, for a request that must not reuse
        a pooled connection (behind a balancer, or ``uvicorn --workers N``, a new connection may
        reach another process). ``base``'s settings, the tagging adapter; closed with its response."""
        return _with_settings_of(base, _tagged_session(1, 1))

    def send(self, request: Request) -> Response:
        if self._closed:
            raise RuntimeError("This RequestsTransport is closed; create a new client.")
        kwargs: Dict[str, Any] = {
            "headers": dict(request.headers),
            "params": request.params,
            "stream": True,
            "timeout": request.timeout,
            "allow_redirects": request.method == "GET",
            # Per request, because requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a
            # session's verify (sessions.py merge_environment_settings), but not a request's.
            "verify": self._session_here().verify if self._verify is None else self._verify,
        }
        if any(name.lower() == "authorization" for name in request.headers):
            # requests replaces an Authorization header with ~/.netrc credentials (trust_env; a
            # netrc "default" entry matches every host) or the session's auth, so the server
            # would get Basic auth instead of the security key. A request auth of its own keeps
            # the header as sent and skips the netrc lookup.
            kwargs["auth"] = _as_sent
        if self._cert is not None:
            kwargs["cert"] = self._cert
        if self._proxies is not None:
            kwargs["proxies"] = self._proxies
        if request.files:
            # Streamed: a file is read while the body goes out, never held whole in memory.
            body = MultipartBody(request.form or {}, request.files)
            kwargs["data"] = body
            kwargs["headers"]["Content-Type"] = body.content_type
        elif request.form is not None:
            kwargs["data"] = dict(request.form)
        elif request.json is not None:
            kwargs["json"] = request.json
        session = self._session_here()
        if request.fresh_connection:
            session = self._one_request_session(session)
            # "Connection: close" keeps the server from holding the connection either.
            kwargs["headers"]["Connection"] = "close"
        try:
            response = session.request(request.method, request.url, **kwargs)
        except (requests.exceptions.RequestException, u3.HTTPError, OSError) as exc:
            if request.fresh_connection:
                session.close()
            raise _translate(exc, request.redacted(), self.proxy_for(request.url)) from exc
        wrapped = _RequestsResponse(response, request)
        if request.fresh_connection:
            wrapped._own_session = session
        return wrapped

    def proxy_for(self, url: str) -> Optional[str]:
        """The forward proxy a request to ``url`` goes through, and which setting chose it
        (``"http://127.0.0.1:3128 (set by HTTP_PROXY)"``), or None for a direct connection.
        Credentials in a proxy URL are never shown. Follows requests' order: ``proxies=`` given
        here, then the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, minus
        ``NO_PROXY``) when ``trust_env``, then the session's own ``proxies``.

        Example:
            ```python
            RequestsTransport().proxy_for("http://agentos.internal:7777/agents")
            ```
        """
        session = self._session_here()
        scheme = urlsplit(url).scheme
        candidates: List[Tuple[Mapping[str, str], str]] = []
        if self._proxies:
            candidates.append((self._proxies, "proxies= of RequestsTransport"))
        if session.trust_env:  # NO_PROXY applied: an exempt host gets no environment proxy
            candidates.append((requests.utils.get_environ_proxies(url), ""))
        if session.proxies:
            candidates.append((session.proxies, "the session's proxies"))
        for proxies, source in candidates:
            chosen = requests.utils.select_proxy(url, dict(proxies))
            if chosen:
                return f"{_without_credentials(chosen)} (set by {source or _proxy_env_name(scheme, chosen)})"
        return None

    def close(self) -> None:
        self._closed = True
        if self._pid != os.getpid():
            return  # a forked child that never sent: the session and its sockets are the parent's
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
