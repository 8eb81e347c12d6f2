"""``RequestsTransport``: the default transport, one pooled ``requests.Session``.

It maps every requests/urllib3 failure onto the transport contract of `.base` (the table is in
`._failures`), so nothing above it ever sees a requests exception. Redirects are followed for GET
only (requests drops the ``Authorization`` header when a redirect leaves the host); a POST that is
redirected comes back as the 3xx response for the client to report, because re-sending a run's
form to another address is never what the caller meant.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

import requests
import urllib3.exceptions as u3

from ..errors import APIConnectionError, ProtocolError
from ._chunked import READ_SIZE, MalformedChunk, TruncatedChunk, dechunk
from ._failures import _proxy_env_name, _target, _translate, _without_credentials
from ._multipart import MultipartBody
from ._owned import _close_fd_only, _Inherited, _OwnedFile, _socket_file
from ._sessions import _as_sent, _environ_proxies, _Environment, _Session, _tagged_session, _with_settings_of
from .base import Request, Response, Transport

__all__ = ["RequestsTransport"]


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
        with self._lock:
            if self._closed:
                return
            # Marked before the shutdown below wakes the reader: a reader that wakes must find
            # the response closed and end quietly, not report the cut as a broken connection.
            self._closed = True
        if not self._complete:
            # Wake a reader blocked in recv on another thread (a cancelled stream): without this,
            # close() waits for the server's next byte, up to the read timeout on a silent run.
            sock = getattr(getattr(raw, "connection", None), "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
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


class RequestsTransport(Transport):
    """The default transport: a ``requests.Session`` with a connection pool.

    ``pool_maxsize`` bounds the connections kept per host: size it to the number of threads that
    stream at once (a 33rd concurrent stream opens a connection that is discarded afterwards
    rather than blocking). ``verify``, ``cert`` and ``proxies`` are passed with every request, so
    they win over the environment (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, ``HTTPS_PROXY``);
    left out, requests' rules apply: ``verify=True`` uses an environment CA bundle when one is
    set, and environment proxies are honoured (``trust_env``).

    The environment's proxies (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) and
    ``~/.netrc`` credentials are read once per host, at the first request to it, not on every
    request as requests does (that read was 40% of the CPU of a refused connection with 35
    environment variables, 75% with 235, and 1,000 streams reconnecting at once pay it 1,000
    times): a change to them after that is not seen by this transport; a new transport (a new
    client) sees it. The CA bundle variables are still read per request.

    ``session=`` uses a session of your own and changes nothing on it: its adapters, pool sizes,
    ``trust_env``, ``verify``, ``cert``, proxies, headers and auth stay as you set them (so
    ``pool_connections``, ``pool_maxsize`` and ``trust_env`` cannot be passed with it), and
    requests reads the environment for it on every request, as it always does. Its ``verify`` is
    passed with each request, so it, too, wins over an environment CA bundle. What
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
            self._environment = _Environment()
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
        session.environment = self._environment
        return session

    def _one_request_session(self, base: requests.Session) -> requests.Session:
        """A session with a pool of one connection of its own, for a request that must not reuse
        a pooled connection (behind a balancer, or ``uvicorn --workers N``, a new connection may
        reach another process). ``base``'s settings (with the environment it has read), the tagging
        adapter; closed with its response."""
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
            # A copy: requests adds the environment's proxies to the dict it is given (setdefault).
            kwargs["proxies"] = dict(self._proxies)
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
            # As the request read it: a "no_proxy" entry of proxies= stands for NO_PROXY.
            no_proxy = self._proxies.get("no_proxy") if self._proxies else None
            candidates.append((_environ_proxies(session, url, no_proxy), ""))
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
