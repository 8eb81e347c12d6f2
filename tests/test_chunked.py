"""The chunked decoder (``transports/_chunked.py``) against h11, a well-kept HTTP/1.1 parser.

The property feeds the same random chunked body, valid or not, split into random reads, to both
and requires the same bytes from both, or an error from both. A second one requires, body by
body, the content of every chunk taken whole before an error and the same kind of end (a body, a
malformed body, a cut), on bodies that also hold runs of chunks of one size (the decoder's fast
path for them) with one framing byte broken at times. CI runs ``FUZZ_EXAMPLES`` examples
(default 300); the local campaign is ``FUZZ_EXAMPLES=20000 python -m pytest tests/test_chunked.py``.
The real-socket cases (a size of ``-6``, a 2 GiB size, a size line that never ends) are in
``tests/test_transport_requests.py``; the last test here streams the events before a malformed chunk.
"""

from __future__ import annotations

import os
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import h11
import pytest
from _wire import CHUNKED_HEAD, Conn, WireServer, chunk
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agentos_sync import AgentOSClient, ReconnectPolicy, errors
from agentos_sync.transports._chunked import (
    MAX_LINE,
    MAX_TRAILERS,
    READ_SIZE,
    MalformedChunk,
    TruncatedChunk,
    dechunk,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
LIMIT = 1 << 20


class Reads:
    """A buffered-file stand-in that hands out the body in the given pieces: ``read1`` returns
    at most one piece (what "has arrived"), ``read(n)`` blocks for n bytes or the end, like a
    socket file."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces = [p for p in pieces if p]

    def read1(self, size: int = -1, /) -> bytes:
        if not self._pieces:
            return b""
        piece = self._pieces.pop(0)
        if 0 <= size < len(piece):
            self._pieces.insert(0, piece[size:])
            piece = piece[:size]
        return piece

    def read(self, size: int = -1, /) -> bytes:
        out = b""
        while self._pieces and (size < 0 or len(out) < size):
            out += self.read1(-1 if size < 0 else size - len(out))
        return out


def ours(pieces: Sequence[bytes], limit: int = LIMIT) -> Optional[bytes]:
    """The decoded body, or None for an error of either kind."""
    out = b""
    try:
        gen = dechunk(Reads(pieces), limit)
        for part in gen:
            out += part
    except (MalformedChunk, TruncatedChunk):
        return None
    return out


def _h11_reading() -> h11.Connection:
    """An h11 client that sent a request and read the head of a chunked response."""
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    assert isinstance(conn.next_event(), h11.Response)
    return conn


def _h11_events(conn: h11.Connection) -> Iterator[object]:
    """The events h11 makes of what it was fed so far (its error raised as it finds it)."""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA or event is h11.PAUSED:
            return
        yield event


def reference(pieces: Sequence[bytes]) -> Optional[bytes]:
    """h11's reading of the same body after a chunked response head, then end of input."""
    conn = _h11_reading()
    out = b""
    try:
        # An empty piece is how h11 is told the input ended: only the last one is.
        for piece in [*(p for p in pieces if p), b""]:
            conn.receive_data(piece)
            for event in _h11_events(conn):
                if isinstance(event, h11.Data):
                    out += event.data
                elif isinstance(event, h11.EndOfMessage):
                    return out
    except h11.RemoteProtocolError:
        return None
    return None  # the input ended before the body did


# -- generators -------------------------------------------------------------------------------

HEX = "0123456789abcdefABCDEF"
TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ext_name = st.text(TCHAR, min_size=1, max_size=8)
ext_value = st.one_of(st.text(TCHAR, max_size=8), st.text(TCHAR + ' "\\=', max_size=8).map(lambda v: f'"{v}"'))
extension = st.builds(lambda n, v: f";{n}" + (f"={v}" if v else ""), ext_name, st.one_of(st.none(), ext_value))
field_value = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12)


@st.composite
def size_line(draw: st.DrawFn, size: int) -> bytes:
    digits = f"{size:x}"
    style = draw(st.sampled_from(["lower", "upper", "zeros"]))
    if style == "upper":
        digits = digits.upper()
    elif style == "zeros":
        digits = "0" * draw(st.integers(1, 20 - len(digits) if len(digits) < 20 else 0)) + digits
    exts = "".join(draw(st.lists(extension, max_size=3)))
    spaces = draw(st.sampled_from(["", "", " ", "\t", " \t"]))
    return (digits + exts + spaces).encode() + b"\r\n"


