"""RequestsTransport over real loopback sockets, against a server that sends exactly the bytes
each test wants (``_wire.WireServer``): chunked framing, bounded reads, errors that surface as
what they are, and no credentials in anything an error carries."""

from __future__ import annotations

import json
from typing import Any, Iterator, List, Set

import pytest
from _wire import CHUNKED_HEAD, Conn, WireServer, chunk, reply

from agentos_sync import AgentOSClient, ReconnectPolicy, errors, events
from agentos_sync.transports import requests as transport_module
from agentos_sync.transports.base import Request
from agentos_sync.transports.requests import RequestsTransport

KEY = "sk-very-secret-key-4711"
NO_RECONNECT = ReconnectPolicy.disabled()


def stream_get(url: str, *, read_timeout: float = 1.0) -> bytes:
    """GET ``url`` as a stream with RequestsTransport and read the whole body."""
    with RequestsTransport() as transport:
        response = transport.send(Request("GET", url + "/s", stream=True, timeout=(2.0, read_timeout)))
        with response:
            return b"".join(response.iter_bytes())


def served(*parts: bytes, hold: bool = True, read_timeout: float = 1.0) -> bytes:
    """The body read by :func:`stream_get` from a server that answers with ``parts``."""
    with WireServer(answering(*parts, hold=hold)) as server:
        return stream_get(server.url, read_timeout=read_timeout)


def answering(*parts: bytes, hold: bool = True) -> Any:
    def handler(conn: Conn) -> None:
        conn.read_request()
        for part in parts:
            conn.send(part)
        if hold:
            conn.hold()

    return handler


# -- 1. the chunked decoder on a real socket ------------------------------------------------------


@pytest.mark.timeout(10)
def test_negative_chunk_size_is_a_protocol_error_not_an_endless_loop() -> None:
    # int(b"-6", 16) == -6 moved the decoder back onto its own line: a loop with no I/O.
    with pytest.raises(errors.ProtocolError, match="chunk"):
        served(CHUNKED_HEAD + b"-6\r\nabcdef\r\n")


@pytest.mark.timeout(10)
def test_a_2_gib_chunk_is_refused_before_it_is_read() -> None:
    # Before: fp.read(2 GiB): a MemoryError, or a wait for 2 GiB, past max_event_bytes.
    with pytest.raises(errors.ProtocolError, match="more than the 16777216"):
        served(CHUNKED_HEAD + b"80000000\r\n" + b"x" * 1000)


@pytest.mark.timeout(10)
def test_a_size_line_without_crlf_is_bounded() -> None:
    # Before: the buffer grew with every byte until the read timeout.
    with pytest.raises(errors.ProtocolError, match="longer than"):
        served(CHUNKED_HEAD, b"1" * 200_000, read_timeout=5.0)


@pytest.mark.timeout(10)
def test_a_chunk_not_followed_by_crlf_is_a_protocol_error() -> None:
    with pytest.raises(errors.ProtocolError, match="not CRLF"):
        served(CHUNKED_HEAD + b"3\r\nabcXY" + chunk(b"more"))


@pytest.mark.timeout(10)
def test_eof_inside_a_chunk_is_a_cut() -> None:
    with pytest.raises(errors.APIConnectionError) as info:
        served(CHUNKED_HEAD + b"10\r\nabc", hold=False)
    assert not isinstance(info.value, errors.ProtocolError)


@pytest.mark.timeout(10)
def test_extensions_and_trailers_are_read_and_the_connection_is_reused() -> None:
    body = b"3;name=value;flag\r\nabc\r\n4\t\r\ndefg\r\n0;last\r\nX-Checksum: 12\r\n folded\r\n\r\n"

    def handler(conn: Conn) -> None:
        while conn.read_request():
            conn.send(CHUNKED_HEAD + body)

    with WireServer(handler) as server, RequestsTransport() as transport:
        for _ in range(2):
            with transport.send(Request("GET", server.url + "/s", stream=True, timeout=(2.0, 2.0))) as response:
                assert b"".join(response.iter_bytes()) == b"abcdefg"
        assert server.connections == 1


@pytest.mark.timeout(10)
def test_bytes_after_the_body_make_the_connection_unusable() -> None:
    def handler(conn: Conn) -> None:
        while conn.read_request():
            conn.send(CHUNKED_HEAD + chunk(b"abc") + b"0\r\n\r\nHTTP/1.1 200 OK\r\n")

    with WireServer(handler) as server, RequestsTransport() as transport:
        for _ in range(2):
            with transport.send(Request("GET", server.url + "/s", stream=True, timeout=(2.0, 2.0))) as response:
                assert b"".join(response.iter_bytes()) == b"abc"
        assert server.connections == 2


