"""The ``requests.Session`` objects the transport sends on, and how they are made.

Apart from the transport because a session is built in three places (the transport's own, a
forked child's copy of a caller's session, a one-request session for a fresh connection) and
all three must agree: the tagging adapter, no retries inside requests, the Authorization header
kept on a same-host redirect, and what the environment says about a host read once.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting

from ._failures import _TaggingAdapter


def _as_sent(prepared: requests.PreparedRequest) -> requests.PreparedRequest:
    """requests' auth hook that changes nothing: the request's own Authorization header stays."""
    return prepared


class _Environment:
    """What the environment says about a host, read once per host: its forward proxies
    (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``, minus ``NO_PROXY``) and its ``~/.netrc``
    credentials.

    requests reads both on every request, and the proxies are the costly part: urllib's
    ``getproxies_environment`` walks all of ``os.environ`` (hundreds of names in a container),
    four times a request here (twice to send, twice to name the proxy of a failure). That was 40%
    of the CPU of a refused connection with 35 variables, 75% with 235: what a herd of reconnecting
    streams pays. The price, documented on ``RequestsTransport``: a change to the environment after
    the first request to a host is not seen by this transport. No lock: two threads that miss at
    once both read the environment, and either answer is right.
    """

    #: Hosts remembered before starting over (a transport talks to a few; this bounds a caller
    #: that sends to many).
    MOST = 256

    def __init__(self) -> None:
        self._proxies: Dict[Tuple[Optional[str], Optional[int], Optional[str]], Dict[str, str]] = {}
        self._netrc: Dict[Optional[str], Optional[Tuple[str, str]]] = {}

    def proxies(self, url: str, no_proxy: Optional[str]) -> Dict[str, str]:
        """``requests.utils.get_environ_proxies(url, no_proxy)``, which depends on nothing of the
        URL but its host and port (NO_PROXY may name either)."""
        try:
            parts = urlsplit(url)
            key = (parts.hostname, parts.port, no_proxy)
        except ValueError:  # a port that is no number: requests' own answer, uncached
            return requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
        found = self._proxies.get(key)
        if found is None:
            found = requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
            if len(self._proxies) >= self.MOST:
                self._proxies.clear()
            self._proxies[key] = found
        return dict(found)

    def netrc_auth(self, url: str) -> Optional[Tuple[str, str]]:
        """``requests.utils.get_netrc_auth(url)``, which looks up the URL's host name alone."""
        host = urlsplit(url).hostname
        if host in self._netrc:
            return self._netrc[host]
        found = requests.utils.get_netrc_auth(url)
        if len(self._netrc) >= self.MOST:
            self._netrc.clear()
        self._netrc[host] = found
        return found


def _netrc_auth(environment: _Environment, url: str) -> Any:
    """What requests' netrc lookup gives ``url``, from ``environment``: the credentials, or an auth
    that changes nothing (so that requests does not look again). None leaves the lookup to
    requests: credentials in the URL count only when netrc has none (rare: not worth caching both
    answers), and a URL too broken to split is requests' to refuse, with its own error."""
    try:
        if any(requests.utils.get_auth_from_url(url)):
            return None
        found = environment.netrc_auth(url)
    except ValueError:
        return None
    return found if found is not None else _as_sent


class _Session(requests.Session):
    """The sessions the transport makes: on a redirect to the same host, the Authorization header
    that was sent is sent again, rather than ~/.netrc credentials (``Session.rebuild_auth``
    applies those on every redirect). To another host it is dropped, as requests does.

    With an ``_Environment`` (the transport's own sessions, not a copy of a caller's), the proxies
    and netrc credentials of a host come from it instead of a fresh read per request; everything
    else is requests' own rules, in requests' order. A redirect still reads the environment (it
    goes through ``rebuild_proxies`` and ``rebuild_auth``): redirects are rare, GET only.
    """

    #: The transport's cache of the environment; None reads it on every request, as requests does.
    environment: Optional[_Environment] = None

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        # requests looks up ~/.netrc exactly when trust_env is set and no auth was given, by the
        # request or by the session.
        if self.environment is not None and self.trust_env and not request.auth and not self.auth:
            auth = _netrc_auth(self.environment, request.url)
            if auth is not None:
                request = copy.copy(request)
                request.auth = auth
        return super().prepare_request(request)

    # Typed loosely: types-requests types this method differently from one version to the next.
    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        environment = self.environment
        if environment is None or not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        # requests' own merge (Session.merge_environment_settings), with the host's proxies read once.
        if proxies is not None:
            # What is given wins over the environment, key by key (requests' setdefault).
            proxies = {**environment.proxies(url, proxies.get("no_proxy")), **proxies}
        if verify is True or verify is None:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
        given = {"proxies": proxies, "stream": stream, "verify": verify, "cert": cert}
        # Each setting given with the request wins over the session's own (attributes of those names).
        merge: Any = merge_setting
        return {name: merge(value, getattr(self, name)) for name, value in given.items()}

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
    """``session`` with ``base``'s settings: headers, auth, cookies, params, verify, cert, proxies,
    trust_env and the cache of the environment. Not its adapters: they hold ``base``'s pools."""
    session.headers.clear()
    session.headers.update(base.headers)
    session.auth = base.auth
    session.cookies = base.cookies.copy()
    session.params = base.params
    session.verify, session.cert = base.verify, base.cert
    session.proxies = dict(base.proxies)
    session.trust_env = base.trust_env
    session.environment = base.environment if isinstance(base, _Session) else None
    return session


def _environ_proxies(session: requests.Session, url: str, no_proxy: Optional[str]) -> Dict[str, str]:
    """The environment's proxies for ``url`` as ``session`` reads them when it sends."""
    if isinstance(session, _Session) and session.environment is not None:
        return session.environment.proxies(url, no_proxy)
    return requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
