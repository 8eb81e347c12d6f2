"""What RequestsTransport takes from the environment: forward proxies (``HTTP_PROXY``, minus
``NO_PROXY``) and ``~/.netrc`` credentials, over real loopback sockets (``_wire.WireServer``
stands for the proxy and for the server). A forward proxy is told apart from the server by the
request line: a proxy is asked for the absolute URL (``GET http://host/path``)."""

from __future__ import annotations

from typing import Iterator, List

import pytest
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


def test_a_no_proxy_host_is_reached_directly(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer, server: WireServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with RequestsTransport() as transport:
        assert get(transport, f"{server.url}/agents") == 200
        assert transport.proxy_for(f"{server.url}/agents") is None
    assert request_lines(server) == ["GET /agents HTTP/1.1"]
    assert proxy.requests == []


def test_proxies_given_to_the_transport_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # discard: a request sent there fails
    with RequestsTransport(proxies={"http": proxy.url}) as transport:
        assert get(transport, f"{ELSEWHERE}/agents") == 200
    assert request_lines(proxy) == [f"GET {ELSEWHERE}/agents HTTP/1.1"]


def test_the_environment_does_not_leak_into_the_proxies_given(
    monkeypatch: pytest.MonkeyPatch, proxy: WireServer, server: WireServer
) -> None:
    # requests adds the environment's proxies to the dict it is given: were it the transport's own,
    # HTTP_PROXY would stick after the first request, NO_PROXY would no longer exempt a host, and
    # proxy_for would blame proxies= for it.
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with RequestsTransport(proxies={"https": "http://127.0.0.1:9"}) as transport:
        assert get(transport, f"{ELSEWHERE}/agents") == 200
        assert get(transport, f"{server.url}/agents") == 200
        assert transport.proxy_for(f"{server.url}/agents") is None
    assert request_lines(proxy) == [f"GET {ELSEWHERE}/agents HTTP/1.1"]
    assert request_lines(server) == ["GET /agents HTTP/1.1"]