@pytest.mark.timeout(20)
def test_a_malformed_stream_body_is_a_protocol_error_for_the_client_not_a_cut() -> None:
    frame = b'event: RunStarted\ndata: {"event": "RunStarted", "run_id": "r", "event_index": 0}\n\n'

    def handler(conn: Conn) -> None:
        while conn.read_request():
            conn.send(CHUNKED_HEAD + chunk(frame) + b"-6\r\nabcdef\r\n")

    with WireServer(handler) as server:
        client = AgentOSClient(server.url, timeout=(2.0, 2.0), reconnect=ReconnectPolicy(initial_backoff=0.0))
        with pytest.raises(errors.ProtocolError, match="malformed chunked body"):
            list(client.run_agent_stream("a", "x", background=True))
        client.close()
    assert len(server.requests) == 1  # not resumed: a protocol error is not a cut


# -- 4. bugs surface as themselves ----------------------------------------------------------------


@pytest.mark.parametrize("bug", [ValueError("a decoder bug"), AttributeError("a decoder bug")])
@pytest.mark.timeout(10)
def test_a_bug_in_the_decoder_is_not_a_broken_connection(monkeypatch: pytest.MonkeyPatch, bug: Exception) -> None:
    def broken(fp: object, limit: int) -> Iterator[bytes]:
        raise bug
        yield b""  # a generator, like the real one

    monkeypatch.setattr(transport_module, "dechunk", broken)
    with pytest.raises(type(bug), match="a decoder bug"):
        served(CHUNKED_HEAD + chunk(b"abc") + b"0\r\n\r\n")


# -- 5. unexpected bodies are read bounded ----------------------------------------------------------


@pytest.mark.timeout(10)
def test_a_non_sse_200_on_a_stream_is_not_read_whole() -> None:
    # A page announcing 100 MB, of which 1 MB arrives: before, the client waited for all of it
    # (here: a read timeout far past the test's time limit).
    page = b"<html>" + b"<p>proxy says no</p>" * 50_000
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000000\r\n\r\n"
    with WireServer(answering(head + page)) as server:
        client = AgentOSClient(server.url, timeout=(2.0, 60.0), max_retries=0)
        with pytest.raises(errors.ProtocolError, match="proxy says no"):
            client.run_agent_stream("a", "x")
        client.close()


def test_the_validator_cache_is_bounded_by_the_known_event_types() -> None:
    for i in range(5000):
        ev = events.validate_event_json(f"Invented{i}", json.dumps({"event": f"Invented{i}"}).encode())
        assert isinstance(ev, events.UnknownEvent)
    assert len(events._VALIDATE_JSON) <= len(events._REGISTRY) + 1


# -- 7. the API key is in nothing an error carries ------------------------------------------------


def _walk(obj: Any, path: str, seen: Set[int], found: List[str]) -> None:
    """Every value reachable from ``obj`` through attributes, items and exception links."""
    if id(obj) in seen or isinstance(obj, (type, type(_walk), type(json))):
        return
    seen.add(id(obj))
    if isinstance(obj, str):
        if KEY in obj:
            found.append(path)
        return
    if isinstance(obj, (bytes, bytearray, memoryview)):
        if KEY.encode() in bytes(obj):
            found.append(path)
        return
    if isinstance(obj, (int, float, bool)) or obj is None:
        return
    if isinstance(obj, BaseException):
        for name in ("__cause__", "__context__"):
            _walk(getattr(obj, name), f"{path}.{name}", seen, found)
        _walk(obj.args, f"{path}.args", seen, found)
    if isinstance(obj, dict):
        for k, v in list(obj.items()):
            _walk(k, f"{path}[key]", seen, found)
            _walk(v, f"{path}[{k!r}]", seen, found)
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        for i, v in enumerate(list(obj)):
            _walk(v, f"{path}[{i}]", seen, found)
        return
    for name in list(getattr(obj, "__dict__", {})) + list(getattr(type(obj), "__slots__", ())):
        if hasattr(obj, name):
            _walk(getattr(obj, name), f"{path}.{name}", seen, found)
    _walk(repr(obj), f"repr({path})", seen, found)


def where_is_the_key(exc: BaseException) -> List[str]:
    found: List[str] = []
    _walk(exc, "exc", set(), found)
    _walk(str(exc), "str(exc)", set(), found)
    return found


@pytest.mark.timeout(20)
def test_the_key_is_nowhere_in_a_401() -> None:
    def handler(conn: Conn) -> None:
        while conn.read_request():
            conn.send(reply(401, b'{"detail": "Invalid key"}'))

    with WireServer(handler) as server:
        client = AgentOSClient(server.url, api_key=KEY, max_retries=0)
        with pytest.raises(errors.AuthenticationError) as info:
            client.get_config()
        client.close()
    assert KEY.encode() in server.requests[0]  # it was sent
    assert info.value.request is not None and info.value.response is not None
    assert where_is_the_key(info.value) == []


