"""SSE framing: edge cases, and sseclient-py as the oracle for any split of any valid stream."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Tuple

import pytest
import sseclient
from hypothesis import given, settings
from hypothesis import strategies as st

from agentos_sync import errors, events
from agentos_sync.sse import SSEFrame, TruncatedFrame, decode_event, iter_events, iter_frames

WIRE = Path(__file__).resolve().parents[2] / "shared" / "wire"


def frames(*chunks: bytes, **kw: int) -> List[SSEFrame]:
    return list(iter_frames(list(chunks), **kw))


def simple(fs: List[SSEFrame]) -> List[Tuple[str, bytes]]:
    return [(f.event, f.data) for f in fs]


def test_basic_frame() -> None:
    assert simple(frames(b'event: RunContent\ndata: {"a":1}\n\n')) == [("RunContent", b'{"a":1}')]


def test_crlf_and_cr_line_endings() -> None:
    assert simple(frames(b"event: A\r\ndata: 1\r\n\r\nevent: B\rdata: 2\r\r")) == [("A", b"1"), ("B", b"2")]


def test_crlf_split_across_chunks() -> None:
    assert simple(frames(b"event: A\r\ndata: 1\r", b"\n\r", b"\nevent: B\r\ndata: 2\r\n\r\n")) == [
        ("A", b"1"),
        ("B", b"2"),
    ]


def test_multiline_data_joined_with_newline() -> None:
    assert simple(frames(b"data: line1\ndata: line2\n\n")) == [("message", b"line1\nline2")]


def test_comments_and_heartbeats_are_skipped() -> None:
    assert simple(frames(b": heartbeat\n\n: hi\nevent: A\ndata: x\n\n")) == [("A", b"x")]


def test_missing_trailing_blank_line_gives_incomplete_frame() -> None:
    out = frames(b"event: A\ndata: 1\n\nevent: B\ndata: 2\n")
    assert simple(out) == [("A", b"1"), ("B", b"2")]
    assert out[0].complete and not out[1].complete


def test_bom_is_skipped_even_when_split() -> None:
    assert simple(frames(b"\xef\xbb", b"\xbfevent: A\ndata: 1\n\n")) == [("A", b"1")]
    assert simple(frames(b"\xef\xbb\xbfevent: A\ndata: 1\n\n")) == [("A", b"1")]


def test_bom_only_in_first_position() -> None:
    # A BOM later in the stream is data, not a marker.
    assert simple(frames(b"data: \xef\xbb\xbfx\n\n")) == [("message", b"\xef\xbb\xbfx")]


def test_id_and_retry_fields_are_parsed_not_fatal() -> None:
    (frame,) = frames(b"id: 7\nretry: 3000\nevent: A\ndata: 1\n\n")
    assert frame.id == "7" and frame.retry == 3000


def test_frame_without_data_is_not_dispatched() -> None:
    assert frames(b"event: A\n\n") == []


def test_field_without_colon_and_unknown_fields() -> None:
    assert simple(frames(b"data\nfoo: bar\n\n")) == [("message", b"")]


def test_frame_over_limit_raises_protocol_error() -> None:
    with pytest.raises(errors.ProtocolError, match="max_event_bytes"):
        frames(b"data: " + b"x" * 5000, max_event_bytes=1024)


def test_endless_body_without_newlines_is_bounded() -> None:
    def endless():  # type: ignore[no-untyped-def]
        while True:
            yield b"y" * 4096

    with pytest.raises(errors.ProtocolError):
        list(iter_frames(endless(), max_event_bytes=64 * 1024))


def test_large_frame_in_small_chunks_is_linear() -> None:
    payload = json.dumps({"event": "RunCompleted", "content": "z" * (4 * 1024 * 1024)}).encode()
    body = b"event: RunCompleted\ndata: " + payload + b"\n\n"
    chunks = [body[i : i + 128] for i in range(0, len(body), 128)]
    (frame,) = list(iter_frames(chunks))
    assert frame.data == payload


@pytest.mark.parametrize("name", sorted(p.name for p in WIRE.glob("*.sse")))
def test_wire_captures_decode_to_typed_events(name: str) -> None:
    data = (WIRE / name).read_bytes()
    decoded = [decode_event(f) for f in iter_frames([data])]
    assert decoded
    for ev in decoded:
        assert not isinstance(ev, events.UnknownEvent), ev.event
        assert type(ev) is events.event_class(ev.event)


def _oracle(data: bytes) -> List[Tuple[str, str]]:
    return [(e.event, e.data) for e in sseclient.SSEClient([data]).events()]


_line = st.one_of(
    st.tuples(
        st.sampled_from(["event", "data", "id", ": comment", "retry", "other"]),
        st.text(alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",)), max_size=20),
    ),
)


@st.composite
def sse_streams(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    out = []
    for _ in range(draw(st.integers(0, 6))):
        lines = draw(st.lists(_line, min_size=1, max_size=5))
        text = ""
        for name, value in lines:
            text += (name if name.startswith(":") else f"{name}: {value}") + eol
        out.append(text + eol)
    return "".join(out).encode()


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None)
@given(sse_streams(), st.lists(st.integers(1, 64), max_size=30))
def test_any_split_matches_sseclient_oracle(data: bytes, cuts: List[int]) -> None:
    chunks, pos = [], 0
    for size in cuts:
        chunks.append(data[pos : pos + size])
        pos += size
    chunks.append(data[pos:])
    ours = [(f.event, f.data.decode()) for f in iter_frames(chunks)]
    assert ours == _oracle(data)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_never_raise_anything_but_protocol_error(chunks: List[bytes]) -> None:
    try:
        for frame in iter_frames(chunks, max_event_bytes=1024):
            try:
                decode_event(frame)
            except errors.ProtocolError:
                pass
            except Exception as exc:  # the incomplete-frame cut marker is internal to streams
                assert type(exc).__name__ == "TruncatedFrame"
    except errors.ProtocolError:
        pass


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None)
@given(
    st.text(min_size=1, max_size=30),
    st.dictionaries(st.text(max_size=10), st.one_of(st.none(), st.integers(), st.text(max_size=10)), max_size=5),
)
def test_any_object_with_event_string_decodes(name: str, extra: dict) -> None:  # type: ignore[type-arg]
    payload = {**extra, "event": name}
    payload.pop("event_index", None)
    for field in ("created_at", "run_id", "session_id", "agent_id"):
        payload.pop(field, None)
    frame = SSEFrame(name, json.dumps(payload).encode())
    try:
        ev = decode_event(frame)
    except errors.ProtocolError:
        # Only a known type whose declared fields got the wrong type may refuse.
        assert events.event_class(name) is not events.UnknownEvent
        return
    assert isinstance(ev, events.RunEvent)
    assert ev.event == name


@pytest.mark.parametrize("data", [b'{"x": 1}', b"[1, 2]", b'"text"', b"42", b'{"event": 7}'])
def test_unknown_type_with_odd_json_is_still_delivered(data: bytes) -> None:
    ev = decode_event(SSEFrame("FutureThing", data))
    assert isinstance(ev, events.UnknownEvent) and ev.event == "FutureThing"


def _outcome(fn):  # type: ignore[no-untyped-def]
    try:
        return ("ok", [(type(e).__name__, e.model_dump()) for e in fn()])
    except (errors.ProtocolError, TruncatedFrame) as exc:
        return ("error", type(exc).__name__)


_payloads = st.one_of(
    st.just(b'{"event":"RunContent","content":"x","event_index":3}'),
    st.just(b'{"event":"RunCompleted","metrics":{"total_tokens":2}}'),
    st.just(b'{"event":"RunContent","event_index":"seven"}'),
    st.just(b"{not json"),
    st.just(b'{"novel":1}'),
    st.binary(max_size=30),
)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")), deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["RunContent", "RunCompleted", "Mystery", "catch_up", ""]), _payloads), max_size=6
    ),
    st.booleans(),
    st.lists(st.integers(1, 40), max_size=10),
)
def test_fused_iter_events_equals_frame_by_frame(
    frames_: List[Tuple[str, bytes]], trailing: bool, cuts: List[int]
) -> None:
    body = b"".join(
        (b"event: " + name.encode() + b"\n" if name else b"")
        + b"data: "
        + data.replace(b"\n", b" ").replace(b"\r", b" ")
        + b"\n\n"
        for name, data in frames_
    )
    if trailing and body:
        body = body[:-1]  # the last frame loses its blank line
    chunks, pos = [], 0
    for size in cuts:
        chunks.append(body[pos : pos + size])
        pos += size
    chunks.append(body[pos:])
    fused = _outcome(lambda: list(iter_events(chunks)))
    reference = _outcome(lambda: [decode_event(f) for f in iter_frames(chunks)])
    assert fused == reference


def test_first_use_of_event_types_from_many_threads_at_once() -> None:
    import subprocess
    import sys

    code = """
import json, threading
from agentos_sync.events import validate_event_json
names = ["RunStarted", "RunContent", "RunCompleted", "ToolCallStarted", "TeamRunContent", "WorkflowStarted"]
errors, barrier = [], threading.Barrier(16)
def work():
    barrier.wait()
    try:
        for n in names:
            assert validate_event_json(n, json.dumps({"event": n, "content": "x"}).encode()).event == n
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=work) for _ in range(16)]
[t.start() for t in threads]; [t.join() for t in threads]
print(errors)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