@st.composite
def trailer_section(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        name = "X-" + draw(st.text(TCHAR, min_size=1, max_size=8))
        ows = draw(st.sampled_from(["", " ", "\t"]))
        line = f"{name}:{ows}{draw(field_value)}{draw(st.sampled_from(['', ' ']))}"
        if draw(st.booleans()) and lines:
            line = " " + line  # obsolete line folding: joined onto the line before
        lines.append(line.encode())
    end = draw(st.sampled_from([b"\r\n", b"\r\n", b"\n"]))  # h11 takes bare LF in trailers
    return b"".join(line + end for line in lines) + end


@st.composite
def chunked_body(draw: st.DrawFn) -> bytes:
    parts = []
    for payload in draw(st.lists(st.binary(min_size=1, max_size=300), max_size=6)):
        parts.append(draw(size_line(len(payload))) + payload + b"\r\n")
    parts.append(draw(size_line(0)) + draw(trailer_section()))
    return b"".join(parts)


@st.composite
def mutated(draw: st.DrawFn, body: bytes) -> bytes:
    """A valid body broken in a few places: bytes replaced, inserted, dropped, or cut short."""
    data = bytearray(body)
    alphabet = st.sampled_from(list(b"0123456789abcdefxX-+ \t;=\r\n:\x00\xff_"))
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        what = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        if what == "replace":
            data[at] = draw(alphabet)
        elif what == "insert":
            data.insert(at, draw(alphabet))
        elif what == "delete":
            del data[at]
        else:
            del data[at:]
    return bytes(data)


@st.composite
def splits(draw: st.DrawFn, body: bytes) -> List[bytes]:
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=8)))
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)])]


@st.composite
def case(draw: st.DrawFn, bodies: Optional[st.SearchStrategy[bytes]] = None) -> Tuple[bytes, List[bytes]]:
    """A body (``chunked_body()`` by default), broken at times, and the reads it arrives in."""
    body = draw(bodies if bodies is not None else chunked_body())
    if draw(st.booleans()):
        body = draw(mutated(body))
    return body, draw(splits(body))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_same_bytes_or_an_error_as_h11(drawn: Tuple[bytes, List[bytes]]) -> None:
    body, pieces = drawn
    expected = reference(pieces)
    event("h11: error" if expected is None else "h11: a body")  # --hypothesis-show-statistics
    assert ours(pieces) == expected, body


# -- what is passed on before an error, and runs of chunks of one size -----------------------------


def ours_until_error(pieces: Sequence[bytes], limit: int = 16**20) -> Tuple[bytes, str]:
    """What the decoder yields before it ends, and how it ends: "body", "malformed" or "cut".
    No limit on a chunk's size by default: h11 has none."""
    out = b""
    try:
        for part in dechunk(Reads(pieces), limit):
            out += part
    except MalformedChunk:
        return out, "malformed"
    except TruncatedChunk:
        return out, "cut"
    return out, "body"


def reference_until_error(body: bytes) -> Tuple[bytes, str]:
    """h11's reading of ``body`` fed a byte at a time: the content of the chunks it took whole
    (their CRLF included) before it ended, and how it ended. A byte at a time, so that the end of
    each chunk's CRLF is seen: h11 passes a chunk's content on before it reads the CRLF after it."""
    conn = _h11_reading()
    whole = b""  # chunks whose CRLF went through
    pending = b""  # the chunk being read, or the one whose CRLF is being read
    crlf_left = -1  # bytes of the pending chunk's CRLF still to go through (-1: its content is not whole yet)
    for i in range(len(body) + 1):
        conn.receive_data(body[i : i + 1])  # b"" at the end: the input ended
        if crlf_left > 0 and i < len(body):
            crlf_left -= 1  # h11 checks a CRLF's bytes as they come: it raises below if this one is wrong
        try:
            for event in _h11_events(conn):
                if isinstance(event, h11.Data):
                    pending += event.data
                    if event.chunk_end:
                        crlf_left = 2
                elif isinstance(event, h11.EndOfMessage):
                    return whole + pending, "body"
        except h11.RemoteProtocolError:
            return whole, "cut" if i == len(body) else "malformed"
        if crlf_left == 0:
            whole, pending, crlf_left = whole + pending, b"", -1
    raise AssertionError("h11 neither ended the body nor failed at the end of the input")