@pytest.mark.timeout(20)
def test_the_key_is_nowhere_in_a_401_on_resume() -> None:
    def handler(conn: Conn) -> None:
        while True:
            request = conn.read_request()
            if not request:
                return
            if b"/resume" in request.split(b"\r\n", 1)[0]:
                conn.send(reply(401, b'{"detail": "Invalid key"}'))
            else:  # the create: one event, then the connection closes: a cut
                started = {"event": "RunStarted", "run_id": "r", "session_id": "s", "event_index": 0}
                conn.send(CHUNKED_HEAD + chunk(f"event: RunStarted\ndata: {json.dumps(started)}\n\n".encode()))
                return

    with WireServer(handler) as server:
        client = AgentOSClient(
            server.url, api_key=KEY, max_retries=0, reconnect=ReconnectPolicy(max_attempts=1, initial_backoff=0.0)
        )
        with pytest.raises(errors.AgentOSError) as info:
            list(client.run_agent_stream("a", "x", background=True))
        client.close()
    assert where_is_the_key(info.value) == []


@pytest.mark.timeout(20)
@pytest.mark.parametrize("failure", ["refused", "malformed", "cut", "silent"])
def test_the_key_is_nowhere_in_a_transport_error(failure: str) -> None:
    parts = {
        "malformed": (CHUNKED_HEAD + b"-6\r\n",),
        "cut": (CHUNKED_HEAD + b"10\r\nabc",),
        "silent": (),
    }
    with WireServer(answering(*parts.get(failure, ()), hold=failure != "cut")) as server:
        url = server.url
        if failure == "refused":
            server._listener.close()
        client = AgentOSClient(url, api_key=KEY, max_retries=0, timeout=(2.0, 0.5), reconnect=NO_RECONNECT)
        with pytest.raises(errors.AgentOSError) as info:
            list(client.run_agent_stream("a", "x"))
        client.close()
    assert where_is_the_key(info.value) == []


def _authorization_sent(client: AgentOSClient, server: WireServer) -> List[str]:
    client.get_config()
    client.close()
    return [
        line.split(b":", 1)[1].strip().decode()
        for request in server.requests
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"authorization:")
    ]


def _answering_config(conn: Conn) -> None:
    while conn.read_request():
        conn.send(reply(200, b'{"os_id": "os"}'))


@pytest.mark.timeout(20)
def test_a_netrc_entry_does_not_replace_the_security_key(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # requests puts ~/.netrc credentials in place of an Authorization header (trust_env); a
    # "default" entry matches every host: the server got Basic auth and answered 401.
    netrc = tmp_path / "netrc"
    netrc.write_text("default login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with WireServer(_answering_config) as server:
        assert _authorization_sent(AgentOSClient(server.url, api_key=KEY, max_retries=0), server) == [f"Bearer {KEY}"]
    with WireServer(_answering_config) as server:  # without a key, requests' netrc rule applies, as documented
        assert _authorization_sent(AgentOSClient(server.url, max_retries=0), server) == ["Basic c29tZW9uZTpodW50ZXIy"]


@pytest.mark.timeout(20)
def test_a_redirect_to_the_same_host_keeps_the_key_and_to_another_drops_it(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("default login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with WireServer(_answering_config) as other:

        def redirecting(conn: Conn) -> None:
            while True:
                request = conn.read_request()
                if not request:
                    return
                target = request.split(b" ", 2)[1]
                if target == b"/config":
                    conn.send(reply(307, headers={"location": "/config/here"}))
                elif target == b"/config/here":
                    conn.send(reply(307, headers={"location": other.url + "/config"}))

        with WireServer(redirecting) as server:
            assert _authorization_sent(AgentOSClient(server.url, api_key=KEY, max_retries=0), server) == [
                f"Bearer {KEY}",
                f"Bearer {KEY}",
            ]
        # another host (here: port) never gets the key; requests' netrc rule applies there
        assert [r for r in other.requests if KEY.encode() in r] == [] and len(other.requests) == 1


@pytest.mark.timeout(20)
def test_the_security_key_wins_over_the_auth_of_a_session_given() -> None:
    import requests

    session = requests.Session()
    session.auth = ("someone", "hunter2")
    with WireServer(_answering_config) as server:
        client = AgentOSClient(server.url, api_key=KEY, max_retries=0, transport=RequestsTransport(session=session))
        assert _authorization_sent(client, server) == [f"Bearer {KEY}"]
    with WireServer(_answering_config) as server:  # no key: the session's auth is sent
        client = AgentOSClient(server.url, max_retries=0, transport=RequestsTransport(session=session))
        assert _authorization_sent(client, server) == ["Basic c29tZW9uZTpodW50ZXIy"]


@pytest.mark.timeout(10)
def test_an_html_200_on_a_json_endpoint_is_not_read_whole() -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 100000000\r\n\r\n"
    with WireServer(answering(head + b"<html><h1>Sign in</h1>" + b" " * 200_000)) as server:
        client = AgentOSClient(server.url, timeout=(2.0, 60.0), max_retries=0)
        with pytest.raises(errors.ProtocolError, match=r"not JSON.*Sign in"):
            client.list_agents()
        client.close()
