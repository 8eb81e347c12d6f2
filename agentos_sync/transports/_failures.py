"""What a failure of requests or urllib3 means to the caller, in the client's own errors.

Kept apart from the transport because it is one table with one question under it: whether the
request can have reached the server (a create is sent again only when it provably did not). The
answer is made where the connection is opened (the tagging connections below) and read where the
exception is translated, so both halves live here; the transport only mounts the adapter and calls
``_translate``.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
from http.client import RemoteDisconnected
from typing import Any, Iterator, List, Optional
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
from .base import Request

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