@st.composite
def runs_body(draw: st.DrawFn) -> bytes:
    """Runs of chunks of the same size line (the decoder's fast path for them), their contents
    including CRLFs and hex digits at times, at times one byte of one chunk's framing replaced,
    then the last chunk."""
    sizes = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3, unique=True))
    lines = {
        size: f"{size:x}".encode() + b"\r\n" if draw(st.booleans()) or draw(st.booleans()) else draw(size_line(size))
        for size in sizes
    }
    content = st.sampled_from([b"a", b"{", b"\n", b"\r", b"\r\n", b"0", b"f", b";", b"\x00"])
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        size = draw(st.sampled_from(sizes))
        for _ in range(draw(st.integers(1, 12))):
            payload = b"".join(draw(st.lists(content, min_size=size, max_size=size)))[:size]
            payload += b"x" * (size - len(payload))
            parts.append(lines[size] + payload + b"\r\n")
    if draw(st.booleans()):
        # One byte of a chunk's framing (its size line, or the CRLF either side of its content)
        # replaced: what the fast path checks column by column.
        i = draw(st.integers(0, len(parts) - 1))
        chunk = bytearray(parts[i])
        head = chunk.index(b"\r\n") + 2
        at = draw(st.sampled_from([*range(head), len(chunk) - 2, len(chunk) - 1]))
        chunk[at] = draw(st.sampled_from(list(b"0123456789abcdefX \t;\r\n\x00")))
        parts[i] = bytes(chunk)
    parts.append(draw(size_line(0)) + draw(trailer_section()))
    return b"".join(parts)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(case(), case(runs_body())))
def test_whole_chunks_before_an_error_are_passed_on_like_h11(drawn: Tuple[bytes, List[bytes]]) -> None:
    """The content of every chunk taken whole before the fault, and the same kind of end (a body,
    a malformed body, or a cut), whatever the reads and whether the fast path for runs of one
    size took the chunks."""
    body, pieces = drawn
    expected = reference_until_error(body)
    event(f"h11: {expected[1]}")
    assert ours_until_error(pieces) == expected, body


@pytest.mark.parametrize("line", [b"3", b"00a"])
@pytest.mark.parametrize("byte", [b"X", b"\r", b"\n", b"0"])
def test_every_framing_byte_of_a_run_is_checked(line: bytes, byte: bytes) -> None:
    """Each byte of the 4th chunk's framing (size line, CRLF, CRLF after the content) replaced in
    turn, inside a run of 8 chunks of one size that the fast path takes in one read."""
    size = int(line, 16)
    chunk = line + b"\r\n" + b"c" * size + b"\r\n"
    framing = [*range(len(line) + 2), len(chunk) - 2, len(chunk) - 1]
    for at in framing:
        if chunk[at : at + 1] == byte:
            continue
        body = bytearray(chunk * 8 + b"0\r\n\r\n")
        body[3 * len(chunk) + at] = byte[0]
        assert ours_until_error([bytes(body)]) == reference_until_error(bytes(body)), (at, bytes(body))


def test_a_run_of_one_size_is_checked_chunk_by_chunk() -> None:
    good = b"".join(b"3\r\nab%d\r\n" % i for i in range(8))
    # A broken CRLF after the 6th chunk: the five before it are passed on, then the error.
    broken = good[: 6 * 8 - 2] + b"\rX" + good[6 * 8 :]
    assert ours_until_error([broken]) == (b"ab0ab1ab2ab3ab4", "malformed")
    # Another size line inside the run: the run stops there, the rest is read chunk by chunk.
    mixed = good[:16] + b"4\r\nwxyz\r\n" + good[16:] + b"0\r\n\r\n"
    assert ours_until_error([mixed]) == (b"ab0ab1wxyzab2ab3ab4ab5ab6ab7", "body")
    # A CRLF inside a content of the run's size.
    crlf = good + b"3\r\na\r\n\r\n" + good + b"0\r\n\r\n"
    assert ours_until_error([crlf]) == reference_until_error(crlf)
    assert ours_until_error([crlf])[1] == "body"


def test_a_wrong_byte_where_the_crlf_begins_is_malformed_not_a_cut() -> None:
    assert ours_until_error([b"3\r\nabc", b"X"]) == (b"", "malformed") == reference_until_error(b"3\r\nabcX")
    assert ours_until_error([b"3\r\nabc", b"\r"]) == (b"", "cut") == reference_until_error(b"3\r\nabc\r")
    big = b"x" * (READ_SIZE * 2)
    head = b"%x\r\n" % len(big)
    assert ours_until_error([head + big[:100], big[100:] + b"X"]) == (b"", "malformed")
    assert ours_until_error([head + big[:100], big[100:] + b"\r"]) == (b"", "cut")


