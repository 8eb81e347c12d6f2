"""The ``requests.Session`` objects the transport sends on, and how they are made.

Apart from the transport because a session is built in three places (the transport's own, a
forked child's copy of a caller's session, a one-request session for a fresh connection) and
all three must agree: the tagging adapter, no retries inside requests, the Authorization header
kept on a same-host redirect.
"""

from __future__ import annotations

import requests

from ._failures import _TaggingAdapter


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
