"""What RequestsTransport takes from the environment: forward proxies (``HTTP_PROXY``, minus
``NO_PROXY``) and ``~/.netrc`` credentials, over real loopback sockets (``_wire.WireServer``
stands for the proxy and for the server). A forward proxy is told apart from the server by the
request line: a proxy is asked for the absolute URL (``GET http://host/path``)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import requests
from _wire import Conn, WireServer, reply

from agentos_sync.transports.base import Request
from agentos_sync.transports.requests import RequestsTransport

#: A host that must never be resolved: only a proxy can carry a request to it.
ELSEWHERE = "http://agentos.invalid:7777"


def answer_ok(conn: Conn) -> None:
    while conn.read_request():
        conn.send(reply(200, b"[]"))


@pytest.fixture()
def proxy() -> Iterator[WireServer]:
    with WireServer(answer_ok) as server:
        yield server


@pytest.fixture()
def server() -> Iterator[WireServer]:
    with WireServer(answer_ok) as server:
        yield server


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def get(transport: RequestsTransport, url: str, **options: object) -> int:
    response = transport.send(Request("GET", url, timeout=(2.0, 2.0), **options))  # type: ignore[arg-type]
    with response:
        response.read()
    return response.status_code


def request_lines(server: WireServer) -> List[str]:
    return [raw.split(b"\r\n", 1)[0].decode() for raw in server.requests]


def test_an_environment_proxy_carries_the_request(monkeypatch: pytest.MonkeyPatch, proxy: WireServer) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with RequestsTransport() as transport:
        assert get(transport, f"{ELSEWHERE}/agents") == 200
        assert transport.proxy_for(f"{ELSEWHERE}/agents") == f"{proxy.url} (set by HTTP_PROXY)"
    assert request_lines(proxy) == [f"GET {ELSEWHERE}/agents HTTP/1.1"]


@pytest.mark.parametrize(
    "given", [None, {"https": "http://127.0.0.1:9"}], ids=["without proxies=", "with proxies= for https"]
)
def test_a_no_proxy_host_is_reached_directly(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer, server: WireServer, given: Optional[Dict[str, str]]
) -> None:
    # After a request that took the environment's proxy. requests adds the environment's proxies
    # to the proxies= dict it is given: were it the transport's own, HTTP_PROXY would stick in it,
    # NO_PROXY would no longer exempt a host, and proxy_for would blame proxies= for it.
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with RequestsTransport(proxies=given) as transport:
        assert get(transport, f"{ELSEWHERE}/agents") == 200
        assert get(transport, f"{server.url}/agents") == 200
        assert transport.proxy_for(f"{server.url}/agents") is None
    assert request_lines(proxy) == [f"GET {ELSEWHERE}/agents HTTP/1.1"]
    assert request_lines(server) == ["GET /agents HTTP/1.1"]


def test_proxies_given_to_the_transport_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # discard: a request sent there fails
    with RequestsTransport(proxies={"http": proxy.url}) as transport:
        assert get(transport, f"{ELSEWHERE}/agents") == 200
    assert request_lines(proxy) == [f"GET {ELSEWHERE}/agents HTTP/1.1"]


# -- read once per host --------------------------------------------------------------------------
#
# requests reads the proxy variables (all of os.environ, several times) and ~/.netrc on every
# request; the transport's own sessions read them at the first request to a host.


@pytest.fixture()
def proxy_reads(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The URLs the transport asked the environment about (requests.utils.get_environ_proxies)."""
    seen: List[str] = []
    original = requests.utils.get_environ_proxies

    def counting(url: str, no_proxy: Optional[str] = None) -> Dict[str, str]:
        seen.append(url)
        return original(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", counting)
    return seen


def test_the_proxies_of_a_host_are_read_once(
    monkeypatch: pytest.MonkeyPatch, proxy_reads: List[str], proxy: WireServer, server: WireServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with RequestsTransport() as transport:
        assert get(transport, f"{server.url}/agents") == 200
        assert len(proxy_reads) == 1  # the request itself read it
        for _ in range(2):
            assert get(transport, f"{server.url}/agents") == 200
        # A one-request session (a resume) shares what the transport has read.
        assert get(transport, f"{server.url}/agents", fresh_connection=True) == 200
        assert transport.proxy_for(f"{server.url}/agents") is None
        assert len(proxy_reads) == 1
        for _ in range(2):
            assert get(transport, f"{ELSEWHERE}/agents") == 200
        assert len(proxy_reads) == 2  # another host, read once too
    assert len(request_lines(server)) == 4
    assert request_lines(proxy) == [f"GET {ELSEWHERE}/agents HTTP/1.1"] * 2


def test_a_change_to_the_environment_is_seen_by_a_new_transport(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer, server: WireServer
) -> None:
    with RequestsTransport() as transport:
        assert get(transport, f"{server.url}/agents") == 200
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert get(transport, f"{server.url}/agents") == 200  # as read at the first request: direct
        assert transport.proxy_for(f"{server.url}/agents") is None
    assert proxy.requests == []
    with RequestsTransport() as transport:
        assert get(transport, f"{server.url}/agents") == 200
    assert request_lines(proxy) == [f"GET {server.url}/agents HTTP/1.1"]


def test_without_trust_env_the_environment_is_not_read(
    monkeypatch: pytest.MonkeyPatch, proxy_reads: List[str], proxy: WireServer, server: WireServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with RequestsTransport(trust_env=False) as transport:
        assert get(transport, f"{server.url}/agents") == 200
        assert transport.proxy_for(f"{server.url}/agents") is None
    assert proxy_reads == []
    assert proxy.requests == []


def test_a_callers_session_reads_the_environment_as_requests_does(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer, server: WireServer
) -> None:
    # The session is the caller's: nothing about it changes, requests reads the environment per request.
    with RequestsTransport(session=requests.Session()) as transport:
        assert get(transport, f"{server.url}/agents") == 200
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert get(transport, f"{server.url}/agents") == 200
    assert request_lines(server) == ["GET /agents HTTP/1.1"]
    assert request_lines(proxy) == [f"GET {server.url}/agents HTTP/1.1"]


def test_a_callers_session_settings_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"http": proxy.url}
    with RequestsTransport(session=session) as transport:
        assert get(transport, f"{ELSEWHERE}/agents") == 200
        assert transport.proxy_for(f"{ELSEWHERE}/agents") == f"{proxy.url} (set by the session's proxies)"
    assert request_lines(proxy) == [f"GET {ELSEWHERE}/agents HTTP/1.1"]


# -- ~/.netrc --------------------------------------------------------------------------------------


@pytest.fixture()
def netrc_reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> List[str]:
    """A netrc file with credentials for 127.0.0.1 (NETRC), and the URLs looked up in it."""
    path = tmp_path / "netrc"
    path.write_text("machine 127.0.0.1 login alice password s3cret\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    seen: List[str] = []
    original = requests.utils.get_netrc_auth

    def counting(url: str, raise_errors: bool = False) -> Optional[Tuple[str, str]]:
        seen.append(url)
        return original(url, raise_errors)

    monkeypatch.setattr(requests.utils, "get_netrc_auth", counting)
    return seen


def authorization(raw: bytes) -> Optional[str]:
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"authorization":
            return value.strip().decode()
    return None


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_netrc_credentials_are_sent_and_read_once_per_host(netrc_reads: List[str], server: WireServer) -> None:
    with RequestsTransport() as transport:
        for _ in range(3):
            assert get(transport, f"{server.url}/agents") == 200
        assert get(transport, f"{server.url}/agents", fresh_connection=True) == 200
    assert [authorization(raw) for raw in server.requests] == [basic("alice", "s3cret")] * 4
    assert len(netrc_reads) == 1


def test_a_security_key_is_sent_rather_than_netrc_credentials(netrc_reads: List[str], server: WireServer) -> None:
    with RequestsTransport() as transport:
        assert get(transport, f"{server.url}/agents", headers={"Authorization": "Bearer sk-1"}) == 200
    assert [authorization(raw) for raw in server.requests] == ["Bearer sk-1"]
    assert netrc_reads == []


def test_a_host_netrc_does_not_name_gets_no_credentials(netrc_reads: List[str], server: WireServer) -> None:
    url = server.url.replace("127.0.0.1", "localhost")
    with RequestsTransport() as transport:
        for _ in range(2):
            assert get(transport, f"{url}/agents") == 200
        # A body still goes out whole, with its length (an auth that changes nothing is applied).
        response = transport.send(Request("POST", f"{url}/agents/a/runs", form={"message": "hi"}, timeout=(2.0, 2.0)))
        with response:
            response.read()
    assert [authorization(raw) for raw in server.requests] == [None] * 3
    assert server.requests[2].endswith(b"\r\n\r\nmessage=hi")
    assert b"content-length: 10" in server.requests[2].lower()
    assert len(netrc_reads) == 1


def test_credentials_in_the_url_are_sent_when_netrc_has_none(netrc_reads: List[str], server: WireServer) -> None:
    url = server.url.replace("127.0.0.1", "bob:pw@localhost")
    with RequestsTransport() as transport:
        assert get(transport, f"{url}/agents") == 200
    assert [authorization(raw) for raw in server.requests] == [basic("bob", "pw")]
