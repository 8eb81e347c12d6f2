"""TLS over loopback with a throwaway CA (made with the openssl command): when a create may be
sent again, which settings win over the environment, and what happens to a caller's session."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests
from _wire import Certs, Conn, WireServer, raw_socket, reply
from requests.adapters import HTTPAdapter

from agentos_sync import AgentOSClient, Timeout, errors
from agentos_sync.transports.requests import RequestsTransport

OUTPUT = b'{"run_id": "r", "session_id": "s", "content": "ok", "status": "COMPLETED"}'
pytestmark = pytest.mark.timeout(30)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own CA bundle variables are not part of a test (the ones here set them)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return Certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def other_ca(certs: Certs, tmp_path: Path) -> str:
    """A CA bundle that does not hold the test CA: an environment pointing at it must lose."""
    return str(Certs(tmp_path).ca)


def answers_ok(conn: Conn) -> None:
    while conn.read_request():
        conn.send(reply(200, OUTPUT))


@pytest.fixture
def tls_server(certs: Certs) -> Iterator[WireServer]:
    with WireServer(answers_ok, tls=certs.server_context()) as server:
        yield server


# -- 2. a create is sent again only when it provably never reached the server ----------------------


def test_an_untrusted_certificate_never_reached_the_server_so_the_create_is_retried(certs: Certs) -> None:
    with WireServer(answers_ok, tls=certs.server_context()) as server:
        client = AgentOSClient(server.url, max_retries=2)
        with pytest.raises(
            errors.APIConnectionError, match=r"certificate of 127\.0\.0\.1:[0-9]+ was not accepted"
        ) as info:
            client.run_agent("a", "hi")
        client.close()
    assert info.value.reached_server is False
    assert server.handshake_failures == 3 and server.requests == []  # counted once its threads ended


def test_a_tls_error_after_the_request_was_written_is_not_retried(certs: Certs) -> None:
    def garbage_after_reading(conn: Conn) -> None:
        conn.read_request()
        # An application-data record the client cannot decrypt, written under the TLS layer.
        raw_socket(conn.sock).sendall(b"\x17\x03\x03\x00\x20" + b"\x00" * 32)
        conn.hold(2.0)

    with WireServer(garbage_after_reading, tls=certs.server_context()) as server:
        client = AgentOSClient(server.url, max_retries=2, verify=certs.ca, timeout=Timeout(5, 5, total=1))
        with pytest.raises(errors.APIConnectionError) as info:
            client.run_agent("a", "hi")
        client.close()
    # Before: every SSLError was reached_server=False, and the server got the run 3 times. Now
    # the answer is lost: the run is looked for by its id (GET), never created again.
    assert info.value.reached_server is True and isinstance(info.value, errors.RunAnswerLostError)
    posts = [r for r in server.requests if r.startswith(b"POST")]
    assert len(posts) == 1 and b"POST /agents/a/runs" in posts[0]


def test_a_refused_client_certificate_never_reached_the_server(certs: Certs) -> None:
    with WireServer(answers_ok, tls=certs.server_context(require_client_cert=True)) as server:
        client = AgentOSClient(server.url, max_retries=1, verify=certs.ca)
        with pytest.raises(errors.APIConnectionError) as info:
            client.run_agent("a", "hi")
        client.close()
        assert info.value.reached_server is False and server.requests == []
        with AgentOSClient(server.url, verify=certs.ca, cert=certs.client) as client:
            assert client.run_agent("a", "hi").content == "ok"


# -- 3. verify= and cert= win over the environment -------------------------------------------------


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_verify_path_wins_over_the_environment(
    tls_server: WireServer, certs: Certs, other_ca: str, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, other_ca)
    with AgentOSClient(tls_server.url, verify=certs.ca) as client:
        assert client.run_agent("a", "hi").content == "ok"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verify_false_wins_over_the_environment(
    tls_server: WireServer, other_ca: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca)
    with AgentOSClient(tls_server.url, verify=False) as client:
        assert client.run_agent("a", "hi").content == "ok"


def test_without_verify_an_environment_bundle_is_honoured_as_requests_does(
    tls_server: WireServer, certs: Certs, other_ca: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certs.ca)
    with AgentOSClient(tls_server.url) as client:
        assert client.run_agent("a", "hi").content == "ok"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca)
    with AgentOSClient(tls_server.url, max_retries=0) as client, pytest.raises(errors.APIConnectionError):
        client.run_agent("a", "hi")


def test_cert_is_sent_whatever_the_environment(certs: Certs, other_ca: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca)
    mtls = certs.server_context(require_client_cert=True)
    with WireServer(answers_ok, tls=mtls) as server, AgentOSClient(server.url, verify=certs.ca, cert=certs.client) as c:
        assert c.run_agent("a", "hi").content == "ok"


# -- 3. a caller's own session keeps its settings ------------------------------------------------------


def test_a_callers_session_keeps_its_settings(
    tls_server: WireServer, certs: Certs, other_ca: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca)
    session = requests.Session()
    session.verify = certs.ca
    adapter = HTTPAdapter(pool_maxsize=3)
    session.mount("https://", adapter)
    session.headers["X-Mine"] = "1"
    before = (session.trust_env, session.cert, dict(session.proxies), dict(session.adapters))
    transport = RequestsTransport(session=session)
    with AgentOSClient(tls_server.url, transport=transport) as client:
        assert client.run_agent("a", "hi").content == "ok"  # its verify, not the environment's
    assert session.verify == certs.ca
    assert (session.trust_env, session.cert, dict(session.proxies), dict(session.adapters)) == before
    assert b"X-Mine: 1" in tls_server.requests[0]


@pytest.mark.parametrize("option", ["pool_maxsize", "pool_connections", "trust_env"])
def test_options_that_would_change_a_callers_session_are_refused(option: str) -> None:
    value = False if option == "trust_env" else 4
    with pytest.raises(ValueError, match=option):
        RequestsTransport(session=requests.Session(), **{option: value})  # type: ignore[arg-type]


def test_a_certificate_failure_on_a_callers_session_never_reached_the_server(tls_server: WireServer) -> None:
    # A caller's adapters do not tag connect failures; a certificate is still only checked in the
    # handshake, so the create may be sent again.
    client = AgentOSClient(tls_server.url, transport=RequestsTransport(session=requests.Session()), max_retries=1)
    with pytest.raises(errors.APIConnectionError, match=r"certificate of 127\.0\.0\.1:[0-9]+ was not accepted") as info:
        client.run_agent("a", "hi")
    client.close()
    assert info.value.reached_server is False and tls_server.requests == []