# -- the cases the property must cover, as examples that name them ----------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"-6\r\nabcdef\r\n0\r\n\r\n",  # int(b"-6", 16) is accepted by int(), not by HTTP
        b"+6\r\nabcdef\r\n0\r\n\r\n",
        b" 6\r\nabcdef\r\n0\r\n\r\n",
        b"0x6\r\nabcdef\r\n0\r\n\r\n",
        b"6_0\r\n" + b"x" * 96 + b"\r\n0\r\n\r\n",
        b"6 ;a=b\r\nabcdef\r\n0\r\n\r\n",  # h11 takes no space before ";"
        b"6\r\nabcdefXY0\r\n\r\n",  # no CRLF after the chunk
        b"\r\n",
        b"0\r\n",  # the last chunk without the empty line that ends the trailers
        b"0\r\nX-A: 1\r\n",
        b"0\r\n bad: fold\r\n\r\n",
        b"0\r\nno colon\r\n\r\n",
        b"0" * 21 + b"\r\n\r\n",
    ],
)
def test_refused_like_h11(body: bytes) -> None:
    assert ours([body]) is None and reference([body]) is None


@pytest.mark.parametrize(
    "body, content",
    [
        (b"6;name=value;x\r\nabcdef\r\n0\r\n\r\n", b"abcdef"),
        (b"6\t\r\nabcdef\r\n0\r\n\r\n", b"abcdef"),
        (b"00000000000000000006\r\nabcdef\r\n0\r\n\r\n", b"abcdef"),
        (b"6\r\nabcdef\r\n0\r\nX-Checksum: 1\r\n folded\r\nX-B:\r\n\r\n", b"abcdef"),
        (b"6\r\nabcdef\r\n0\r\n\n", b"abcdef"),
    ],
)
def test_extensions_and_trailers_like_h11(body: bytes, content: bytes) -> None:
    assert ours([body]) == reference([body]) == content


def test_a_declared_size_over_the_limit_is_refused_before_any_read() -> None:
    with pytest.raises(MalformedChunk, match="more than the 1024"):
        list(dechunk(Reads([b"80000000\r\n"]), 1024))


def test_a_size_line_is_bounded() -> None:
    with pytest.raises(MalformedChunk, match="longer than"):
        list(dechunk(Reads([b"1" * 1000] * (MAX_LINE // 1000 + 2)), LIMIT))


def test_trailers_are_bounded() -> None:
    with pytest.raises(MalformedChunk, match="trailer section longer"):
        list(dechunk(Reads([b"0\r\n", *[b"X-A: " + b"a" * 1000 + b"\r\n"] * (MAX_TRAILERS // 1000 + 2)]), LIMIT))


def test_bytes_past_the_end_are_counted() -> None:
    gen = dechunk(Reads([b"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200"]), LIMIT)
    assert next(gen) == b"abc"
    with pytest.raises(StopIteration) as end:
        next(gen)
    assert end.value.value == len(b"HTTP/1.1 200")


def test_a_large_chunk_is_read_in_one_call_after_the_size_check() -> None:
    payload = b"y" * (300 * 1024)
    body = b"%x\r\n" % len(payload) + payload + b"\r\n0\r\n\r\n"
    assert ours([body[:100], body[100:]]) == payload


@pytest.mark.timeout(20)
def test_a_stream_delivers_the_events_before_a_malformed_chunk() -> None:
    """Over a socket: two good chunks and a malformed one arrive in one read; the events of the
    good ones are delivered, then the stream fails with a ProtocolError (not a cut: no resume)."""
    frame = b'event: RunStarted\ndata: {"event": "RunStarted", "run_id": "r", "event_index": 0}\n\n'
    content = b'event: RunContent\ndata: {"event": "RunContent", "run_id": "r", "event_index": 1}\n\n'

    def handler(conn: Conn) -> None:
        while conn.read_request():
            conn.send(CHUNKED_HEAD + chunk(frame) + chunk(content) + b"-6\r\nabcdef\r\n")

    got: List[str] = []
    with WireServer(handler) as server:
        client = AgentOSClient(server.url, timeout=(2.0, 2.0), reconnect=ReconnectPolicy(initial_backoff=0.0))
        with pytest.raises(errors.ProtocolError, match="malformed chunked body"):
            for ev in client.run_agent_stream("a", "x", background=True):
                got.append(ev.event)
        client.close()
    assert got == ["RunStarted", "RunContent"]
    assert len(server.requests) == 1
