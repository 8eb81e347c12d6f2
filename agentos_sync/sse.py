"""Layer 3: body bytes -> SSE frames -> typed events.

The frame decoder is written here by hand rather than taken from sseclient-py, for three measured
reasons: sseclient-py cannot bound its buffer (a body without blank lines grows without limit),
it decodes every line to ``str`` before the JSON parser sees it, and it copies its line buffer on
every chunk (quadratic for a 4 MiB frame fed in small chunks). Its behaviour is the oracle: the
property tests in ``tests/test_sse.py`` check that any split of any valid stream gives the frames
sseclient-py gives.

Rules (the WHATWG event-stream format): lines end in CRLF, LF or CR; a blank line ends a frame; a
line starting with ``:`` is a comment (AgentOS sends ``: heartbeat``); ``field: value`` with one
leading space stripped; several ``data`` lines join with ``\\n``; a frame with no ``data`` line is
not dispatched; an initial UTF-8 BOM is skipped.
"""

from __future__ import annotations

from typing import Iterable, Iterator, List, NamedTuple, Optional

from .errors import ProtocolError

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "SSEFrame", "iter_frames"]

#: The largest frame the decoder buffers before it gives up with ProtocolError. A RunCompleted
#: carries the whole answer (plus tool results), so this is generous; pass ``max_event_bytes`` to
#: the client to change it.
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"


class SSEFrame(NamedTuple):
    """One dispatched SSE frame. ``data`` stays bytes: the JSON parser reads bytes directly.
    ``complete`` is False for a trailing frame that the body ended inside (no blank line after it):
    whether that is a cut or a sloppy server is for the caller to decide."""

    event: str
    data: bytes
    id: Optional[str] = None
    retry: Optional[int] = None
    complete: bool = True


def _parse_block(block: bytes, complete: bool = True) -> Optional[SSEFrame]:
    event = ""
    data: List[bytes] = []
    frame_id: Optional[str] = None
    retry: Optional[int] = None
    for line in block.split(b"\n"):
        if not line or line[0] == 0x3A:  # blank or ":" comment
            continue
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            data.append(value)
        elif name == b"event":
            event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\x00" not in value:
                frame_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():
            retry = int(value)
        # any other field is ignored, as the format requires
    if not data:
        return None
    payload = data[0] if len(data) == 1 else b"\n".join(data)
    return SSEFrame(event or "message", payload, frame_id, retry, complete)


def iter_frames(chunks: Iterable[bytes], max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> Iterator[SSEFrame]:
    """Decode an iterable of body chunks into SSE frames, incrementally and in linear time.

    Raises :class:`~agentos_sync.errors.ProtocolError` when one frame exceeds ``max_event_bytes``
    (the buffer never grows past that). Errors raised by ``chunks`` propagate unchanged.

    Example::

        >>> [f.event for f in iter_frames([b"event: RunContent\\ndata: {}\\n\\n"])]
        ['RunContent']
    """
    buf = bytearray()
    scan_from = 0  # where the search for the next blank line resumes: keeps decoding linear
    cr_pending = False
    at_start = True
    for chunk in chunks:
        if not chunk:
            continue
        if at_start:
            # The BOM may be split over chunks: decide once three bytes (or the end) are seen.
            head = bytes(buf) + chunk
            if len(head) < 3 and _BOM.startswith(head):
                buf = bytearray(head)
                continue
            at_start = False
            buf = bytearray()
            chunk = head[3:] if head.startswith(_BOM) else head
        if cr_pending or b"\r" in chunk:
            if cr_pending and chunk[:1] == b"\n":
                chunk = chunk[1:]  # the LF half of a CRLF split across chunks
            cr_pending = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not buf:
            # Fast path: frames wholly inside this chunk are cut from it without copying to buf.
            start = 0
            end = chunk.find(b"\n\n")
            while end != -1:
                if end > start:
                    frame = _parse_block(chunk[start:end])
                    if frame is not None:
                        yield frame
                start = end + 2
                end = chunk.find(b"\n\n", start)
            if start < len(chunk):
                buf += chunk[start:] if start else chunk
                scan_from = 0
        else:
            buf += chunk
            start = 0
            end = buf.find(b"\n\n", scan_from)
            while end != -1:
                if end > start:
                    frame = _parse_block(bytes(buf[start:end]))
                    if frame is not None:
                        yield frame
                start = end + 2
                end = buf.find(b"\n\n", start)
            if start:
                del buf[:start]
            scan_from = max(0, len(buf) - 1)
        if len(buf) > max_event_bytes:
            raise ProtocolError(
                f"An SSE frame exceeded max_event_bytes={max_event_bytes} without ending; "
                "the server is sending something that is not an event stream, or raise max_event_bytes."
            )
    if at_start and buf and bytes(buf) == _BOM[: len(buf)]:
        return  # the whole body was (part of) a BOM
    tail = bytes(buf).strip(b"\n")
    if tail:
        frame = _parse_block(tail, complete=False)
        if frame is not None:
            yield frame
